/**
 * The pure resolver: one question and the cluster's view in, the reply's sections out, as the
 * CoreDNS kubernetes plugin answers (TTL 5, SOA in the authority section of NXDOMAIN and NODATA
 * replies, the reverse zone in-addr.arpa served from ClusterIPs and endpoint addresses).
 */
import type { Answer, RecordType, SoaAnswer } from "dns-packet"
import { type Host, lookupInDomain } from "./lookup.ts"
import type { DnsView } from "./view.ts"

/** Seconds every record may be cached (CoreDNS kubernetes plugin's default). */
export const TTL = 5

const REVERSE_ZONE = "in-addr.arpa"
const MAX_CNAME_CHAIN = 8

/** A question: a name and a record type. */
export interface DnsQuestion {
  readonly name: string
  readonly type: RecordType | string
}

/** The response code of a reply. */
export type Rcode = "NOERROR" | "NXDOMAIN" | "REFUSED"

/** A reply's sections. */
export interface DnsReply {
  readonly rcode: Rcode
  readonly answers: Answer[]
  readonly authorities: Answer[]
  readonly additionals: Answer[]
  /** True when the name lies in a zone this server is authoritative for. */
  readonly authoritative: boolean
  /**
   * True when an upstream should answer instead, if one is configured: names outside the cluster
   * domain, and reverse names of addresses the cluster does not know.
   */
  readonly forwardable: boolean
}

function isIn(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`)
}

function soa(zone: string, view: DnsView): SoaAnswer {
  return {
    type: "SOA",
    name: zone,
    ttl: TTL,
    class: "IN",
    data: {
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: view.serial,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: TTL,
    },
  }
}

function reply(rcode: Rcode, answers: Answer[], extra: Partial<DnsReply> = {}): DnsReply {
  return {
    rcode,
    answers,
    authorities: [],
    additionals: [],
    authoritative: true,
    forwardable: false,
    ...extra,
  }
}

/** NXDOMAIN or NODATA (NOERROR, no answers), each with the zone's SOA. */
function negative(rcode: "NXDOMAIN" | "NOERROR", zone: string, view: DnsView, forwardable = false): DnsReply {
  return reply(rcode, [], { authorities: [soa(zone, view)], forwardable })
}

function aRecord(name: string, ip: string): Answer {
  return { type: "A", name, ttl: TTL, class: "IN", data: ip }
}

function unique<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>()
  const out: T[] = []
  for (const t of items) {
    const k = key(t)
    if (seen.has(k)) continue
    seen.add(k)
    out.push(t)
  }
  return out
}

/** SRV records weigh 100 split evenly across the targets, at least 1 each (CoreDNS). */
function srvReply(qname: string, hosts: readonly Host[]): { answers: Answer[]; additionals: Answer[] } {
  const targets = unique(
    hosts.filter((h) => h.ip && h.port >= 0),
    (h) => `${h.name}|${h.port}`,
  )
  const weight = Math.max(1, Math.floor(100 / Math.max(targets.length, 1)))
  return {
    answers: targets.map((h) => ({
      type: "SRV",
      name: qname,
      ttl: TTL,
      class: "IN",
      data: { priority: 0, weight, port: h.port, target: h.name },
    })),
    additionals: unique(targets, (h) => `${h.name}|${h.ip}`).map((h) => aRecord(h.name, h.ip!)),
  }
}

/** Answers for an alias: the CNAME, then what its target resolves to when it lies in the domain. */
function cnameReply(q: DnsQuestion, target: string, view: DnsView, depth: number): DnsReply {
  const cname: Answer = { type: "CNAME", name: q.name, ttl: TTL, class: "IN", data: target }
  if (q.type === "CNAME" || !isIn(target, view.domain) || depth >= MAX_CNAME_CHAIN)
    return reply("NOERROR", [cname])
  const next = resolveName({ name: target, type: q.type }, view, depth + 1)
  return { ...next, answers: [cname, ...next.answers] }
}

function isApex(q: DnsQuestion, view: DnsView): boolean {
  return (q.type === "SOA" || q.type === "NS") && q.name.toLowerCase().replace(/\.$/, "") === view.domain
}

/** The apex's SOA, or its NS (this server, as CoreDNS names itself) with the server's address. */
function apexReply(q: DnsQuestion, view: DnsView): DnsReply {
  if (q.type === "SOA") return reply("NOERROR", [soa(view.domain, view)])
  if (!view.nameserver) return negative("NOERROR", view.domain, view)
  const ns = `ns.dns.${view.domain}`
  return reply("NOERROR", [{ type: "NS", name: q.name, ttl: TTL, class: "IN", data: ns }], {
    additionals: [aRecord(ns, view.nameserver)],
  })
}

function answerHosts(q: DnsQuestion, hosts: readonly Host[], view: DnsView, depth: number): DnsReply {
  const alias = hosts.find((h) => h.cname)
  // ExternalName SRV is not implemented upstream either: NODATA.
  if (alias?.cname && q.type !== "SRV") return cnameReply(q, alias.cname, view, depth)
  if (q.type === "A") {
    const ips = unique(
      hosts.filter((h) => h.ip),
      (h) => h.ip!,
    )
    if (ips.length)
      return reply(
        "NOERROR",
        ips.map((h) => aRecord(q.name, h.ip!)),
      )
  }
  if (q.type === "SRV") {
    const srv = srvReply(q.name, hosts)
    if (srv.answers.length) return reply("NOERROR", srv.answers, { additionals: srv.additionals })
  }
  if (isApex(q, view)) return apexReply(q, view)
  return negative("NOERROR", view.domain, view)
}

/** `d.c.b.a.in-addr.arpa` → a.b.c.d, or undefined for partial or malformed names. */
function reverseAddress(name: string): string | undefined {
  const labels = name.slice(0, -(REVERSE_ZONE.length + 1)).split(".")
  if (labels.length !== 4 || labels.some((l) => !/^\d{1,3}$/.test(l))) return undefined
  return labels.reverse().join(".")
}

function resolveReverse(q: DnsQuestion, name: string, view: DnsView): DnsReply {
  const ip = name === REVERSE_ZONE ? undefined : reverseAddress(name)
  const targets = ip ? view.reverse.get(ip) : undefined
  if (!targets) return negative("NXDOMAIN", REVERSE_ZONE, view, true)
  if (q.type !== "PTR") return negative("NOERROR", REVERSE_ZONE, view)
  return reply(
    "NOERROR",
    targets.map((t) => ({ type: "PTR", name: q.name, ttl: TTL, class: "IN", data: t })),
  )
}

function resolveName(q: DnsQuestion, view: DnsView, depth: number): DnsReply {
  const name = q.name.toLowerCase().replace(/\.$/, "")
  if (isIn(name, REVERSE_ZONE)) return resolveReverse(q, name, view)
  if (!isIn(name, view.domain)) return reply("REFUSED", [], { authoritative: false, forwardable: true })
  const labels = name === view.domain ? [] : name.slice(0, -(view.domain.length + 1)).split(".")
  const hosts = lookupInDomain(labels, view)
  if (hosts === "nxdomain") return negative("NXDOMAIN", view.domain, view)
  return answerHosts(q, hosts, view, depth)
}

/**
 * Answers `question` from `view`. Names are matched case-insensitively and answered as asked.
 * Names outside the cluster domain and in-addr.arpa are REFUSED (the server may forward them).
 */
export function resolve(question: DnsQuestion, view: DnsView): DnsReply {
  return resolveName(question, view, 0)
}
