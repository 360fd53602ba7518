/**
 * pods/log: the API server finds the pod's node and forwards the request to that node's
 * kubelet (`/containerLogs/...`), streaming the answer back, as upstream's API server does; a
 * pod not yet scheduled has no logs (204 No Content, which kubectl prints as nothing). Errors the kubelet would give for a pod that has no logs yet are answered here, with
 * upstream's messages.
 */
import type { IncomingMessage } from "node:http"
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import {
  ApiError,
  badRequest,
  findResource,
  invalid,
  podLogOptions,
  podLogQuery,
  type ResourceInfo,
  validatePodLogOptions,
} from "../../api/index.ts"
import type { ApiResponse } from "../http.ts"
import type { KubeletClientConfig, ResourceRequest } from "./context.ts"
import { call, kubeletAddress, readAll } from "./kubelet-client.ts"
import { joinHostPort } from "../../util/index.ts"

/**
 * The container a log, exec or attach request names, else the pod's only one, as upstream's
 * validateContainer: any container of the pod (init, regular or ephemeral) may be named; without
 * a name a pod of several must be told which (the kubectl.kubernetes.io/default-container
 * annotation is kubectl's to read, not the server's). @throws ApiError BadRequest
 */
export function containerOf(pod: Pod, asked: string | null): string {
  const spec = pod.spec
  // In upstream's VisitContainers order: init, regular, then ephemeral containers.
  const all = [
    ...(spec?.initContainers ?? []),
    ...(spec?.containers ?? []),
    ...(spec?.ephemeralContainers ?? []),
  ]
  const name = pod.metadata?.name
  if (asked) {
    if (!all.some((c) => c.name === asked))
      throw badRequest(`container ${asked} is not valid for pod ${name}`)
    return asked
  }
  const containers = spec?.containers ?? []
  if (containers.length === 1) return (containers[0] as { name: string }).name
  if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`)
  const names = all.map((c) => c.name).join(" ")
  throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names}]`)
}

function waitingMessage(pod: Pod, container: string): string | undefined {
  const all = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ]
  const s = all.find((c) => c.name === container)
  if (!s)
    return `container "${container}" in pod "${pod.metadata?.name}" is waiting to start: ContainerCreating`
  const waiting = s.state?.waiting
  if (waiting && !s.lastState?.terminated) {
    return `container "${container}" in pod "${pod.metadata?.name}" is waiting to start: ${waiting.reason ?? "ContainerCreating"}`
  }
  return undefined
}

async function* streamOf(res: IncomingMessage): AsyncIterable<Buffer> {
  for await (const chunk of res) yield chunk as Buffer
}

/** GET pods/<name>/log. */
export async function podLog(r: ResourceRequest, cfg: KubeletClientConfig): Promise<ApiResponse> {
  const opts = podLogOptions(r.req.query)
  const errs = validatePodLogOptions(opts)
  if (errs.length > 0) throw invalid("PodLogOptions", r.ri.name, errs)
  const pod = (await r.parts.registry.get(r.served, r.namespace, r.ri.name)) as Pod
  const container = containerOf(pod, opts.container ?? null)
  const nodeName = pod.spec?.nodeName
  // No node yet: no logs, and no error (upstream's LogLocation gives no location, answered 204).
  if (!nodeName) return { status: 204, headers: {} }
  const waiting = opts.previous ? undefined : waitingMessage(pod, container)
  if (waiting) throw badRequest(waiting)
  const nodes = r.parts.served(findResource("", "v1", "nodes") as ResourceInfo)
  const node = (await r.parts.registry.get(nodes, "", nodeName)) as Node
  const { host, port } = kubeletAddress(node)
  const fwd = podLogQuery(opts)
  const path = `/containerLogs/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.ri.name)}/${encodeURIComponent(container)}`
  const url = `${cfg.tls ? "https" : "http"}://${joinHostPort(host, port)}${path}?${fwd}`
  let res: IncomingMessage
  try {
    res = await call(cfg, url)
  } catch (err) {
    throw new ApiError("ServiceUnavailable", `Get "${url}": ${(err as Error).message}`)
  }
  if (res.statusCode !== 200) {
    const text = (await readAll(res)).trim()
    throw res.statusCode === 404 ? new ApiError("NotFound", text) : badRequest(text)
  }
  return { status: 200, headers: { "content-type": "text/plain" }, stream: streamOf(res) }
}
