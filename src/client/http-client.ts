/** HttpClient: the Client over HTTP(S) with keep-alive connections. */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http"
import { Agent as HttpsAgent, request as httpsRequest } from "node:https"
import { pipeline } from "node:stream"
import { createGunzip } from "node:zlib"
import { RestClient } from "./_rest-client.ts"
import type { Transport, WireRequest, WireResponse } from "./_wire.ts"

/** Options of HttpClient. */
export interface HttpClientOptions {
  /** The API server's base URL, e.g. `https://127.0.0.1:6443` (a path prefix is kept). */
  readonly server: string
  /** PEM CA bundle that signed the server's certificate (default: the system's roots). */
  readonly ca?: string | Buffer
  /** PEM client certificate and key, for certificate authentication. */
  readonly cert?: string | Buffer
  readonly key?: string | Buffer
  /** Skips verification of the server's certificate (tests and bootstrap only). */
  readonly insecure?: boolean
  /** A bearer token sent with every request. */
  readonly token?: string
  /** Default `k8ts`. */
  readonly userAgent?: string
}

/**
 * A Client that talks to an API server over HTTP or HTTPS, on keep-alive connections.
 * Call `close()` to drop idle connections when done.
 */
export class HttpClient extends RestClient {
  readonly #agent: HttpAgent

  constructor(opts: HttpClientOptions) {
    const base = new URL(opts.server)
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new TypeError(`Cannot connect to "${opts.server}": the scheme must be http or https`)
    }
    const tls = base.protocol === "https:"
    const agent: HttpAgent = tls
      ? new HttpsAgent({
          keepAlive: true,
          ...(opts.ca ? { ca: opts.ca } : {}),
          ...(opts.cert ? { cert: opts.cert } : {}),
          ...(opts.key ? { key: opts.key } : {}),
          rejectUnauthorized: !opts.insecure,
        })
      : new HttpAgent({ keepAlive: true })
    super(httpTransport(base, agent, tls, opts.token), opts.userAgent)
    this.#agent = agent
  }

  /** Closes idle keep-alive connections and every open one (watches end). */
  close(): void {
    this.#agent.destroy()
  }
}

function httpTransport(base: URL, agent: HttpAgent, tls: boolean, token: string | undefined): Transport {
  const prefix = base.pathname.replace(/\/+$/, "")
  const send = tls ? httpsRequest : httpRequest
  return (req: WireRequest) =>
    new Promise<WireResponse>((resolve, reject) => {
      const query = req.query.toString()
      // As client-go's transport: the server may then gzip a large answer (past 128 KiB).
      const headers: Record<string, string> = { "accept-encoding": "gzip", ...req.headers }
      if (token) headers.authorization = `Bearer ${token}`
      if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body))
      const r = send(
        {
          protocol: base.protocol,
          hostname: base.hostname.replace(/^\[|\]$/g, ""),
          port: base.port,
          path: `${prefix}${req.path}${query ? `?${query}` : ""}`,
          method: req.method,
          headers,
          agent,
          ...(req.signal ? { signal: req.signal } : {}),
        },
        (res: IncomingMessage) =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"] ?? "",
            body: res.headers["content-encoding"] === "gzip" ? gunzipped(res) : res,
          }),
      )
      r.on("error", reject)
      r.end(req.body)
    })
}

/** A gzip-encoded body, decoded as it arrives; a broken connection or stream fails its reader. */
function gunzipped(res: IncomingMessage): AsyncIterable<Uint8Array> {
  const gunzip = createGunzip()
  pipeline(res, gunzip, () => {}) // an error destroys gunzip, whose reader then throws it
  return gunzip
}
