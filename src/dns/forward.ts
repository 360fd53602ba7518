/**
 * The upstream forwarder (CoreDNS's `forward . /etc/resolv.conf`): queries for names outside the
 * cluster go to the host's resolvers over UDP, the first that answers within the timeout wins.
 * Off unless configured.
 */
import { createSocket } from "node:dgram"
import { readFileSync } from "node:fs"

/** The `nameserver` addresses of a resolv.conf text, in order. */
export function parseResolvConf(text: string): string[] {
  const out: string[] = []
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line)
    if (m?.[1]) out.push(m[1])
  }
  return out
}

/** The host's resolvers from /etc/resolv.conf (none when it cannot be read). */
export function hostResolvers(path = "/etc/resolv.conf"): string[] {
  try {
    return parseResolvConf(readFileSync(path, "utf8"))
  } catch {
    return []
  }
}

/** Sends `query` to `server` (host or host:port) over UDP; resolves with the reply or rejects. */
function ask(server: string, query: Buffer, timeoutMs: number): Promise<Buffer> {
  const [host, port] = server.includes(":") && !server.includes("::") ? server.split(":") : [server, "53"]
  const socket = createSocket(host!.includes(":") ? "udp6" : "udp4")
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Upstream ${server} did not answer`)), timeoutMs)
    socket.on("error", reject)
    socket.on("message", (msg) => {
      // Only the reply to this query (same id) counts.
      if (msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) {
        clearTimeout(timer)
        resolve(msg)
      }
    })
    socket.send(query, Number(port), host)
  }).finally(() => socket.close())
}

/** Forwards queries to upstream resolvers. */
export class Forwarder {
  readonly #servers: readonly string[]
  readonly #timeoutMs: number

  /** `servers` as "ip" or "ip:port". */
  constructor(servers: readonly string[], opts: { readonly timeoutMs?: number } = {}) {
    if (servers.length === 0) throw new RangeError("Cannot forward DNS queries without upstream servers")
    this.#servers = servers
    this.#timeoutMs = opts.timeoutMs ?? 2000
  }

  /** The upstreams, in the order they are tried. */
  get servers(): readonly string[] {
    return this.#servers
  }

  /**
   * The first upstream reply to `query`.
   * @throws Error when no upstream answers
   */
  async forward(query: Buffer): Promise<Buffer> {
    let last: unknown
    for (const server of this.#servers) {
      try {
        return await ask(server, query, this.#timeoutMs)
      } catch (err) {
        last = err
      }
    }
    throw last instanceof Error ? last : new Error("No upstream answered")
  }
}
