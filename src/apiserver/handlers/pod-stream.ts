/**
 * pods/exec, pods/attach and pods/portforward: an upgrade-aware proxy to the kubelet of the
 * pod's node, as upstream's API server has. The request (a WebSocket or SPDY/3.1 upgrade) is
 * checked here (pod, node, container), then replayed to the kubelet's `/exec`, `/attach` or
 * `/portForward` with the API server's client certificate, and once the kubelet answers the
 * bytes flow unchanged both ways, its `101 Switching Protocols` included.
 */
import { connect as netConnect, type Socket } from "node:net"
import type { Duplex } from "node:stream"
import { connect as tlsConnect } from "node:tls"
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { ApiError, badRequest, findResource, type ResourceInfo } from "../../api/index.ts"
import { type ApiResponse, toSocket } from "../http.ts"
import { errorResponse } from "../output.ts"
import type { KubeletClientConfig, ResourceRequest } from "./context.ts"
import { kubeletAddress } from "./kubelet-client.ts"
import { containerOf } from "./pod-log.ts"
import { admitConnect } from "./connect-admission.ts"
import { joinHostPort } from "../../util/index.ts"

/** Request headers the kubelet needs to answer the upgrade. */
const FORWARDED_HEADERS = [
  "connection",
  "upgrade",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
  "x-stream-protocol-version",
  "user-agent",
]

const KUBELET_PATHS: Record<string, string> = { exec: "exec", attach: "attach", portforward: "portForward" }

function kubeletPath(r: ResourceRequest, pod: Pod): string {
  const sub = r.ri.subresource
  const base = `/${KUBELET_PATHS[sub]}/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.ri.name)}`
  if (sub === "portforward") return `${base}?${r.req.query}`
  const q = new URLSearchParams(r.req.query)
  const container = containerOf(pod, q.get("container"))
  q.delete("container")
  return `${base}/${encodeURIComponent(container)}?${q}`
}

function dial(cfg: KubeletClientConfig, host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = cfg.tls
      ? tlsConnect({ host, port, ca: cfg.tls.ca, cert: cfg.tls.cert, key: cfg.tls.key }, () => resolve(s))
      : netConnect({ host, port }, () => resolve(s))
    s.once("error", reject)
  })
}

function requestHead(r: ResourceRequest, path: string, host: string, port: number): string {
  const lines = [`${r.req.method} ${path} HTTP/1.1`, `Host: ${joinHostPort(host, port)}`]
  for (const h of FORWARDED_HEADERS) {
    const v = r.req.header(h)
    if (v !== undefined) lines.push(`${h}: ${v}`)
  }
  if (r.req.method !== "GET") lines.push("content-length: 0")
  return `${lines.join("\r\n")}\r\n\r\n`
}

/** Joins the client's socket to the kubelet's. */
function proxy(
  client: Duplex,
  head: Buffer,
  target: { cfg: KubeletClientConfig; host: string; port: number; request: string },
): void {
  const url = `${target.cfg.tls ? "https" : "http"}://${target.host}:${target.port}`
  dial(target.cfg, target.host, target.port).then(
    (kubelet) => {
      kubelet.setNoDelay(true)
      kubelet.write(target.request)
      if (head.length) kubelet.write(head)
      kubelet.pipe(client)
      client.pipe(kubelet)
      kubelet.on("error", () => client.destroy())
      // Ending (not destroying) lets the last frames, the exit status among them, reach the client.
      kubelet.on("close", () => client.end())
      client.on("close", () => kubelet.destroy())
    },
    (err: Error) => {
      toSocket(
        errorResponse(
          new ApiError("ServiceUnavailable", `error dialing backend: dial ${url}: ${err.message}`),
        ),
        client,
      )
    },
  )
}

/** GET or POST pods/<name>/exec, attach or portforward (an upgrade request). */
export async function podStream(r: ResourceRequest, cfg: KubeletClientConfig): Promise<ApiResponse> {
  // Admitted before the pod is looked at, as upstream admits before connecting.
  await admitConnect(r)
  const pod = (await r.parts.registry.get(r.served, r.namespace, r.ri.name)) as Pod
  // The container first (exec and attach name one), then the node, as upstream's streamLocation.
  const path = kubeletPath(r, pod)
  const nodeName = pod.spec?.nodeName
  if (!nodeName) throw badRequest(`pod ${pod.metadata?.name} does not have a host assigned`)
  if (!r.req.header("upgrade")) throw badRequest("Upgrade request required")
  const nodes = r.parts.served(findResource("", "v1", "nodes") as ResourceInfo)
  const node = (await r.parts.registry.get(nodes, "", nodeName)) as Node
  const { host, port } = kubeletAddress(node)
  const request = requestHead(r, path, host, port)
  return {
    status: 101,
    headers: {},
    upgrade: (socket, head) => proxy(socket, head, { cfg, host, port, request }),
  }
}
