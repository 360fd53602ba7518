/**
 * The userspace proxy backend, for nodes whose pods share the host network (the unprivileged
 * process runtime): each service port is a TCP or UDP listener in Node.js on the service's
 * loopback address, forwarding each connection (or UDP flow) to an endpoint, round robin, or
 * to the same endpoint for a client while ClientIP affinity lasts. A service without endpoints
 * refuses connections. NodePorts listen on the node's address. Endpoint changes only swap the
 * rule a listener reads (and end the UDP flows to removed endpoints); listeners open and close
 * only as service ports come and go.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram"
import { connect, createServer, type Server, type Socket } from "node:net"
import type { Logger } from "../util/index.ts"
import type { ProxyBackend } from "./backend.ts"
import type { RuleEndpoint, ServiceRule } from "./rules.ts"

/** Options of UserspaceProxy. */
export interface UserspaceProxyOptions {
  /** The address a rule's ClusterIP is served on (its loopback mapping), or undefined to skip it. */
  readonly listenAddress: (clusterIP: string) => string | undefined
  /** The node's address, for NodePorts (none when unset). */
  readonly nodeAddress?: string
  readonly log: Logger
  /** How long an idle UDP flow keeps its endpoint (default 30 s). */
  readonly udpIdleMs?: number
}

interface Affinity {
  ep: RuleEndpoint
  until: number
}

/** The state of one served rule: its current endpoints, the round-robin cursor, affinities. */
class Balancer {
  rule: ServiceRule
  #next = 0
  readonly #affinity = new Map<string, Affinity>()

  constructor(rule: ServiceRule) {
    this.rule = rule
  }

  /** The endpoint for a new connection from `client`, or undefined when there is none. */
  pick(client: string, external: boolean): RuleEndpoint | undefined {
    const local = external ? this.rule.externalLocal : this.rule.internalLocal
    const eps = local ? this.rule.endpoints.filter((e) => e.local) : this.rule.endpoints
    if (!eps.length) return undefined
    const seconds = this.rule.affinitySeconds
    const now = Date.now()
    if (seconds !== undefined) {
      const a = this.#affinity.get(client)
      if (a && a.until > now && eps.some((e) => e.ip === a.ep.ip && e.port === a.ep.port)) {
        a.until = now + seconds * 1000
        return a.ep
      }
    }
    const ep = eps[this.#next++ % eps.length] as RuleEndpoint
    if (seconds !== undefined) this.#affinity.set(client, { ep, until: now + seconds * 1000 })
    return ep
  }
}

interface Listener {
  readonly balancer: Balancer
  readonly close: () => void
  /** Ends the flows to endpoints the balancer's rule no longer has (UDP; TCP connections end by themselves). */
  readonly prune?: () => void
}

/** Serves rules with listeners in this process. */
export class UserspaceProxy implements ProxyBackend {
  readonly name = "userspace"
  readonly #o: UserspaceProxyOptions
  readonly #listeners = new Map<string, Listener>()

  constructor(opts: UserspaceProxyOptions) {
    this.#o = opts
  }

  /** Programs `rules`: opens listeners for new service ports, closes those of removed ones. */
  apply(rules: readonly ServiceRule[]): void {
    const wanted = new Set<string>()
    for (const rule of rules) {
      if (rule.protocol === "SCTP") continue
      const vip = this.#o.listenAddress(rule.clusterIP)
      const binds: [string, number, boolean][] = []
      // A service whose only endpoint is its own loopback address (cluster DNS) is served there already.
      const isSelf =
        rule.endpoints.length > 0 && rule.endpoints.every((e) => e.ip === vip && e.port === rule.port)
      if (vip && !isSelf) binds.push([vip, rule.port, false])
      if (rule.nodePort && this.#o.nodeAddress) binds.push([this.#o.nodeAddress, rule.nodePort, true])
      // Load-balancer IPs (the node's own address, from ServiceLB) serve the service port there.
      for (const ip of rule.loadBalancerIPs ?? []) binds.push([ip, rule.port, true])
      for (const [host, port, external] of binds) {
        const key = `${rule.protocol}/${host}:${port}`
        wanted.add(key)
        const have = this.#listeners.get(key)
        if (have) {
          have.balancer.rule = rule
          have.prune?.()
          continue
        }
        const balancer = new Balancer(rule)
        this.#listeners.set(
          key,
          rule.protocol === "UDP"
            ? { balancer, ...this.#udp(host, port, balancer, external) }
            : { balancer, close: this.#tcp(host, port, balancer, external) },
        )
      }
    }
    for (const [key, l] of this.#listeners) {
      if (wanted.has(key)) continue
      l.close()
      this.#listeners.delete(key)
    }
  }

  /** The listeners' keys ("TCP/127.96.0.10:53"), for tests and status. */
  listening(): string[] {
    return [...this.#listeners.keys()].sort()
  }

  /** Closes every listener. */
  close(): void {
    for (const l of this.#listeners.values()) l.close()
    this.#listeners.clear()
  }

  #tcp(host: string, port: number, b: Balancer, external: boolean): () => void {
    const server: Server = createServer({ allowHalfOpen: true }, (client: Socket) => {
      const ep = b.pick(client.remoteAddress ?? "", external)
      if (!ep) {
        client.resetAndDestroy()
        return
      }
      const upstream = connect({ host: ep.ip, port: ep.port, allowHalfOpen: true })
      upstream.setNoDelay(true)
      client.setNoDelay(true)
      client.pipe(upstream)
      upstream.pipe(client)
      const fail = () => {
        client.destroy()
        upstream.destroy()
      }
      upstream.on("error", () => (client.destroyed ? undefined : client.resetAndDestroy()))
      client.on("error", fail)
      upstream.on("close", () => client.destroy())
      client.on("close", () => upstream.destroy())
    })
    server.on("error", (err) =>
      this.#o.log.warn(
        { listen: `${host}:${port}`, service: b.rule.id, err: String(err) },
        "Cannot serve a service port",
      ),
    )
    server.listen(port, host)
    return () => server.close()
  }

  #udp(host: string, port: number, b: Balancer, external: boolean): { close: () => void; prune: () => void } {
    const sock = createSocket({ type: "udp4", reuseAddr: false })
    const flows = new Map<string, { up: UdpSocket; timer: NodeJS.Timeout; ep: RuleEndpoint }>()
    const idle = this.#o.udpIdleMs ?? 30_000
    const flowOf = (r: RemoteInfo) => {
      const id = `${r.address}:${r.port}`
      const have = flows.get(id)
      if (have) {
        have.timer.refresh()
        return have.up
      }
      const ep = b.pick(r.address, external)
      if (!ep) return undefined
      const up = createSocket("udp4")
      up.connect(ep.port, ep.ip)
      up.on("message", (msg) => sock.send(msg, r.port, r.address))
      up.on("error", () => undefined)
      const timer = setTimeout(() => {
        up.close()
        flows.delete(id)
      }, idle)
      timer.unref()
      flows.set(id, { up, timer, ep })
      return up
    }
    sock.on("message", (msg, r) => {
      const up = flowOf(r)
      if (!up) return
      const send = () => up.send(msg)
      try {
        send()
      } catch {
        up.once("connect", send)
      }
    })
    sock.on("error", (err) =>
      this.#o.log.warn(
        { listen: `${host}:${port}`, service: b.rule.id, err: String(err) },
        "Cannot serve a service port",
      ),
    )
    sock.bind(port, host)
    const end = (id: string) => {
      const f = flows.get(id)
      if (!f) return
      clearTimeout(f.timer)
      f.up.close()
      flows.delete(id)
    }
    return {
      close: () => {
        for (const id of [...flows.keys()]) end(id)
        sock.close()
      },
      // As kube-proxy clears stale conntrack entries: a flow's next datagram picks a live endpoint.
      prune: () => {
        const live = new Set(b.rule.endpoints.map((e) => `${e.ip}:${e.port}`))
        for (const [id, f] of flows) if (!live.has(`${f.ep.ip}:${f.ep.port}`)) end(id)
      },
    }
  }
}
