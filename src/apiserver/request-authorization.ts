/**
 * The server's authorization of requests (upstream's WithAuthorization filter and its
 * --authorization-mode authorizers): which authorizer decides, built from the server's options
 * over its watch cache, and the check every request passes after authentication.
 */
import { ApiError } from "../api/index.ts"
import { goQuote } from "../util/index.ts"
import { ANONYMOUS } from "./authn.ts"
import { type Authorizer, forbiddenByAuthorizer, requestAttributes } from "./authz.ts"
import {
  type AuthorizationMode,
  type ServerAuthorization,
  serverAuthorization,
} from "./authorization-modes.ts"
import type { ApiRequest } from "./http.ts"
import type { AdmissionPlugin } from "./admission.ts"
import {
  NodeGraph,
  type NodeGraphCaches,
  nodeAuthorizer,
  nodeRestriction,
  type NodeRestrictionLookups,
} from "./node-authz/index.ts"
import { PolicyIndex, type RbacCaches, rbacAuthorizer } from "./rbac/index.ts"
import type { RequestInfo } from "./request-info.ts"

/** The options that choose the authorizer (see ApiServerOptions). */
export interface AuthorizationOptions {
  readonly authorizationModes?: readonly AuthorizationMode[]
  readonly authorize?: Authorizer
}

/** The watch cache's views the RBAC and Node modes read, asked for only when their mode is on. */
export interface AuthorizationCaches {
  readonly rbac: () => RbacCaches
  readonly node: () => NodeGraphCaches
}

/**
 * The authorizer of `opts`: its own, else that of its modes, RBAC's over the watch cache's RBAC
 * objects (`policy`, for the escalation check too), Node's over its pods and volumes.
 */
export function authorizationOf(
  opts: AuthorizationOptions,
  caches: AuthorizationCaches,
): { authorization: ServerAuthorization; policy?: PolicyIndex } {
  if (opts.authorize) {
    const rulesFor = () => ({ resourceRules: [], nonResourceRules: [], incomplete: true })
    return { authorization: { authorize: opts.authorize, rulesFor, allowsAll: false } }
  }
  const modes = opts.authorizationModes ?? ["AlwaysAllow"]
  const policy = modes.includes("RBAC") ? new PolicyIndex(caches.rbac()) : undefined
  const authorization = serverAuthorization(modes, {
    rbac: () => rbacAuthorizer(policy as PolicyIndex),
    node: () => nodeAuthorizer(new NodeGraph(caches.node())),
  })
  return { authorization, ...(policy ? { policy } : {}) }
}

/**
 * NodeRestriction when the Node mode is on: upstream enables it apart
 * (--enable-admission-plugins), always together with the mode.
 */
export function nodeAdmission(
  opts: AuthorizationOptions,
  lookups: NodeRestrictionLookups,
): AdmissionPlugin[] {
  const on = !opts.authorize && (opts.authorizationModes ?? []).includes("Node")
  return on ? [nodeRestriction(lookups)] : []
}

const POD_STREAMS = new Set(["exec", "attach", "portforward"])

/** A pod's exec, attach or portforward: streams into its containers. */
function isPodStream(ri: RequestInfo): boolean {
  return ri.group === "" && ri.resource === "pods" && POD_STREAMS.has(ri.subresource)
}

/** Refuses what `authorize` does not allow (upstream's WithAuthorization filter). */
export async function authorizeRequest(
  authorize: Authorizer,
  req: ApiRequest,
  ri: RequestInfo,
): Promise<void> {
  const attrs = requestAttributes(req.method, ri, req.user ?? ANONYMOUS, req.query)
  const d = await authorize(attrs)
  if (d.decision !== "Allow") throw forbiddenByAuthorizer(attrs, d.reason)
  // A WebSocket exec, attach or port-forward is a GET: upstream's pod storage (v1.35's
  // AuthorizePodWebsocketUpgradeCreatePermission) also asks for `create`, as SPDY's POST is.
  if (attrs.verb !== "create" && isPodStream(ri)) {
    const create = await authorize({ ...attrs, verb: "create" })
    if (create.decision !== "Allow")
      throw new ApiError("Forbidden", `pods ${goQuote(ri.name)} is forbidden: ${create.reason}`, {
        name: ri.name,
        kind: "pods",
      })
  }
}
