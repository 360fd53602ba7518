/**
 * The upstream forwarder (CoreDNS's `forward . /etc/resolv.conf`): queries for names outside the
 * cluster go to the host's resolvers over the transport they came on (so a truncated UDP reply
 * makes the client retry over TCP, and that is forwarded over TCP); the first upstream that
 * answers within the timeout wins. Off unless configured.
 */
import { createSocket } from "node:dgram"
import { readFileSync } from "node:fs"
import { connect } from "node:net"

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

function hostPort(server: string): [string, number] {
  const [host, port] = server.includes(":") && !server.includes("::") ? server.split(":") : [server, "53"]
  return [host!, Number(port)]
}

/** Sends `query` to `server` over TCP (two-byte length framing); resolves with the reply. */
function askTcp(server: string, query: Buffer, timeoutMs: number): Promise<Buffer> {
  const [host, port] = hostPort(server)
  const socket = connect({ host, port })
  return new Promise<Buffer>((resolve, reject) => {
    socket.setTimeout(timeoutMs, () => reject(new Error(`Upstream ${server} did not answer`)))
    socket.on("error", reject)
    let buf = Buffer.alloc(0)
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0))
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)))
    })
    socket.on("end", () => reject(new Error(`Upstream ${server} closed the connection`)))
    const len = Buffer.alloc(2)
    len.writeUInt16BE(query.length)
    socket.write(Buffer.concat([len, query]))
  }).finally(() => socket.destroy())
}

/** Sends `query` to `server` (host or host:port) over UDP; resolves with the reply or rejects. */
function askUdp(server: string, query: Buffer, timeoutMs: number): Promise<Buffer> {
  const [host, port] = hostPort(server)
  const socket = createSocket(host.includes(":") ? "udp6" : "udp4")
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
    socket.send(query, port, host)
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
   * The first upstream reply to `query`, asked over `transport`.
   * @throws Error when no upstream answers
   */
  async forward(query: Buffer, transport: "udp" | "tcp" = "udp"): Promise<Buffer> {
    const ask = transport === "tcp" ? askTcp : askUdp
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
