/**
 * Stale UDP conntrack entries, as kube-proxy clears them after a sync: UDP has no connection to
 * end, so a client that keeps sending from the same port keeps the DNAT of its first packet
 * for as long as the flow stays active — to a pod that is gone, or, for a service that had no
 * endpoints, to wherever its first packets went. After the rules change, the entries of UDP
 * flows to removed endpoints, and of service ports that gained their first endpoints or were
 * deleted, are deleted with the `conntrack` tool (Debian's conntrack package); without it the
 * proxy logs one warning and goes on.
 */
import { CommandError, run } from "../network/index.ts"
import type { Logger } from "../util/index.ts"
import type { ServiceRule } from "./rules.ts"

/** Which UDP entries to delete; unset fields match anything. */
export interface ConntrackFilter {
  /** The original destination address (a ClusterIP, external or load-balancer IP). */
  readonly origDst?: string
  /** The original destination port (a service port or NodePort). */
  readonly port?: number
  /** The address the flow was DNATed to (an endpoint), and its port. */
  readonly dstNat?: string
  readonly dstNatPort?: number
}

/** The addresses a UDP rule is served on: its ClusterIP, its alias, external and load-balancer IPs. */
function vipsOf(rule: ServiceRule, alias?: (clusterIP: string) => string | undefined): string[] {
  const mapped = alias?.(rule.clusterIP)
  return [
    rule.clusterIP,
    ...(mapped ? [mapped] : []),
    ...(rule.externalIPs ?? []),
    ...(rule.loadBalancerIPs ?? []),
  ]
}

/** Entries of every flow to the rule's addresses and NodePort. */
function allOf(rule: ServiceRule, alias?: (clusterIP: string) => string | undefined): ConntrackFilter[] {
  return [
    ...vipsOf(rule, alias).map((origDst) => ({ origDst, port: rule.port })),
    ...(rule.nodePort ? [{ port: rule.nodePort }] : []),
  ]
}

/** Entries of flows to the rule's addresses and NodePort that were DNATed to `ep`. */
function toEndpoint(
  rule: ServiceRule,
  ep: { ip: string; port: number },
  alias?: (clusterIP: string) => string | undefined,
): ConntrackFilter[] {
  return allOf(rule, alias).map((f) => ({ ...f, dstNat: ep.ip, dstNatPort: ep.port }))
}

/**
 * The UDP entries left stale when the rules change from `prev` to `next` (pure): flows to an
 * endpoint the rule no longer has, and every flow of a service port that gains its first
 * endpoints or is deleted.
 */
export function staleUdpFilters(
  prev: readonly ServiceRule[],
  next: readonly ServiceRule[],
  alias?: (clusterIP: string) => string | undefined,
): ConntrackFilter[] {
  const key = (r: ServiceRule) => `${r.id}/${r.protocol}`
  const before = new Map(prev.filter((r) => r.protocol === "UDP").map((r) => [key(r), r]))
  const after = new Map(next.filter((r) => r.protocol === "UDP").map((r) => [key(r), r]))
  const out = new Map<string, ConntrackFilter>()
  const add = (filters: ConntrackFilter[]) => {
    for (const f of filters) out.set(JSON.stringify(f), f)
  }
  for (const [k, r] of after) {
    const old = before.get(k)
    if (r.endpoints.length && !old?.endpoints.length) add(allOf(r, alias))
    if (!old) continue
    const kept = new Set(r.endpoints.map((e) => `${e.ip}:${e.port}`))
    for (const ep of old.endpoints) if (!kept.has(`${ep.ip}:${ep.port}`)) add(toEndpoint(old, ep, alias))
  }
  for (const [k, old] of before) if (!after.has(k) && old.endpoints.length) add(allOf(old, alias))
  return [...out.values()]
}

/** The `conntrack` arguments that delete the UDP entries `f` matches. */
export function conntrackArgs(f: ConntrackFilter): string[] {
  return [
    ...["-D", "-p", "udp"],
    ...(f.origDst ? ["--orig-dst", f.origDst] : []),
    ...(f.port ? ["--dport", String(f.port)] : []),
    ...(f.dstNat ? ["--dst-nat", f.dstNat] : []),
    ...(f.dstNatPort ? ["--reply-port-src", String(f.dstNatPort)] : []),
  ]
}

/** Options of Conntrack. */
export interface ConntrackOptions {
  readonly log: Logger
  /** The conntrack program (default "conntrack" on the PATH). */
  readonly command?: string
}

/** Deletes conntrack entries with the conntrack tool. */
export class Conntrack {
  readonly #o: ConntrackOptions
  #missing = false

  constructor(opts: ConntrackOptions) {
    this.#o = opts
  }

  /** Deletes the UDP entries each filter matches; failures are logged, never thrown. */
  async clear(filters: readonly ConntrackFilter[]): Promise<void> {
    for (const f of filters) {
      if (this.#missing) return
      try {
        await run([this.#o.command ?? "conntrack", ...conntrackArgs(f)])
      } catch (err) {
        this.#failed(f, err)
      }
    }
  }

  #failed(f: ConntrackFilter, err: unknown): void {
    // Exit 1 with nothing deleted is the tool's way of saying there was nothing to delete.
    if (err instanceof CommandError && err.stderr.includes("0 flow entries have been deleted")) return
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      this.#missing = true
      this.#o.log.warn(
        { command: this.#o.command ?? "conntrack" },
        "Cannot clear stale UDP conntrack entries: the conntrack tool is not installed (Debian package conntrack); UDP clients may keep reaching removed endpoints until their flows go idle",
      )
      return
    }
    this.#o.log.warn({ filter: f, err: String(err) }, "Cannot clear stale UDP conntrack entries")
  }
}
