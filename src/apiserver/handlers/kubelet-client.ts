/** How the API server calls a node's kubelet: its address from the Node, and one GET. */
import { request as httpRequest, type IncomingMessage } from "node:http"
import { request as httpsRequest } from "node:https"
import type { Node } from "kubernetes-types/core/v1.js"
import { ApiError } from "../../api/index.ts"
import type { KubeletClientConfig } from "./context.ts"

/** The kubelet's address: the node's InternalIP (else Hostname) and its daemon endpoint port. */
export function kubeletAddress(node: Node): { host: string; port: number } {
  const addrs = node.status?.addresses ?? []
  const host = (addrs.find((a) => a.type === "InternalIP") ?? addrs.find((a) => a.type === "Hostname"))
    ?.address
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port
  if (!host || !port)
    throw new ApiError("ServiceUnavailable", `node ${node.metadata?.name} has no kubelet address`)
  return { host, port }
}

/** Sends a GET to the kubelet at `url`. */
export function call(cfg: KubeletClientConfig, url: string, signal?: AbortSignal): Promise<IncomingMessage> {
  const send = cfg.tls ? httpsRequest : httpRequest
  const tls = cfg.tls ? { ca: cfg.tls.ca, cert: cfg.tls.cert, key: cfg.tls.key } : {}
  return new Promise((resolve, reject) => {
    const req = send(url, { ...tls, ...(signal ? { signal } : {}) }, resolve)
    req.on("error", reject)
    req.end()
  })
}

/** The whole body of a response. */
export async function readAll(res: IncomingMessage): Promise<string> {
  const parts: Buffer[] = []
  for await (const c of res) parts.push(c as Buffer)
  return Buffer.concat(parts).toString()
}
