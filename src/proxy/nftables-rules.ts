/**
 * The nftables backend's rules compiler (pure): the proxy's service rules in, the desired
 * contents of the k8ts-proxy table out, in kube-proxy's nftables-mode shape — a `service-ips`
 * verdict map keyed by address . protocol . port, one chain per service port choosing an
 * endpoint with numgen, one DNAT chain per endpoint, `external-` chains for NodePorts, external
 * and load-balancer IPs, `local-` chains for the Local traffic policies, per-endpoint affinity
 * sets with a timeout for ClientIP session affinity, and `no-endpoint-*` maps that drop or
 * reject traffic to services with nothing to serve them.
 */
import { createHash } from "node:crypto"
import type { RuleEndpoint, ServiceRule } from "./rules.ts"

/** What the compiler needs to know about the node and the cluster. */
export interface NftRulesConfig {
  /** The pod network: traffic from elsewhere to a ClusterIP is masqueraded. */
  readonly clusterCidr: string
  /** How a service chain picks an endpoint: round robin ("inc", the default) or "random". */
  readonly balance?: "inc" | "random"
  /** Another address a ClusterIP is served on too (its loopback mapping), if any. */
  readonly alias?: (clusterIP: string) => string | undefined
}

/**
 * What one service port (or the node) adds to the table: sets (name → definition), chains
 * (name → rule statements), and map or set elements ("map key" → verdict, "" for a plain set
 * element). Names and keys never appear in two fragments.
 */
export interface NftFragment {
  readonly sets: ReadonlyMap<string, string>
  readonly chains: ReadonlyMap<string, readonly string[]>
  readonly elements: ReadonlyMap<string, string>
}

/**
 * The service part of the table: one fragment per service port ("" for the node's own), and
 * the ClusterIPs (several ports share one, so they are kept apart).
 */
export interface NftState {
  readonly fragments: ReadonlyMap<string, NftFragment>
  readonly clusterIPs: ReadonlySet<string>
}

/**
 * Compiled fragments by rule, so an unchanged rule yields the very same fragment and the
 * update diff can skip it. Owned by one backend (its config never changes).
 */
export type FragmentCache = Map<string, NftFragment>

/** The key of element `key` of map or set `map` in NftState.elements. */
export function elementKey(map: string, key: string): string {
  return `${map} ${key}`
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

/** The first 8 base32 characters of the SHA-256 of `text` (a short, stable chain-name prefix). */
function hash8(text: string): string {
  const bytes = createHash("sha256").update(text).digest()
  let bits = 0
  let value = 0
  let out = ""
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5 && out.length < 8) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    if (out.length >= 8) break
  }
  return out
}

/** "ns/name/tcp/port-name", the readable part of a service port's chain names. */
function portName(rule: ServiceRule): string {
  const [svc, port] = rule.id.split(":")
  return `${svc}/${rule.protocol.toLowerCase()}/${port ?? ""}`
}

/** Accumulates one fragment. */
class Builder implements NftFragment {
  readonly sets = new Map<string, string>()
  readonly chains = new Map<string, string[]>()
  readonly elements = new Map<string, string>()

  element(map: string, key: string, value = ""): void {
    this.elements.set(elementKey(map, key), value)
  }
}

/** The names of one service port's chains and sets. */
interface Names {
  readonly base: string
  readonly service: string
  readonly local: string
  readonly external: string
  readonly firewall: string
  endpoint(ep: RuleEndpoint): string
  affinity(ep: RuleEndpoint): string
}

function namesOf(rule: ServiceRule): Names {
  const base = portName(rule)
  const h = hash8(base)
  const epPart = (ep: RuleEndpoint) => `${hash8(`${base}__${ep.ip}/${ep.port}`)}-${base}__${ep.ip}/${ep.port}`
  return {
    base,
    service: `service-${h}-${base}`,
    local: `local-${h}-${base}`,
    external: `external-${h}-${base}`,
    firewall: `firewall-${h}-${base}`,
    endpoint: (ep) => `endpoint-${epPart(ep)}`,
    affinity: (ep) => `affinity-${epPart(ep)}`,
  }
}

/** Adds a chain that picks one of `eps` (sticky per client with affinity) and their DNAT chains. */
function addSelection(
  b: Builder,
  chain: string,
  eps: readonly RuleEndpoint[],
  ctx: { rule: ServiceRule; names: Names; cfg: NftRulesConfig },
): void {
  const { rule, names, cfg } = ctx
  const proto = rule.protocol.toLowerCase()
  const affinity = rule.affinitySeconds
  const rules = [`ip daddr ${rule.clusterIP} ip saddr != ${cfg.clusterCidr} jump mark-for-masquerade`]
  for (const ep of eps) {
    const epChain = names.endpoint(ep)
    if (affinity !== undefined) {
      const set = names.affinity(ep)
      b.sets.set(set, `{ type ipv4_addr ; flags dynamic,timeout ; timeout ${affinity}s ; }`)
      rules.push(`ip saddr @${set} goto ${epChain}`)
    }
    b.chains.set(epChain, [
      // Hairpin: a backend reaching itself through the service must see the reply come back via us.
      `ip saddr ${ep.ip} jump mark-for-masquerade`,
      ...(affinity !== undefined ? [`update @${names.affinity(ep)} { ip saddr }`] : []),
      `meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`,
    ])
  }
  const targets = eps.map((ep, i) => `${i} : goto ${names.endpoint(ep)}`).join(" , ")
  rules.push(`numgen ${cfg.balance ?? "inc"} mod ${eps.length} vmap { ${targets} }`)
  b.chains.set(chain, rules)
}

/** The verdict for traffic to a destination whose policy leaves no endpoint to pick. */
function noEndpointVerdict(rule: ServiceRule): string {
  // Endpoints elsewhere but none here (Local policy): drop, as upstream; none at all: reject.
  return rule.endpoints.length ? "drop" : "goto reject-chain"
}

/** The external chain: Cluster policy masquerades everything; Local keeps client addresses. */
function externalRules(rule: ServiceRule, names: Names, hasService: boolean, cfg: NftRulesConfig): string[] {
  if (!rule.externalLocal) return ["jump mark-for-masquerade", `goto ${names.service}`]
  const shortCircuit = hasService
    ? [
        `ip saddr ${cfg.clusterCidr} goto ${names.service}`,
        "fib saddr type local jump mark-for-masquerade",
        `fib saddr type local goto ${names.service}`,
      ]
    : []
  return [...shortCircuit, `goto ${names.local}`]
}

function addExternal(b: Builder, rule: ServiceRule, names: Names, cfg: NftRulesConfig): void {
  const proto = rule.protocol.toLowerCase()
  const ips = [...(rule.externalIPs ?? []), ...(rule.loadBalancerIPs ?? [])]
  if (!ips.length && !rule.nodePort) return
  const eps = rule.externalLocal ? rule.endpoints.filter((e) => e.local) : rule.endpoints
  if (eps.length) {
    b.chains.set(names.external, externalRules(rule, names, rule.endpoints.length > 0, cfg))
    for (const ip of ips)
      b.element("service-ips", `${ip} . ${proto} . ${rule.port}`, `goto ${names.external}`)
    if (rule.nodePort) b.element("service-nodeports", `${proto} . ${rule.nodePort}`, `goto ${names.external}`)
  } else {
    const verdict = noEndpointVerdict(rule)
    for (const ip of ips) b.element("no-endpoint-services", `${ip} . ${proto} . ${rule.port}`, verdict)
    if (rule.nodePort) b.element("no-endpoint-nodeports", `${proto} . ${rule.nodePort}`, verdict)
  }
  if (rule.sourceRanges?.length && rule.loadBalancerIPs?.length) {
    b.chains.set(names.firewall, [`ip saddr != { ${rule.sourceRanges.join(", ")} } drop`])
    for (const ip of rule.loadBalancerIPs) {
      b.element("firewall-ips", `${ip} . ${proto} . ${rule.port}`, `goto ${names.firewall}`)
    }
  }
}

function addRule(b: Builder, rule: ServiceRule, cfg: NftRulesConfig): void {
  const names = namesOf(rule)
  const proto = rule.protocol.toLowerCase()
  const ctx = { rule, names, cfg }
  const local = rule.endpoints.filter((e) => e.local)
  if (rule.endpoints.length) addSelection(b, names.service, rule.endpoints, ctx)
  const needsLocal = rule.internalLocal || rule.externalLocal
  if (needsLocal && local.length) addSelection(b, names.local, local, ctx)
  const internal = rule.internalLocal ? local : rule.endpoints
  const alias = cfg.alias?.(rule.clusterIP)
  // A service served on its own alias (cluster DNS on its loopback address) needs no DNAT there.
  const isSelf =
    rule.endpoints.length > 0 && rule.endpoints.every((e) => e.ip === alias && e.port === rule.port)
  const vips = [rule.clusterIP, ...(alias && !isSelf ? [alias] : [])]
  for (const vip of vips) {
    const key = `${vip} . ${proto} . ${rule.port}`
    if (internal.length)
      b.element("service-ips", key, `goto ${rule.internalLocal ? names.local : names.service}`)
    else b.element("no-endpoint-services", key, noEndpointVerdict(rule))
  }
  addExternal(b, rule, names, cfg)
}

/** Rules' cache keys, by rule object (rules are never changed: the same object, the same key). */
const MEMO = new WeakMap<ServiceRule, string>()

function memoOf(rule: ServiceRule): string {
  let memo = MEMO.get(rule)
  if (memo === undefined) MEMO.set(rule, (memo = JSON.stringify(rule)))
  return memo
}

/**
 * Compiles `rules` into the service part of the table; `nodePortAddresses` fill the
 * nodeport-ips set. Deterministic: the same rules give the same state. With `cache`, rules
 * compiled before (by the same config) reuse their fragment.
 */
export function compileNftState(
  rules: readonly ServiceRule[],
  cfg: NftRulesConfig & { readonly nodePortAddresses: readonly string[]; readonly cache?: FragmentCache },
): NftState {
  const node = new Builder()
  for (const ip of cfg.nodePortAddresses) node.element("nodeport-ips", ip)
  const fragments = new Map<string, NftFragment>([["", node]])
  const clusterIPs = new Set<string>()
  const seen = new Set<string>()
  for (const rule of rules) {
    if (rule.protocol === "SCTP") continue
    clusterIPs.add(rule.clusterIP)
    const id = `${rule.id}/${rule.protocol}`
    const memo = memoOf(rule)
    seen.add(memo)
    let f = cfg.cache?.get(memo)
    if (!f) {
      const b = new Builder()
      addRule(b, rule, cfg)
      f = b
      cfg.cache?.set(memo, f)
    }
    fragments.set(id, f)
  }
  // Forget rules that are gone, so the cache holds one generation.
  if (cfg.cache) for (const k of cfg.cache.keys()) if (!seen.has(k)) cfg.cache.delete(k)
  return { fragments, clusterIPs }
}

/** Every set, chain and element of `state` in one fragment (cluster-ips included), for tests and listings. */
export function flattenNftState(state: NftState): NftFragment {
  const b = new Builder()
  for (const f of state.fragments.values()) {
    for (const [k, v] of f.sets) b.sets.set(k, v)
    for (const [k, v] of f.chains) b.chains.set(k, [...v])
    for (const [k, v] of f.elements) b.elements.set(k, v)
  }
  for (const ip of state.clusterIPs) b.element("cluster-ips", ip)
  return b
}
