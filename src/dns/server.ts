/**
 * The DNS server: UDP and TCP (two-byte length framing, several queries per connection) on one
 * address and port, answering from the current view. Replies are cached by the query's bytes
 * until the view changes (the role of CoreDNS's cache plugin), so repeated names cost a copy.
 * Given DnsMetrics (setMetrics), every answered query is counted as CoreDNS's prometheus
 * plugin counts it.
 */
import { createSocket, type Socket } from "node:dgram"
import { createServer, type Server, type Socket as TcpSocket } from "node:net"
import { type Logger, silentLogger } from "../util/index.ts"
import type { Forwarder } from "./forward.ts"
import { answer, type Outcome, type Transport } from "./message.ts"
import type { DnsMetrics, ReplySource } from "./metrics.ts"
import type { DnsView } from "./view.ts"

/** Options of DnsServer. */
export interface DnsServerOptions {
  readonly host: string
  /** 0 picks a free port (the same for UDP and TCP). */
  readonly port: number
  /** Upstreams for names outside the cluster; none: those are REFUSED. */
  readonly forwarder?: Forwarder
  /** Replies kept for repeated queries (default 10,000; 0 turns the cache off). */
  readonly cacheSize?: number
  readonly log?: Logger
}

const DEFAULT_CACHE_SIZE = 10_000
const TCP_IDLE_MS = 10_000
const BIND_ATTEMPTS = 5
/** SERVFAIL in the header's flags (with QR set), for queries an upstream failed to answer. */
const SERVFAIL_FLAGS = 0x8000 | 2

/** A bare SERVFAIL header for `query` (its id, opcode and RD kept, no sections). */
function servfail(query: Buffer): Buffer {
  const out = Buffer.alloc(12)
  query.copy(out, 0, 0, 2)
  out.writeUInt16BE(SERVFAIL_FLAGS | (query.readUInt16BE(2) & 0x7900), 2)
  return out
}

/** Where a query came from: its transport and the client's address family. */
interface Client {
  readonly transport: Transport
  readonly family: 4 | 6
}

/** A UDP and TCP DNS server. Queries wait unanswered (clients retry) until the first view is set. */
export class DnsServer {
  readonly #o: DnsServerOptions
  readonly #log: Logger
  #view: DnsView | undefined
  #metrics: DnsMetrics | undefined
  readonly #cache = new Map<string, Buffer>()
  #udp: Socket | undefined
  #tcp: Server | undefined
  readonly #conns = new Set<TcpSocket>()

  constructor(opts: DnsServerOptions) {
    this.#o = opts
    this.#log = opts.log ?? silentLogger()
  }

  /** Serves `view` from now on (and forgets cached replies). */
  setView(view: DnsView): void {
    this.#view = view
    this.#cache.clear()
  }

  /** Counts answered queries in `metrics` from now on (undefined: stops counting). */
  setMetrics(metrics: DnsMetrics | undefined): void {
    this.#metrics = metrics
  }

  /**
   * Binds UDP and TCP; resolves with the port.
   * @throws Error when the address cannot be bound (in use, or not local)
   */
  async listen(): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const udp = await this.#bindUdp(this.#o.port)
      const port = udp.address().port
      try {
        this.#tcp = await this.#bindTcp(port)
        this.#udp = udp
        return port
      } catch (err) {
        udp.close()
        // With port 0 the TCP side of a free UDP port may be taken: try another.
        if (this.#o.port !== 0 || attempt >= BIND_ATTEMPTS) throw err
      }
    }
  }

  /** Stops listening and closes open connections. */
  async close(): Promise<void> {
    this.#udp?.close()
    this.#udp = undefined
    for (const c of this.#conns) c.destroy()
    const tcp = this.#tcp
    this.#tcp = undefined
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()))
  }

  #bindUdp(port: number): Promise<Socket> {
    const udp = createSocket("udp4")
    return new Promise((resolve, reject) => {
      udp.once("error", reject)
      udp.bind(port, this.#o.host, () => {
        udp.off("error", reject)
        udp.on("error", (err) => this.#log.warn({ err: String(err) }, "DNS UDP socket error"))
        udp.on("message", (msg, rinfo) =>
          this.#serve(msg, { transport: "udp", family: rinfo.family === "IPv6" ? 6 : 4 }, (reply) =>
            udp.send(reply, rinfo.port, rinfo.address),
          ),
        )
        resolve(udp)
      })
    })
  }

  #bindTcp(port: number): Promise<Server> {
    const server = createServer((c) => this.#connection(c))
    return new Promise((resolve, reject) => {
      server.once("error", reject)
      server.listen(port, this.#o.host, () => {
        server.off("error", reject)
        resolve(server)
      })
    })
  }

  #connection(c: TcpSocket): void {
    this.#conns.add(c)
    c.setTimeout(TCP_IDLE_MS, () => c.destroy())
    c.on("close", () => this.#conns.delete(c))
    c.on("error", () => c.destroy())
    let pending: Buffer = Buffer.alloc(0)
    const from: Client = { transport: "tcp", family: c.remoteFamily === "IPv6" ? 6 : 4 }
    const send = (reply: Buffer) => {
      if (c.destroyed) return
      const len = Buffer.alloc(2)
      len.writeUInt16BE(reply.length)
      c.write(Buffer.concat([len, reply]))
    }
    c.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
      while (pending.length >= 2) {
        const size = pending.readUInt16BE(0)
        if (pending.length < 2 + size) break
        this.#serve(pending.subarray(2, 2 + size), from, send)
        pending = pending.subarray(2 + size)
      }
    })
  }

  /** Answers one query through `send` (now, or once an upstream replied). */
  #serve(query: Buffer, from: Client, sendReply: (reply: Buffer) => void): void {
    const view = this.#view
    if (!view || query.length < 12) return
    const metrics = this.#metrics
    const startMs = metrics ? performance.now() : 0
    const send = metrics
      ? (reply: Buffer, source: ReplySource) => {
          sendReply(reply)
          metrics.observe({ query, reply, proto: from.transport, family: from.family, source, startMs })
        }
      : sendReply
    const transport = from.transport
    const key = transport + query.toString("latin1", 2)
    const cached = this.#cache.get(key)
    if (cached) {
      const reply = Buffer.from(cached)
      query.copy(reply, 0, 0, 2)
      send(reply, "cache")
      return
    }
    let outcome: Outcome
    try {
      outcome = answer(query, { view, transport, canForward: this.#o.forwarder !== undefined })
    } catch (err) {
      this.#log.warn({ err: String(err) }, "Cannot answer a DNS query")
      outcome = servfail(query)
    }
    if (outcome === "forward") {
      this.#forward(query, transport, send)
      return
    }
    if (!outcome) return
    const max = this.#o.cacheSize ?? DEFAULT_CACHE_SIZE
    if (this.#cache.size >= max) this.#cache.clear()
    if (max > 0 && view === this.#view) this.#cache.set(key, outcome)
    send(outcome, "kubernetes")
  }

  #forward(query: Buffer, transport: Transport, send: (reply: Buffer, source: ReplySource) => void): void {
    const copy = Buffer.from(query)
    this.#o.forwarder!.forward(copy, transport).then(
      (reply) => send(reply, "forward"),
      (err: unknown) => {
        this.#log.debug({ err: String(err) }, "Upstream DNS failed")
        send(servfail(copy), "forward")
      },
    )
  }
}
