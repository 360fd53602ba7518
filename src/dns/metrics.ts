/**
 * CoreDNS's request metrics (its prometheus plugin), under the same names and labels so its
 * dashboards and alerts work: requests by zone, protocol, address family and query type,
 * responses by rcode and the plugin that wrote them, request duration and request and
 * response sizes. Collected in a registry of the DNS server's own (served on :9153 by
 * metrics-server.ts, as CoreDNS does), never the API server's.
 */
import { Counter, Histogram, Registry } from "prom-client"

/** CoreDNS's duration buckets: 0.25 ms doubling to 8 s. */
const TIME_BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i)
/** CoreDNS's size buckets (bytes). */
const SIZE_BUCKETS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3]

/** The query types CoreDNS counts by name; any other is "other". */
const TYPES = new Map<number, string>([
  [1, "A"],
  [2, "NS"],
  [5, "CNAME"],
  [6, "SOA"],
  [12, "PTR"],
  [15, "MX"],
  [16, "TXT"],
  [28, "AAAA"],
  [33, "SRV"],
  [43, "DS"],
  [46, "RRSIG"],
  [47, "NSEC"],
  [48, "DNSKEY"],
  [50, "NSEC3"],
  [64, "SVCB"],
  [65, "HTTPS"],
  [251, "IXFR"],
  [252, "AXFR"],
  [255, "ANY"],
])

const RCODES = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
]

/** Who wrote a reply, as CoreDNS's plugin label names them. */
export type ReplySource = "kubernetes" | "cache" | "forward"

/** One answered query. */
export interface DnsExchange {
  readonly query: Buffer
  readonly reply: Buffer
  readonly proto: "udp" | "tcp"
  /** The client's address family. */
  readonly family: 4 | 6
  readonly source: ReplySource
  /** When the query arrived (performance.now()). */
  readonly startMs: number
}

/** The query type of `query`'s first question ("other" when unmonitored or absent). */
export function queryType(query: Buffer): string {
  if (query.length < 12 || query.readUInt16BE(4) === 0) return "other"
  let at = 12
  while (at < query.length) {
    const len = query[at] as number
    if (len === 0) break
    // A compression pointer ends the name (not expected in a question, but harmless).
    if (len >= 0xc0) {
      at += 1
      break
    }
    at += len + 1
  }
  return at + 3 <= query.length ? (TYPES.get(query.readUInt16BE(at + 1)) ?? "other") : "other"
}

/** The reply's rcode as CoreDNS writes it (the header's four bits). */
export function rcodeOf(reply: Buffer): string {
  const code = reply.length >= 4 ? (reply[3] as number) & 0x0f : 2
  return RCODES[code] ?? String(code)
}

/** Options of DnsMetrics. */
export interface DnsMetricsOptions {
  /** CoreDNS's server label, e.g. "dns://127.96.0.10:53". */
  readonly server: string
  /** The registry to collect in (default: a new one). */
  readonly registry?: Registry
}

/** Returns the entry of `key`, made by `make` the first time. */
function memo<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key)
  if (v === undefined) cache.set(key, (v = make()))
  return v
}

/** The DNS server's request metrics. */
export class DnsMetrics {
  /** Where the metrics are collected. */
  readonly registry: Registry
  readonly #server: string
  readonly #requests: Counter<"server" | "zone" | "view" | "proto" | "family" | "type">
  readonly #responses: Counter<"server" | "zone" | "view" | "rcode" | "plugin">
  readonly #duration: Histogram<"server" | "zone" | "view">
  readonly #requestSize: Histogram<"server" | "zone" | "view" | "proto">
  readonly #responseSize: Histogram<"server" | "zone" | "view" | "proto">
  // Label-bound children by their varying labels: a fresh labels object per call costs prom-client
  // several times the count itself (on the path of every query).
  readonly #requestsBy = new Map<string, { inc(): void }>()
  readonly #responsesBy = new Map<string, { inc(): void }>()
  readonly #sizesBy = new Map<
    string,
    { request: { observe(v: number): void }; response: { observe(v: number): void } }
  >()
  readonly #durationOf: { observe(v: number): void }

  constructor(opts: DnsMetricsOptions) {
    this.registry = opts.registry ?? new Registry()
    this.#server = opts.server
    const registers = [this.registry]
    this.#requests = new Counter({
      name: "coredns_dns_requests_total",
      help: "Counter of DNS requests made per zone, protocol and family.",
      labelNames: ["server", "zone", "view", "proto", "family", "type"],
      registers,
    })
    this.#responses = new Counter({
      name: "coredns_dns_responses_total",
      help: "Counter of response status codes.",
      labelNames: ["server", "zone", "view", "rcode", "plugin"],
      registers,
    })
    this.#duration = new Histogram({
      name: "coredns_dns_request_duration_seconds",
      help: "Histogram of the time (in seconds) each request took per zone.",
      labelNames: ["server", "zone", "view"],
      buckets: TIME_BUCKETS,
      registers,
    })
    this.#requestSize = new Histogram({
      name: "coredns_dns_request_size_bytes",
      help: "Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.",
      labelNames: ["server", "zone", "view", "proto"],
      buckets: SIZE_BUCKETS,
      registers,
    })
    this.#responseSize = new Histogram({
      name: "coredns_dns_response_size_bytes",
      help: "Size of the returned response in bytes.",
      labelNames: ["server", "zone", "view", "proto"],
      buckets: SIZE_BUCKETS,
      registers,
    })
    this.#durationOf = this.#duration.labels(this.#base())
  }

  /** The labels every series has: one server block for the whole name space (".:53" in kube's Corefile). */
  #base(): { server: string; zone: string; view: string } {
    return { server: this.#server, zone: ".", view: "" }
  }

  /** Counts one answered query. */
  observe(x: DnsExchange): void {
    const family = x.family === 6 ? "2" : "1"
    const type = queryType(x.query)
    memo(this.#requestsBy, `${x.proto} ${family} ${type}`, () =>
      this.#requests.labels({ ...this.#base(), proto: x.proto, family, type }),
    ).inc()
    this.#durationOf.observe((performance.now() - x.startMs) / 1000)
    const sizes = memo(this.#sizesBy, x.proto, () => ({
      request: this.#requestSize.labels({ ...this.#base(), proto: x.proto }),
      response: this.#responseSize.labels({ ...this.#base(), proto: x.proto }),
    }))
    sizes.request.observe(x.query.length)
    sizes.response.observe(x.reply.length)
    const rcode = rcodeOf(x.reply)
    memo(this.#responsesBy, `${rcode} ${x.source}`, () =>
      this.#responses.labels({ ...this.#base(), rcode, plugin: x.source }),
    ).inc()
  }
}
