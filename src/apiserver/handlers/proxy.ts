/**
 * pods/proxy, services/proxy and nodes/proxy: upstream's upgrade-aware proxy handler. The
 * request after `/proxy` goes, with its method, query and headers (hop-by-hop ones dropped), to
 * the target the object names; request and response bodies stream through unbuffered; an upgrade
 * request (WebSocket) gets the raw connection joined to the target's. A Location header and the
 * links of an HTML page that point back at the target are rewritten to go through the proxy.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http"
import { request as httpsRequest } from "node:https"
import { connect as netConnect, type Socket } from "node:net"
import { posix } from "node:path"
import { Readable, type Duplex, pipeline } from "node:stream"
import { connect as tlsConnect } from "node:tls"
import { ApiError } from "../../api/index.ts"
import { type ApiRequest, type ApiResponse, toSocket } from "../http.ts"
import { errorResponse } from "../output.ts"
import type { ResourceRequest } from "./context.ts"
import { requestHeaders, responseHeaders, rewriteLocation } from "./proxy-headers.ts"
import { isRewritableHtml, rewriteHtmlBody } from "./proxy-html.ts"
import { nodeLocation, podLocation, serviceLocation, type ProxyLocation } from "./proxy-location.ts"
import { joinHostPort } from "../../util/index.ts"
import { admitConnect } from "./connect-admission.ts"

/** The methods the proxy subresources accept (upstream's ConnectMethods). */
const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])

/** The API path up to `/proxy`, and the rest (the path on the target). */
export function splitProxyPath(path: string): { prefix: string; sub: string } {
  const m = /^(.*?\/(?:pods|services|nodes)\/[^/]+\/proxy)(\/.*)?$/.exec(path)
  return m ? { prefix: m[1] as string, sub: m[2] ?? "" } : { prefix: path, sub: "" }
}

function hostPort(loc: ProxyLocation): string {
  return joinHostPort(loc.host, loc.port)
}

function isUpgrade(req: ApiRequest): boolean {
  const tokens = (req.header("connection") ?? "").toLowerCase().split(",")
  return tokens.some((t) => t.trim() === "upgrade") && req.header("upgrade") !== undefined
}

function unreachable(loc: ProxyLocation, err: Error): ApiError {
  return new ApiError(
    "ServiceUnavailable",
    `error trying to reach service: dial tcp ${hostPort(loc)}: ${err.message}`,
  )
}

function tlsOptions(loc: ProxyLocation): Record<string, unknown> {
  if (loc.scheme !== "https") return {}
  // Pods and services are not verified (upstream's proxy transport skips verification).
  return loc.tls ? { ca: loc.tls.ca, cert: loc.tls.cert, key: loc.tls.key } : { rejectUnauthorized: false }
}

/** Everything one proxied request needs. */
interface Proxied {
  readonly r: ResourceRequest
  readonly loc: ProxyLocation
  /** Path and query on the target. */
  readonly target: string
  /** The API path up to `/proxy`, prepended to redirects. */
  readonly prefix: string
}

function hasBody(req: ApiRequest): boolean {
  const length = req.header("content-length")
  if (length !== undefined) return Number(length) > 0
  if (req.header("transfer-encoding") !== undefined) return true
  // In-process (fetch) requests carry no framing headers.
  return ["POST", "PUT", "PATCH"].includes(req.method.toUpperCase()) && !req.remoteAddress
}

function sendBody(req: ApiRequest, out: ClientRequest): void {
  const stream = req.bodyStream?.()
  if (!stream || !hasBody(req)) {
    out.end()
    return
  }
  const source = stream instanceof Readable ? stream : Readable.from(stream)
  pipeline(source, out, (err) => {
    if (err) out.destroy(err)
  })
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of res) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

async function answer(p: Proxied, res: IncomingMessage): Promise<ApiResponse> {
  const requestHost = p.r.req.header("host") ?? ""
  const rewrite = (t: string) => rewriteLocation(t, hostPort(p.loc), requestHost, p.prefix)
  const headers = responseHeaders(res.headers, rewrite)
  const status = res.statusCode ?? 502
  if (status === 204 || status === 304) {
    res.resume()
    return { status, headers, body: "" }
  }
  const encoding = res.headers["content-encoding"]
  const html =
    !res.headers.location &&
    p.r.req.method.toUpperCase() !== "HEAD" &&
    isRewritableHtml(res.headers["content-type"], encoding)
  if (!html) return { status, headers, stream: res }
  // A page is read whole to rewrite its links, as upstream does.
  delete headers["content-length"]
  return { status, headers, body: await rewriteHtmlBody(await readAll(res), encoding, rewrite) }
}

/** Sends the request to the target and answers with its response, streamed. */
function forward(p: Proxied): Promise<ApiResponse> {
  const { req } = p.r
  const headers = requestHeaders(req.headerEntries?.() ?? [], {
    upgrade: false,
    forwardedUri: req.path,
    ...(req.remoteAddress ? { remoteAddress: req.remoteAddress } : {}),
  })
  const send = p.loc.scheme === "https" ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const out = send(
      {
        host: p.loc.host,
        port: p.loc.port,
        method: req.method,
        path: p.target,
        headers: Object.fromEntries(headers),
        signal: req.signal,
        ...tlsOptions(p.loc),
      },
      (res) => answer(p, res).then(resolve, reject),
    )
    out.on("error", (err) => reject(unreachable(p.loc, err)))
    sendBody(req, out)
  })
}

function dial(loc: ProxyLocation): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s =
      loc.scheme === "https"
        ? tlsConnect({ host: loc.host, port: loc.port, ...tlsOptions(loc) }, () => resolve(s))
        : netConnect({ host: loc.host, port: loc.port }, () => resolve(s))
    s.once("error", reject)
  })
}

/** The upgrade request as the target receives it. */
function upgradeHead(p: Proxied): string {
  const { req } = p.r
  const headers = requestHeaders(req.headerEntries?.() ?? [], {
    upgrade: true,
    forwardedUri: req.path,
    ...(req.remoteAddress ? { remoteAddress: req.remoteAddress } : {}),
  })
  const lines = [`${req.method} ${p.target} HTTP/1.1`, ...headers.map(([k, v]) => `${k}: ${v}`)]
  return `${lines.join("\r\n")}\r\n\r\n`
}

/** Resolves with the bytes of the target's response head (and any beyond it) once it is in. */
function responseHead(backend: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0)
    const onData = (c: Buffer) => {
      got = Buffer.concat([got, c])
      if (got.includes("\r\n\r\n") || got.length > 64 * 1024) done(undefined)
    }
    const onEnd = () => done(new Error("the backend closed the connection"))
    const done = (err: Error | undefined) => {
      backend.off("data", onData).off("end", onEnd).off("error", done)
      backend.pause()
      if (err) reject(err)
      else resolve(got)
    }
    backend.on("data", onData).once("end", onEnd).once("error", done)
  })
}

/**
 * Joins the caller's connection to the target's. As upstream, a target that answers neither
 * 101 nor an error status has refused the upgrade: the caller gets an error instead.
 */
async function join(p: Proxied, client: Duplex, head: Buffer): Promise<void> {
  let backend: Socket
  try {
    backend = await dial(p.loc)
  } catch (err) {
    const msg = `error dialing backend: dial tcp ${hostPort(p.loc)}: ${(err as Error).message}`
    return toSocket(errorResponse(new ApiError("ServiceUnavailable", msg)), client)
  }
  backend.setNoDelay(true)
  backend.write(upgradeHead(p))
  if (head.length) backend.write(head)
  client.on("close", () => backend.destroy())
  let answer: Buffer
  try {
    answer = await responseHead(backend)
  } catch (err) {
    backend.destroy()
    return toSocket(errorResponse(err), client)
  }
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(answer.toString("latin1"))?.[1] ?? 0)
  if (status !== 101 && status < 400) {
    backend.destroy()
    const err = new ApiError("InternalError", `invalid upgrade response: status code ${status}`)
    return toSocket(errorResponse(err), client)
  }
  client.write(answer)
  backend.pipe(client)
  client.pipe(backend)
  backend.resume()
  backend.on("error", () => client.destroy())
  backend.on("close", () => client.end())
}

async function locate(r: ResourceRequest): Promise<ProxyLocation> {
  switch (r.served.info.resource) {
    case "pods":
      return podLocation(r)
    case "services":
      return serviceLocation(r)
    default:
      return nodeLocation(r, r.parts.kubeletClient)
  }
}

/** Any method on pods/<name>/proxy/..., services/<name>/proxy/... or nodes/<name>/proxy/... */
export async function proxySubresource(r: ResourceRequest): Promise<ApiResponse> {
  const method = r.req.method.toUpperCase()
  if (!METHODS.has(method))
    throw new ApiError("MethodNotAllowed", "the server does not allow this method on the requested resource")
  const { prefix, sub } = splitProxyPath(r.req.path)
  await admitConnect(r, sub)
  const loc = await locate(r)
  const path = sub === "" ? "" : posix.normalize(sub)
  const query = r.req.query.toString()
  const p: Proxied = { r, loc, prefix, target: `${path || "/"}${query ? `?${query}` : ""}` }
  if (isUpgrade(r.req))
    return { status: 101, headers: {}, upgrade: (socket, head) => void join(p, socket, head) }
  // A proxy path without a trailing slash redirects to one (upstream's fix for relative links).
  if (path === "" && (method === "GET" || method === "HEAD"))
    return { status: 301, headers: { location: `${r.req.path}/${query ? `?${query}` : ""}` }, body: "" }
  return forward(p)
}
