/**
 * InProcessClient: the Client calling an API server's handler directly, without sockets. The
 * request and response shapes are declared here, structurally, so the client never imports the
 * apiserver; the composition root passes `api.handle` in.
 */
import { type ApiObject, LOOPBACK_USER, type WatchEvent } from "../api/index.ts"
import { RestClient } from "./_rest-client.ts"
import { shareWatchLine, type Transport, type WireRequest, type WireResponse } from "./_wire.ts"

/** The identity in-process requests carry. */
export interface InProcessUser {
  readonly name: string
  readonly groups: readonly string[]
  readonly uid?: string
}

/** The request an API server handler takes (the apiserver's ApiRequest, structurally). */
export interface InProcessRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  header(name: string): string | undefined
  body(): Promise<Buffer>
  readonly signal: AbortSignal
  user?: InProcessUser
  /** Asks a JSON watch for its events as objects (`objects`) rather than their JSON lines. */
  readonly watchObjects?: boolean
}

/** The response an API server handler returns (the apiserver's ApiResponse, structurally). */
export interface InProcessResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string | Buffer
  /** A complete body in pieces. */
  readonly chunks?: readonly Buffer[]
  readonly stream?: AsyncIterable<string | Buffer>
  /** A watch's events as objects: deeply frozen, shared with the server and every watcher. */
  readonly objects?: AsyncIterable<WatchEvent<ApiObject>>
}

/** An API server's request handler, such as `ApiServer.handle`. */
export type InProcessHandler = (req: InProcessRequest) => Promise<InProcessResponse>

/** Options of InProcessClient. */
export interface InProcessClientOptions {
  /** Who the requests come from; default the loopback identity `system:apiserver`. */
  readonly user?: InProcessUser
  /** A bearer token sent as the Authorization header, for servers that authenticate it. */
  readonly token?: string
  /** Default `k8ts`. */
  readonly userAgent?: string
}

/** The identity of upstream's loopback client, which in-process requests carry by default. */
export { LOOPBACK_USER }

/** A Client that hands each request to an API server's handler in the same process. */
export class InProcessClient extends RestClient {
  constructor(handle: InProcessHandler, opts: InProcessClientOptions = {}) {
    super(inProcessTransport(handle, opts.user ?? LOOPBACK_USER, opts.token), opts.userAgent)
  }
}

/** The value of the lower-case header `name` of `res` (the server's own names are lower case). */
function headerOf(res: InProcessResponse, name: string): string {
  const exact = res.headers[name]
  if (exact !== undefined) return exact
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === name) return v
  return ""
}

/**
 * A response stream whose buffers that hold exactly one line are marked as shared, so watchers
 * given the same event buffer parse it once and share the event (see shareWatchLine).
 * A plain iterator rather than a generator: it sits under every event of every in-process watch.
 */
function shared(stream: AsyncIterable<string | Buffer>): AsyncIterable<string | Buffer> {
  const mark = (r: IteratorResult<string | Buffer>) => {
    const chunk = r.value
    if (!r.done && typeof chunk !== "string" && chunk.indexOf(10) === chunk.length - 1) {
      shareWatchLine(chunk)
    }
    return r
  }
  return {
    [Symbol.asyncIterator]: () => {
      const it = stream[Symbol.asyncIterator]()
      return {
        next: () => it.next().then(mark),
        return: async () => (await it.return?.()) ?? { done: true, value: undefined },
      }
    },
  }
}

async function* once(body: string | Buffer): AsyncGenerator<string | Buffer> {
  if (body.length > 0) yield body
}

function inProcessTransport(
  handle: InProcessHandler,
  user: InProcessUser,
  token: string | undefined,
): Transport {
  return async (req: WireRequest): Promise<WireResponse> => {
    const headers: Readonly<Record<string, string>> = token
      ? { ...req.headers, authorization: `Bearer ${token}` }
      : req.headers
    let body: Buffer | undefined
    let unset: AbortSignal | undefined
    const res = await handle({
      method: req.method,
      path: req.path,
      query: req.query,
      header: (name) => headers[name.toLowerCase()],
      body: () => Promise.resolve((body ??= Buffer.from(req.body ?? ""))),
      // Made only when asked (watches, long reads), as the HTTP server's: an AbortController
      // costs more than most of the requests that carry none.
      get signal() {
        return req.signal ?? (unset ??= new AbortController().signal)
      },
      user,
      // Watches hand over their events' objects: nothing to encode nor to parse on either side.
      watchObjects: true,
    })
    const contentType = headerOf(res, "content-type")
    if (res.objects) return { status: res.status, contentType, body: once(""), events: res.objects }
    if (res.stream) return { status: res.status, contentType, body: shared(res.stream) }
    const whole = res.chunks ? Buffer.concat(res.chunks) : (res.body ?? "")
    return { status: res.status, contentType, body: once(whole), whole }
  }
}
