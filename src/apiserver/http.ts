/**
 * The API server's own request/response shapes, and adapters to node:http and to the web
 * `fetch` signature. Handlers see only ApiRequest and return an ApiResponse, so the same chain
 * serves sockets, in-process clients and tests.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Duplex } from "node:stream"
import type { TLSSocket } from "node:tls"
import type { WatchEvent } from "../api/index.ts"
import type { Batched } from "../util/index.ts"

/** An incoming API request. */
export interface ApiRequest {
  readonly method: string
  /** The path without the query string. */
  readonly path: string
  readonly query: URLSearchParams
  /** Header lookup, case-insensitive. */
  header(name: string): string | undefined
  /** Every header as [lower-case name, value] (the proxy subresources forward them). */
  headerEntries?(): Iterable<readonly [string, string]>
  /**
   * Each value of a header sent several times, apart (header() joins them with ", "); absent
   * where the transport keeps them joined.
   */
  headerValues?(name: string): readonly string[]
  /** The lower-case names of the headers sent. */
  headerNames?(): Iterable<string>
  /** The whole body; rejects with an ApiError RequestEntityTooLarge past the limit. */
  body(): Promise<Buffer>
  /**
   * The body as it arrives, unbuffered and without the size limit (the proxy subresources);
   * use either this or `body()`.
   */
  bodyStream?(): AsyncIterable<Uint8Array>
  /** The client's address (X-Forwarded-For of proxied requests). */
  readonly remoteAddress?: string
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal
  /** Who is asking, set by authentication. */
  user?: UserInfo
  /**
   * What admission noted of the request (set by the handler that writes): its warnings go back as
   * Warning headers with an error too, as upstream's warning recorder adds them to any answer.
   */
  notes?: { readonly warnings: readonly string[] }
  /** The subject of a client certificate the TLS layer verified against the cluster CA. */
  readonly clientCert?: ClientCertificate
  /**
   * Set by in-process clients only (no adapter from the network sets it): a JSON watch then
   * answers with `objects`, its events as objects, rather than a stream of their JSON lines.
   */
  readonly watchObjects?: boolean
}

/**
 * The user extra naming the credential a request was authenticated with (k8s.io/apiserver's
 * CredentialIDKey): `X509SHA256=<fingerprint>` for a client certificate, `JTI=<id>` for a service
 * account token.
 */
export const CREDENTIAL_ID_EXTRA = "authentication.kubernetes.io/credential-id"

/** A verified client certificate: its subject, and the SHA-256 of its DER bytes (lower-case hex). */
export interface ClientCertificate {
  readonly CN?: string | string[]
  readonly O?: string | string[]
  readonly sha256?: string
}

/** A client certificate the TLS layer of `socket` verified against the cluster CA, if any. */
function verifiedClientCertificate(socket: TLSSocket): ClientCertificate | undefined {
  if (!socket.encrypted || !socket.authorized) return undefined
  const peer = socket.getPeerCertificate()
  if (!peer.subject) return undefined
  const sha256 = peer.fingerprint256?.replaceAll(":", "").toLowerCase()
  return { ...peer.subject, ...(sha256 ? { sha256 } : {}) }
}

/** The authenticated identity of a request. */
export interface UserInfo {
  readonly name: string
  readonly groups: readonly string[]
  readonly uid?: string
  /** Extra attributes (e.g. a service account token's bound pod). */
  readonly extra?: Readonly<Record<string, readonly string[]>>
}

/** A response: a complete body, or a stream of chunks each flushed as it comes. */
export interface ApiResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body?: string | Buffer
  /**
   * A complete body in pieces, written as they are (one gathered write) rather than copied
   * together first: large lists are the cached bytes of their items.
   */
  readonly chunks?: readonly Buffer[]
  /**
   * Chunks as they come; its iterator may also have `takeAll(max)`, handing over at once the chunks
   * already waiting (a watch's queued events), which then leave with the one next() gave.
   */
  readonly stream?: AsyncIterable<string | Buffer>
  /**
   * A watch's events as objects, for a request with `watchObjects` (in process only: the adapters
   * to the network never see one). Each object is deeply frozen, equal to what its JSON parses to,
   * and the same object for every watcher of the event: the watch cache's own, never copied.
   */
  readonly objects?: AsyncIterable<WatchEvent>
  /**
   * Takes over the connection of an upgrade request (exec, attach, portforward): the handler
   * answers `101 Switching Protocols` itself and owns the socket from then on.
   */
  readonly upgrade?: (socket: Duplex, head: Buffer) => void
}

/** The complete body of a response that is not streamed, as one value. */
export function bodyOf(r: ApiResponse): string | Buffer {
  return r.chunks ? Buffer.concat(r.chunks) : (r.body ?? "")
}

/** The largest request body accepted (upstream's limit is 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024

/** The handler every adapter drives. */
export type Handler = (req: ApiRequest) => Promise<ApiResponse>

class BodyTooLarge extends Error {
  override name = "BodyTooLarge"
}

/** True for the error `body()` rejects with past MAX_BODY_BYTES. */
export function isBodyTooLarge(err: unknown): boolean {
  return err instanceof BodyTooLarge
}

function readNodeBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Gone before its body was asked for (listen handles a request after the reads of its turn):
    // a destroyed stream emits nothing more, and the body would be waited for ever.
    if (req.destroyed) return reject(new Error("the request was aborted before its body was read"))
    const declared = Number(req.headers["content-length"] ?? 0)
    if (declared > MAX_BODY_BYTES) {
      req.resume()
      return reject(new BodyTooLarge())
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data")
        req.resume()
        reject(new BodyTooLarge())
        return
      }
      chunks.push(c)
    })
    req.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)))
    req.on("error", reject)
  })
}

function nodeHeaderEntries(req: IncomingMessage): [string, string][] {
  return Object.entries(req.headers).flatMap(([k, v]) =>
    v === undefined ? [] : [[k, Array.isArray(v) ? v.join(", ") : v] as [string, string]],
  )
}

/** A node:http request as an ApiRequest: a class, so a request makes no closures. */
class NodeRequest implements ApiRequest {
  readonly method: string
  readonly path: string
  readonly #search: string
  #query: URLSearchParams | undefined
  readonly remoteAddress?: string
  readonly clientCert?: ClientCertificate
  user?: UserInfo
  notes?: { readonly warnings: readonly string[] }
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  #body: Promise<Buffer> | undefined
  #ac: AbortController | undefined

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.#req = req
    this.#res = res
    const url = req.url ?? "/"
    const q = url.indexOf("?")
    this.method = req.method ?? "GET"
    this.path = q < 0 ? url : url.slice(0, q)
    this.#search = q < 0 ? "" : url.slice(q + 1)
    const cert = verifiedClientCertificate(req.socket as TLSSocket)
    if (cert) this.clientCert = cert
    if (req.socket.remoteAddress) this.remoteAddress = req.socket.remoteAddress
  }

  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.#search))
  }

  header(name: string): string | undefined {
    const v = this.#req.headers[name.toLowerCase()]
    return Array.isArray(v) ? v.join(", ") : v
  }

  headerEntries(): Iterable<readonly [string, string]> {
    return nodeHeaderEntries(this.#req)
  }

  headerValues(name: string): readonly string[] {
    return this.#req.headersDistinct[name.toLowerCase()] ?? []
  }

  headerNames(): Iterable<string> {
    return Object.keys(this.#req.headers)
  }

  body(): Promise<Buffer> {
    return (this.#body ??= readNodeBody(this.#req))
  }

  bodyStream(): AsyncIterable<Uint8Array> {
    return this.#req
  }

  /** Made only when asked (watches, long reads): most requests never look at it. */
  get signal(): AbortSignal {
    if (!this.#ac) {
      const ac = new AbortController()
      this.#ac = ac
      if (this.#res.closed) ac.abort()
      else this.#res.once("close", () => ac.abort())
    }
    return this.#ac.signal
  }
}

/** `req` with another body (everything else read through to `req`, which may be a class). */
export function withBody(req: ApiRequest, body: () => Promise<Buffer>): ApiRequest {
  return {
    method: req.method,
    path: req.path,
    get query() {
      return req.query
    },
    header: (name) => req.header(name),
    ...(req.headerEntries
      ? { headerEntries: () => (req.headerEntries as () => Iterable<readonly [string, string]>)() }
      : {}),
    ...(req.headerValues
      ? { headerValues: (name: string) => (req.headerValues as (n: string) => readonly string[])(name) }
      : {}),
    ...(req.headerNames ? { headerNames: () => (req.headerNames as () => Iterable<string>)() } : {}),
    body,
    ...(req.remoteAddress !== undefined ? { remoteAddress: req.remoteAddress } : {}),
    ...(req.clientCert !== undefined ? { clientCert: req.clientCert } : {}),
    ...(req.watchObjects ? { watchObjects: true } : {}),
    get signal() {
      return req.signal
    },
    get user() {
      return req.user
    },
    set user(u) {
      req.user = u
    },
    get notes() {
      return req.notes
    },
    set notes(n) {
      req.notes = n
    },
  }
}

/** Adapts a node:http request to ApiRequest. */
export function fromNode(req: IncomingMessage, res: ServerResponse): ApiRequest {
  return new NodeRequest(req, res)
}

/** Writes an ApiResponse to a node:http response, flushing each streamed chunk. */
export async function toNode(r: ApiResponse, res: ServerResponse): Promise<void> {
  if (r.chunks) {
    let length = 0
    for (const c of r.chunks) length += c.length
    res.writeHead(r.status, { ...r.headers, "content-length": String(length) })
    res.cork()
    for (const c of r.chunks) res.write(c)
    res.uncork()
    res.end()
    return
  }
  if (!r.stream) {
    const body = r.body ?? ""
    res.writeHead(r.status, { ...r.headers, "content-length": String(Buffer.byteLength(body)) })
    res.end(body)
    return
  }
  // A stream of known length (a proxied response) keeps its content-length.
  const framing = "content-length" in r.headers ? {} : { "transfer-encoding": "chunked" }
  res.writeHead(r.status, { ...r.headers, ...framing })
  res.flushHeaders()
  const it: Batched<string | Buffer> = r.stream[Symbol.asyncIterator]()
  const onClose = () => void it.return?.()
  res.on("close", onClose)
  // Chunks that come in one turn of the event loop leave together, as one chunk of the response:
  // one write (and, chunked, one frame) per turn rather than per event, for this server's socket
  // and for the client's parser (a busy watch, or many watchers of a busy resource, would
  // otherwise pay both per event). Nothing waits past the turn its chunk came in.
  let pending: (string | Buffer)[] = []
  let pendingBytes = 0
  let flushing: NodeJS.Immediate | undefined
  let full: Promise<void> | undefined
  const flush = () => {
    clearImmediate(flushing)
    flushing = undefined
    const out = pending
    pending = []
    pendingBytes = 0
    if (out.length === 0 || res.destroyed) return
    const chunk = out.length === 1 ? (out[0] as string | Buffer) : Buffer.concat(out.map(asBuffer))
    if (!res.write(chunk)) full = drained(res)
  }
  const add = (c: string | Buffer) => {
    pending.push(c)
    pendingBytes += c.length
  }
  try {
    for (;;) {
      if (full) {
        await full
        full = undefined
      }
      const n = await it.next()
      if (n.done || res.destroyed) break
      add(n.value)
      // What queued behind it (a watch's events of the same commit) joins without a promise each.
      if (it.takeAll) for (const c of it.takeAll(BATCH)) add(c)
      // A backlog leaves as soon as it fills the socket's buffer, then waits for it to drain.
      if (pendingBytes >= res.writableHighWaterMark) flush()
      else flushing ??= setImmediate(flush)
    }
  } finally {
    flush()
    res.off("close", onClose)
    if (!res.destroyed) res.end()
    await it.return?.()
  }
}

/** Chunks a streamed response takes at once from a backlog (each pass then checks the socket). */
const BATCH = 256

function asBuffer(c: string | Buffer): Buffer {
  return typeof c === "string" ? Buffer.from(c) : c
}

/** Resolves when `res` can take more data or has closed, leaving no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done)
      res.off("close", done)
      resolve()
    }
    res.on("drain", done)
    res.on("close", done)
  })
}

/** Adapts a node:http upgrade request (no response object: the socket is the response). */
export function fromUpgrade(req: IncomingMessage, socket: Duplex): ApiRequest {
  const ac = new AbortController()
  socket.once("close", () => ac.abort())
  const url = req.url ?? "/"
  const q = url.indexOf("?")
  const cert = verifiedClientCertificate(req.socket as TLSSocket)
  return {
    ...(cert ? { clientCert: cert } : {}),
    method: req.method ?? "GET",
    path: q < 0 ? url : url.slice(0, q),
    query: new URLSearchParams(q < 0 ? "" : url.slice(q + 1)),
    header: (name) => {
      const v = req.headers[name.toLowerCase()]
      return Array.isArray(v) ? v.join(", ") : v
    },
    body: () => Promise.resolve(Buffer.alloc(0)),
    headerEntries: () => nodeHeaderEntries(req),
    headerValues: (name) => req.headersDistinct[name.toLowerCase()] ?? [],
    headerNames: () => Object.keys(req.headers),
    ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
    signal: ac.signal,
  }
}

/** Writes a response that is not an upgrade as raw HTTP/1.1 onto an upgrade request's socket. */
export function toSocket(r: ApiResponse, socket: Duplex): void {
  const body = r.stream ? Buffer.alloc(0) : Buffer.from(bodyOf(r))
  const headers = { ...r.headers, "content-length": String(body.length), connection: "close" }
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")
  socket.end(
    Buffer.concat([
      Buffer.from(`HTTP/1.1 ${r.status} ${STATUS_TEXT[r.status] ?? "Error"}\r\n${head}\r\n`),
      body,
    ]),
  )
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  500: "Internal Server Error",
  503: "Service Unavailable",
}

/** Adapts a web Request to ApiRequest. */
export function fromFetch(request: Request): ApiRequest {
  const url = new URL(request.url)
  let body: Promise<Buffer> | undefined
  return {
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    header: (name) => request.headers.get(name) ?? undefined,
    body: () =>
      (body ??= request.arrayBuffer().then((b) => {
        if (b.byteLength > MAX_BODY_BYTES) throw new BodyTooLarge()
        return Buffer.from(b)
      })),
    headerEntries: () => request.headers.entries(),
    headerNames: () => request.headers.keys(),
    bodyStream: () => (request.body ?? []) as AsyncIterable<Uint8Array>,
    signal: request.signal,
  }
}

/** Converts an ApiResponse to a web Response (streams become a ReadableStream). */
export function toFetch(r: ApiResponse): Response {
  // An upgrade needs the socket, which a fetch caller does not have.
  if (r.upgrade) return new Response("Upgrade request required", { status: 400 })
  if (!r.stream) {
    const body = r.status === 204 || r.status === 304 ? null : bodyOf(r) // null-body statuses
    return new Response(body, { status: r.status, headers: r.headers })
  }
  const it = r.stream[Symbol.asyncIterator]()
  const enc = new TextEncoder()
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const n = await it.next()
      if (n.done) controller.close()
      else controller.enqueue(typeof n.value === "string" ? enc.encode(n.value) : new Uint8Array(n.value))
    },
    async cancel() {
      await it.return?.()
    },
  })
  return new Response(stream, { status: r.status, headers: r.headers })
}
