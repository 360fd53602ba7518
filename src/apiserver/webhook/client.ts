/**
 * Posting an AdmissionReview to a webhook over HTTPS, as upstream's webhook client does: to its
 * URL, or to a ready endpoint of its Service with `<service>.<namespace>.svc` as the TLS server
 * name; the caBundle is the trust root (the system's when empty); `?timeout=<n>s` on the path and
 * the same deadline on the call. Failures are told in the words Go's HTTP client and client-go's
 * REST client use (`Post "https://...": dial tcp ...: connect: connection refused`).
 */
import { Agent, request } from "node:https"
import type { IncomingMessage } from "node:http"
import { isIP } from "node:net"
import type { PeerCertificate } from "node:tls"
import type { WebhookClientConfig } from "kubernetes-types/admissionregistration/v1.js"
import { goCleanRooted, joinHostPort } from "../../util/index.ts"
import { genericServerMessage } from "./errors.ts"

/** Where a Service sends traffic: a ready endpoint's address and port. */
export interface Endpoint {
  readonly host: string
  readonly port: number
}

/** Picks where to reach a Service's port. @throws Error with upstream's resolver words */
export type ServiceResolver = (namespace: string, name: string, port: number) => Endpoint

/** Why a call failed: the words upstream puts after `failed to call webhook: `. */
export class CallFailure extends Error {
  override name = "CallFailure"
}

/** How many TLS clients are kept (upstream's client cache size). */
const MAX_AGENTS = 200
const agents = new Map<string, Agent>()

function agentFor(key: string): Agent {
  let a = agents.get(key)
  if (a) return a
  a = new Agent({ keepAlive: true, maxSockets: 64 })
  agents.set(key, a)
  if (agents.size > MAX_AGENTS) {
    const [oldest, agent] = agents.entries().next().value as [string, Agent]
    agents.delete(oldest)
    agent.destroy()
  }
  return a
}

/** The target of one call: the URL upstream names, and where to connect. */
interface Target {
  readonly url: string
  readonly host: string
  readonly port: number
  readonly path: string
  readonly servername?: string
}

function targetOf(cc: WebhookClientConfig, timeoutSeconds: number, resolve: ServiceResolver): Target {
  const query = `?timeout=${timeoutSeconds}s`
  const svc = cc.service
  if (svc) {
    const port = svc.port ?? 443
    const servername = `${svc.name}.${svc.namespace}.svc`
    const path = goCleanRooted(svc.path ?? "")
    const url = `https://${joinHostPort(servername, port)}${path}${query}`
    try {
      const ep = resolve(svc.namespace, svc.name, port)
      return { url, host: ep.host, port: ep.port, path: path + query, servername }
    } catch (err) {
      throw new CallFailure(`Post ${JSON.stringify(url)}: ${(err as Error).message}`)
    }
  }
  const u = new URL(cc.url ?? "")
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1")
  const path = goCleanRooted(u.pathname)
  const port = u.port ? Number(u.port) : 443
  return { url: `${u.protocol}//${u.host}${path}${query}`, host, port, path: path + query }
}

/** Go's x509.HostnameError words for a certificate not valid for `host`. */
function hostnameError(cert: PeerCertificate | undefined, host: string): string {
  const sans = (cert?.subjectaltname ?? "").split(/,\s*/).filter(Boolean)
  const ip = isIP(host) !== 0
  const names = sans
    .filter((s) => s.startsWith(ip ? "IP Address:" : "DNS:"))
    .map((s) => s.slice(s.indexOf(":") + 1))
  if (ip && names.length === 0)
    return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`
  if (names.length === 0) return `x509: certificate is not valid for any names, but wanted to match ${host}`
  return `x509: certificate is valid for ${names.join(", ")}, not ${host}`
}

const UNKNOWN_AUTHORITY = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
])

/** A Node network or TLS error in the words Go's dialer and TLS client use. */
export function goTransportError(
  err: NodeJS.ErrnoException & { host?: string; cert?: PeerCertificate; address?: string; port?: number },
  t: { host: string; port: number; servername?: string },
): string {
  const addr = joinHostPort(err.address ?? t.host, err.port ?? t.port)
  switch (err.code) {
    case "ECONNREFUSED":
      return `dial tcp ${addr}: connect: connection refused`
    case "EHOSTUNREACH":
      return `dial tcp ${addr}: connect: no route to host`
    case "ENETUNREACH":
      return `dial tcp ${addr}: connect: network is unreachable`
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `dial tcp: lookup ${t.host}: no such host`
    case "ECONNRESET":
    case "EPIPE":
      return "EOF"
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `tls: failed to verify certificate: ${hostnameError(err.cert, t.servername ?? t.host)}`
    case "CERT_HAS_EXPIRED":
    case "CERT_NOT_YET_VALID":
      return "tls: failed to verify certificate: x509: certificate has expired or is not yet valid"
  }
  if (err.code && UNKNOWN_AUTHORITY.has(err.code))
    return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
  return err.message
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? ""
}

/** A non-2xx answer as client-go's REST client reports it: its Status's message, or generic words. */
function responseError(res: IncomingMessage, body: Buffer): string {
  const code = res.statusCode ?? 0
  const type = mediaTypeOf(res.headers["content-type"])
  const isJson = type === "" || type === "application/json"
  if (isJson) {
    try {
      const s = JSON.parse(body.toString("utf8")) as { kind?: unknown; status?: unknown; message?: unknown }
      if (s?.kind === "Status" && s.status === "Failure")
        return typeof s.message === "string" ? s.message : ""
    } catch {
      // not a Status: the generic words below
    }
  }
  const text = type === "" || type.startsWith("text/") ? body.toString("utf8").trim() : "unknown"
  return genericServerMessage(code, text)
}

/** The decoded body of a 2xx answer, or the decoder's complaint. */
function decodeReview(res: IncomingMessage, body: Buffer): unknown {
  const contentType = res.headers["content-type"] ?? "application/json"
  const type = mediaTypeOf(contentType)
  if (type !== "application/json") throw new CallFailure(`serializer for ${contentType} doesn't exist`)
  if (body.length === 0)
    throw new CallFailure(
      `0-length response with status code: ${res.statusCode ?? 0} and content type: ${contentType}`,
    )
  try {
    return JSON.parse(body.toString("utf8"))
  } catch {
    const c = body.toString("utf8").trimStart()[0] ?? ""
    throw new CallFailure(
      `couldn't get version/kind; json parse error: invalid character '${c}' looking for beginning of value`,
    )
  }
}

/**
 * POSTs `body` (an AdmissionReview's JSON) to the webhook `cc` names and returns the decoded
 * answer. @throws CallFailure with the words upstream gives after `failed to call webhook: `
 */
export async function postReview(
  cc: WebhookClientConfig,
  body: string,
  timeoutSeconds: number,
  resolve: ServiceResolver,
): Promise<unknown> {
  const t = targetOf(cc, timeoutSeconds, resolve)
  const ca = cc.caBundle ? Buffer.from(cc.caBundle, "base64") : undefined
  const agent = agentFor(JSON.stringify([t.servername ?? t.host, cc.caBundle ?? ""]))
  return new Promise((resolvePromise, reject) => {
    const fail = (err: NodeJS.ErrnoException) => {
      const aborted = err.name === "AbortError" || err.name === "TimeoutError"
      const why = aborted ? "context deadline exceeded" : goTransportError(err, t)
      reject(new CallFailure(`Post ${JSON.stringify(t.url)}: ${why}`))
    }
    const req = request(
      {
        host: t.host,
        port: t.port,
        path: t.path,
        method: "POST",
        agent,
        ...(ca ? { ca } : {}),
        ...(t.servername ? { servername: t.servername } : {}),
        headers: {
          "content-type": "application/json",
          accept: "application/json, */*",
          "user-agent": "kube-apiserver-admission",
          "content-length": Buffer.byteLength(body),
        },
        signal: AbortSignal.timeout(timeoutSeconds * 1000),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("error", fail)
        res.on("end", () => {
          const data = Buffer.concat(chunks)
          const code = res.statusCode ?? 0
          if (code < 200 || code > 206) return reject(new CallFailure(responseError(res, data)))
          try {
            resolvePromise(decodeReview(res, data))
          } catch (err) {
            reject(err)
          }
        })
      },
    )
    req.on("error", fail)
    req.end(body)
  })
}
