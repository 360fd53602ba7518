/**
 * Privilege escalation prevention (upstream's policy-based RBAC storage in pkg/registry/rbac): a
 * Role or ClusterRole may be written only with rules its writer holds, unless the writer may
 * `escalate` it; a RoleBinding or ClusterRoleBinding only to a role whose rules its writer
 * holds, unless it may `bind` that role. system:masters, and the server's own writes, may do
 * either. Setting or dropping a ClusterRole's aggregationRule takes every permission (it can
 * gather anything). As upstream's storage wrappers, it is the registry's guard: after mutating
 * admission, before the store's create or update (a generated name, validation, validating
 * admission), whatever admission plugins are disabled.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef } from "kubernetes-types/rbac/v1.js"
import { ApiError, notFound } from "../../api/index.ts"
import { goQuote, jsonEqual } from "../../util/index.ts"
import { PRIVILEGED_GROUP } from "../authorization-modes.ts"
import type { AuthorizationAttributes, Authorizer } from "../authz.ts"
import type { UserInfo } from "../http.ts"
import type { AdmissionRequest, WriteGuard } from "../registry/context.ts"
import { compactRules, compactString, goList, uncovered } from "./covers.ts"
import type { PolicyIndex } from "./policy-index.ts"

const RBAC = "rbac.authorization.k8s.io"
const ROLES = new Set(["roles", "clusterroles"])
const BINDINGS = new Set(["rolebindings", "clusterrolebindings"])

/** Every permission (cluster-admin's rules). */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
  { verbs: ["*"], nonResourceURLs: ["*"] },
]

/** What the escalation check reads: the server's authorizer and RBAC's view of the rules. */
export interface EscalationCheckOptions {
  readonly authorize: Authorizer
  readonly policy: PolicyIndex
}

/**
 * Whether only what the garbage collector writes changed (upstream's IsOnlyMutatingGCFields): the
 * new object with the old one's ownerReferences, finalizers and selfLink is the old object.
 * Everything else counts, managedFields and resourceVersion included, as upstream compares them.
 */
function onlyGcFields(req: AdmissionRequest): boolean {
  if (req.operation !== "UPDATE" || !req.old || !req.object) return false
  const old = req.old.metadata ?? {}
  const metadata: Record<string, unknown> = { ...req.object.metadata }
  for (const k of ["ownerReferences", "finalizers", "selfLink"] as const) metadata[k] = old[k]
  return jsonEqual({ ...req.object, metadata }, req.old)
}

/**
 * The check that `user` holds `rules` in the request's namespace (upstream's ConfirmNoEscalation).
 * @throws ApiError Forbidden naming the rules it lacks
 */
function confirmNoEscalation(
  req: AdmissionRequest,
  user: UserInfo,
  policy: PolicyIndex,
  rules: readonly PolicyRule[],
  message?: string,
): void {
  const owned = policy.rulesFor(user, req.namespace)
  const missing = uncovered(owned.rules, rules)
  if (missing.length === 0) return
  if (message) throw forbidden(req, message)
  const described = [...new Set(compactRules(missing).map(compactString))].sort()
  let msg = `user ${goQuote(user.name)} (groups=${goList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${described.join("\n")}`
  if (owned.errors.length) msg += `; resolution errors: [${owned.errors.join(" ")}]`
  throw forbidden(req, msg)
}

/**
 * The 403 of a refused write, naming the object as written (upstream's NewForbidden with the
 * object's name: "" for a create with only a generateName).
 */
function forbidden(req: AdmissionRequest, message: string): ApiError {
  const name = req.object?.metadata?.name ?? ""
  return new ApiError("Forbidden", `${req.info.resource}.${RBAC} ${goQuote(name)} is forbidden: ${message}`, {
    ...(name ? { name } : {}),
    group: RBAC,
    kind: req.info.resource,
  })
}

async function allowed(authorize: Authorizer, a: AuthorizationAttributes): Promise<boolean> {
  return (await authorize(a)).decision === "Allow"
}

/**
 * The rules `ref` grants in `namespace`.
 * @throws ApiError NotFound for a role that does not exist (as upstream's storage words it)
 */
function referencedRules(policy: PolicyIndex, ref: RoleRef, namespace: string): readonly PolicyRule[] {
  const rules = policy.roleReferenceRules(ref, namespace)
  if (!("error" in rules)) return rules
  if (ref.kind === "Role" || ref.kind === "ClusterRole")
    throw notFound({ group: RBAC, resource: `${ref.kind.toLowerCase()}s` }, ref.name)
  throw new ApiError("InternalError", rules.error)
}

type Base = Pick<AuthorizationAttributes, "user" | "resourceRequest" | "apiGroup" | "namespace">

/**
 * A Role or ClusterRole write: its rules must be held, unless its writer may escalate it.
 * `requestName`: the name on the URL, which upstream's RoleEscalationAuthorized asks about: a
 * POST names nothing, so only escalate on every role lets a POST widen one; an update, and an
 * apply or PUT that creates the role, name it.
 */
async function checkRole(o: EscalationCheckOptions, req: AdmissionRequest, base: Base, requestName: string) {
  const escalate = {
    ...base,
    verb: "escalate",
    apiVersion: "*",
    resource: req.info.resource,
    name: requestName,
  }
  if (await allowed(o.authorize, escalate)) return
  if (onlyGcFields(req)) return
  const role = req.object as ClusterRole
  confirmNoEscalation(req, base.user, o.policy, role.rules ?? [])
  const aggregating = (r: ClusterRole | undefined) => !!r?.aggregationRule?.clusterRoleSelectors?.length
  if (req.info.resource === "clusterroles" && (aggregating(role) || aggregating(req.old as ClusterRole)))
    confirmNoEscalation(
      req,
      base.user,
      o.policy,
      FULL_AUTHORITY,
      "must have cluster-admin privileges to use the aggregationRule",
    )
}

/** A RoleBinding or ClusterRoleBinding write: its role's rules must be held, unless its writer may bind it. */
async function checkBinding(o: EscalationCheckOptions, req: AdmissionRequest, base: Base) {
  if (onlyGcFields(req)) return
  const ref = (req.object as unknown as ClusterRoleBinding).roleRef
  const resource = ref.kind === "ClusterRole" ? "clusterroles" : ref.kind === "Role" ? "roles" : ""
  const bind = { ...base, verb: "bind", apiGroup: ref.apiGroup, resource, name: ref.name }
  if (resource && (await allowed(o.authorize, bind))) return
  confirmNoEscalation(req, base.user, o.policy, referencedRules(o.policy, ref, req.namespace))
}

/** The escalation check, as the registry's guard of RBAC writes. */
export function rbacEscalationGuard(o: EscalationCheckOptions): WriteGuard {
  // Not async: most writes are of other resources, and their registry then waits for nothing.
  return (req, requestName) => {
    const { info, user } = req
    if (info.group !== RBAC || req.subresource !== "") return undefined
    if (req.operation !== "CREATE" && req.operation !== "UPDATE") return undefined
    // The server's own writes (no user) and system:masters may escalate (EscalationAllowed).
    if (!user || user.groups.includes(PRIVILEGED_GROUP)) return undefined
    const base = { user, resourceRequest: true, apiGroup: RBAC, namespace: req.namespace }
    if (ROLES.has(info.resource)) return checkRole(o, req, base, requestName)
    if (BINDINGS.has(info.resource)) return checkBinding(o, req, base)
    return undefined
  }
}
