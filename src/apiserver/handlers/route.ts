/** Routes a resource request to its verb's handler. */
import { evict } from "./eviction.ts"
import { podLog } from "./pod-log.ts"
import { podStream } from "./pod-stream.ts"
import { proxySubresource } from "./proxy.ts"
import { ApiError, badRequest, methodNotSupported } from "../../api/index.ts"
import { checkCustomResourceRequest, deleteCrd, isCrdDelete } from "../crd/requests.ts"
import { type ApiRequest, type ApiResponse, withBody } from "../http.ts"
import type { RequestInfo } from "../request-info.ts"
import { decodeBody } from "../negotiate.ts"
import { checkInputMediaType } from "../input-media-type.ts"
import type { ResourceRequest, ServerParts } from "./context.ts"
import { getObject, listOrWatch } from "./read.ts"
import { createObject, deleteCollection, deleteOne, patchObject, updateObject } from "./write.ts"
import { serveResourceMetrics } from "../resource-metrics/index.ts"
import { serveComponentStatuses } from "./component-status.ts"
import {
  localSubjectAccessReview,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
  tokenReview,
} from "./reviews.ts"
import { createToken } from "../serviceaccount/token-request.ts"
import { bind } from "./binding.ts"
import { finalizeNamespace, scale } from "./subresources.ts"

function notServed(): ApiError {
  return new ApiError("NotFound", "the server could not find the requested resource")
}

function methodNotAllowed(): ApiError {
  return new ApiError("MethodNotAllowed", "the server does not allow this method on the requested resource")
}

/** Handles a request for a resource, a named object or one of its subresources. */
export async function routeResource(
  req: ApiRequest,
  ri: RequestInfo,
  parts: ServerParts,
): Promise<ApiResponse> {
  const info = ri.isResource ? parts.resources.find(ri.group, ri.version, ri.resource) : undefined
  if (!info) throw notServed()
  // As upstream's routes: a cluster-scoped resource (Namespaces included) has none under a
  // namespaces/{ns}/ prefix, whose namespace would otherwise have authorized the request.
  if (!info.namespaced && ri.namespacePrefixed) throw notServed()
  const namespace = info.namespaced ? ri.namespace : ""
  if (info.namespaced && ri.name && !namespace) throw notServed()
  const r: ResourceRequest = { req, ri, served: parts.served(info), namespace, parts }
  const custom = parts.resources.handling(info)
  if (custom) checkCustomResourceRequest(r, custom)
  else if (isCrdDelete(r)) return deleteCrd(r)
  return ri.subresource === "" ? routeMain(r) : routeSubresource(r)
}

const VERBS: Record<string, (r: ResourceRequest) => Promise<ApiResponse>> = {
  get: getObject,
  list: listOrWatch,
  watch: listOrWatch,
  create: createObject,
  update: (r) => updateObject(r),
  patch: (r) => patchObject(r),
  delete: deleteOne,
  deletecollection: deleteCollection,
}

async function routeMain(r: ResourceRequest): Promise<ApiResponse> {
  const { info } = r.served
  // A watch of a resource that lists but cannot watch reaches upstream's list handler, which
  // names the missing verb (its route exists; other missing verbs have none, a plain 405).
  if (r.ri.verb === "watch" && !info.verbs.includes("watch") && info.verbs.includes("list"))
    throw methodNotSupported({ resource: info.resource, group: info.group }, "watch")
  if (!info.verbs.includes(r.ri.verb)) throw methodNotAllowed()
  // Upstream routes POST to collections only, PUT and PATCH to named objects only.
  if ((r.ri.verb === "create") === !!r.ri.name && ["create", "update", "patch"].includes(r.ri.verb))
    throw methodNotAllowed()
  if (info.resource === "selfsubjectaccessreviews") return selfSubjectAccessReview(r)
  if (info.resource === "selfsubjectrulesreviews") return selfSubjectRulesReview(r)
  if (info.resource === "selfsubjectreviews") return selfSubjectReview(r)
  if (info.resource === "subjectaccessreviews") return subjectAccessReview(r)
  if (info.resource === "localsubjectaccessreviews") return localSubjectAccessReview(r)
  if (info.resource === "tokenreviews") return tokenReview(r)
  if (info.resource === "bindings") return createBinding(r)
  if (info.group === "metrics.k8s.io") return serveResourceMetrics(r, r.parts.resourceMetrics)
  if (info.group === "" && info.resource === "componentstatuses") return serveComponentStatuses(r)
  const handler = VERBS[r.ri.verb]
  if (!handler) throw methodNotAllowed()
  checkBodyType(r)
  return handler(r)
}

/** Subresources whose POST bodies (if any) are not API objects. */
const STREAMS = new Set(["exec", "attach", "portforward"])

/** A create's or update's body must be of a type upstream decodes (PATCH checks its own types). */
function checkBodyType(r: ResourceRequest): void {
  if (r.ri.verb !== "create" && r.ri.verb !== "update") return
  checkInputMediaType(r.req.header("content-type"), !!r.parts.resources.handling(r.served.info))
}

/** POST bindings: the Binding names the pod in its metadata. */
async function createBinding(r: ResourceRequest): Promise<ApiResponse> {
  const b = decodeBody(r.req.header("content-type"), await r.req.body()) as { metadata?: { name?: string } }
  const name = b?.metadata?.name
  if (!name) throw badRequest("Binding metadata.name is required")
  const again = withBody(r.req, async () => Buffer.from(JSON.stringify(b)))
  return bind({ ...r, req: again }, name)
}

/** POST serviceaccounts/<name>/token, when the server has a signing key. */
function serviceAccountToken(r: ResourceRequest): Promise<ApiResponse> {
  const sa = r.parts.serviceAccountTokens
  if (!sa || r.served.info.resource !== "serviceaccounts") throw notYet(r.ri)
  return createToken(r, sa.options, sa.lookup)
}

async function routeSubresource(r: ResourceRequest): Promise<ApiResponse> {
  const { ri } = r
  const verb = ri.verb
  const sub = r.served.info.subresources.find((s) => s.name === ri.subresource)
  if (!sub || !ri.name) throw notServed()
  // Proxies take any of their methods (OPTIONS has no API verb).
  if (ri.subresource === "proxy") return proxySubresource(r)
  if (!sub.verbs.includes(verb === "watch" ? "get" : verb)) throw methodNotAllowed()
  if (!STREAMS.has(ri.subresource ?? "")) checkBodyType(r)
  switch (ri.subresource) {
    case "status":
    case "approval": // certificatesigningrequests: the approval conditions only (registry/certificates.ts)
    case "ephemeralcontainers": // pods: spec.ephemeralContainers only (registry/pod-subresource-writes.ts)
    case "resize": // pods: their containers' resources and resizePolicy only (likewise)
      if (verb === "get") return getObject(r)
      return verb === "update" ? updateObject(r, ri.subresource) : patchObject(r, ri.subresource)
    case "scale":
      return scale(r, r.parts.resources.handling(r.served.info))
    case "binding":
      return bind(r, ri.name)
    case "finalize":
      return finalizeNamespace(r)
    case "eviction":
      return evict(r)
    case "token":
      return serviceAccountToken(r)
  }
  return kubeletSubresource(r)
}

/** The pod subresources served by the pod's kubelet: log, exec, attach and portforward. */
function kubeletSubresource(r: ResourceRequest): Promise<ApiResponse> {
  if (r.served.info.resource === "pods") {
    if (r.ri.subresource === "log") return podLog(r, r.parts.kubeletClient)
    if (["exec", "attach", "portforward"].includes(r.ri.subresource ?? ""))
      return podStream(r, r.parts.kubeletClient)
  }
  throw notYet(r.ri)
}

// token without a signing key: served by later parts of k8ts.
function notYet(ri: RequestInfo): ApiError {
  return new ApiError(
    "ServiceUnavailable",
    `the ${ri.resource}/${ri.subresource} subresource is not available on this server yet`,
  )
}
