/**
 * The default ClusterRoles and ClusterRoleBindings upstream's rbac/bootstrap-roles post-start hook
 * creates when missing, limited to the everyday ones: cluster-admin, the aggregated admin, edit
 * and view (their rules come from roles labelled to aggregate into them), system:discovery,
 * system:basic-user and system:public-info-viewer, each with its binding. RBAC is stored, not
 * enforced, so these exist for `--clusterrole=edit` bindings and charts that name them.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from "kubernetes-types/rbac/v1.js"
import { ApiError, type ApiObject, findResource, type ResourceInfo } from "../api/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"

const RBAC = "rbac.authorization.k8s.io"
/** What upstream marks its defaults with. */
const LABELS = { "kubernetes.io/bootstrapping": "rbac-defaults" }
const ANNOTATIONS = { "rbac.authorization.kubernetes.io/autoupdate": "true" }

/** A rule as upstream's rule builder makes it: every list sorted. */
function rule(verbs: string[], more: Omit<PolicyRule, "verbs">): PolicyRule {
  const out: PolicyRule = { verbs: [...verbs].sort() }
  if (more.apiGroups) out.apiGroups = [...more.apiGroups].sort()
  if (more.resources) out.resources = [...more.resources].sort()
  if (more.nonResourceURLs) out.nonResourceURLs = [...more.nonResourceURLs].sort()
  return out
}

function role(name: string, parts: Pick<ClusterRole, "rules" | "aggregationRule">, labels = {}): ClusterRole {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: "ClusterRole",
    metadata: { name, labels: { ...LABELS, ...labels }, annotations: { ...ANNOTATIONS } },
    ...parts,
  }
}

/** A role aggregating the roles labelled `rbac.authorization.k8s.io/aggregate-to-<to>`. */
function aggregated(name: string, to: string, labels: Record<string, string> = {}): ClusterRole {
  const matchLabels = { [`${RBAC}/aggregate-to-${to}`]: "true" }
  return role(name, { aggregationRule: { clusterRoleSelectors: [{ matchLabels }] } }, labels)
}

const HEALTH_AND_VERSION = ["/livez", "/readyz", "/healthz", "/version", "/version/"]

/** The default ClusterRoles kept here, as upstream defines them. */
export const BOOTSTRAP_CLUSTER_ROLES: readonly ClusterRole[] = [
  role("cluster-admin", {
    rules: [rule(["*"], { apiGroups: ["*"], resources: ["*"] }), rule(["*"], { nonResourceURLs: ["*"] })],
  }),
  aggregated("admin", "admin"),
  aggregated("edit", "edit", { [`${RBAC}/aggregate-to-admin`]: "true" }),
  aggregated("view", "view", { [`${RBAC}/aggregate-to-edit`]: "true" }),
  role("system:discovery", {
    rules: [
      rule(["get"], {
        nonResourceURLs: [
          ...HEALTH_AND_VERSION,
          "/openapi",
          "/openapi/*",
          "/api",
          "/api/*",
          "/apis",
          "/apis/*",
        ],
      }),
    ],
  }),
  role("system:basic-user", {
    rules: [
      rule(["create"], {
        apiGroups: ["authorization.k8s.io"],
        resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
      }),
      rule(["create"], { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"] }),
    ],
  }),
  role("system:public-info-viewer", { rules: [rule(["get"], { nonResourceURLs: HEALTH_AND_VERSION })] }),
]

function binding(name: string, groups: string[]): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { ...LABELS }, annotations: { ...ANNOTATIONS } },
    roleRef: { apiGroup: RBAC, kind: "ClusterRole", name },
    subjects: groups.map((g) => ({ kind: "Group", apiGroup: RBAC, name: g })),
  }
}

/** Their bindings, to the groups upstream binds them to. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = [
  binding("cluster-admin", ["system:masters"]),
  binding("system:discovery", ["system:authenticated"]),
  binding("system:basic-user", ["system:authenticated"]),
  binding("system:public-info-viewer", ["system:authenticated", "system:unauthenticated"]),
]

/** Creates each default role and binding that does not exist (an existing one is left as it is). */
export async function bootstrapRbac(
  registry: Registry,
  serve: (info: ResourceInfo) => Served,
): Promise<void> {
  const roles = serve(findResource(RBAC, "v1", "clusterroles") as ResourceInfo)
  const bindings = serve(findResource(RBAC, "v1", "clusterrolebindings") as ResourceInfo)
  const objects: [Served, ApiObject][] = [
    ...BOOTSTRAP_CLUSTER_ROLES.map((r): [Served, ApiObject] => [roles, r as unknown as ApiObject]),
    ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS.map((b): [Served, ApiObject] => [bindings, b as unknown as ApiObject]),
  ]
  for (const [s, obj] of objects) {
    await registry
      .create(s, "", structuredClone(obj), { fieldManager: "kube-apiserver" })
      .catch((err: unknown) => {
        if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
      })
  }
}
