/**
 * nft scripts for the proxy's table (pure): the fixed skeleton (hooks, maps, the masquerade and
 * reject helpers), a full load that replaces the table atomically, and an update that touches
 * only what changed between two compiled states (written so nft need not dump the table's
 * chains first when only chains change), for one `nft -f -` transaction each.
 */
import type { NftFragment, NftState } from "./nftables-rules.ts"

/** The table's name and family, and the ranges its fixed rules mention. */
export interface NftTableConfig {
  /** The table name (default k8ts-proxy). */
  readonly table: string
  /** The service range: traffic to an unallocated ClusterIP in it is dropped. */
  readonly serviceCidr: string
}

const FAMILY = "ip"

const SETS: readonly [string, string][] = [
  ["set cluster-ips", `{ type ipv4_addr ; comment "Active ClusterIPs" ; }`],
  ["set nodeport-ips", `{ type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }`],
  [
    "map firewall-ips",
    `{ type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`,
  ],
  [
    "map no-endpoint-nodeports",
    `{ type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
  ],
  [
    "map no-endpoint-services",
    `{ type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
  ],
  [
    "map service-ips",
    `{ type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
  ],
  ["map service-nodeports", `{ type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }`],
]

/** The fixed chains: [name, hook definition or "", rules]. */
function baseChains(cfg: NftTableConfig): [string, string, string[]][] {
  const newConn = "ct state new"
  return [
    ["nat-prerouting", "{ type nat hook prerouting priority dstnat ; }", ["jump services"]],
    // `priority dstnat` is refused on an output hook by nft 1.0.6: -100 is the same number.
    ["nat-output", "{ type nat hook output priority -100 ; }", ["jump services"]],
    ["nat-postrouting", "{ type nat hook postrouting priority srcnat ; }", ["jump masquerading"]],
    [
      "filter-prerouting-pre-dnat",
      "{ type filter hook prerouting priority -110 ; }",
      [`${newConn} jump firewall-check`],
    ],
    [
      "filter-output-pre-dnat",
      "{ type filter hook output priority -110 ; }",
      [`${newConn} jump firewall-check`],
    ],
    [
      "filter-input",
      "{ type filter hook input priority 0 ; }",
      [
        `${newConn} jump nodeport-endpoints-check`,
        `${newConn} jump service-endpoints-check`,
        // route_localnet lets DNAT reach loopback endpoints from a bridge; never plain 127/8 from outside.
        `iifname != "lo" ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct status & dnat == 0 drop`,
      ],
    ],
    [
      "filter-forward",
      "{ type filter hook forward priority 0 ; }",
      [`${newConn} jump service-endpoints-check`, `${newConn} jump cluster-ips-check`],
    ],
    [
      "filter-output",
      "{ type filter hook output priority 0 ; }",
      [`${newConn} jump service-endpoints-check`, `${newConn} jump cluster-ips-check`],
    ],
    [
      "cluster-ips-check",
      "",
      [
        `ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`,
        `ip daddr ${cfg.serviceCidr} drop comment "Drop traffic to unallocated ClusterIPs"`,
      ],
    ],
    ["firewall-check", "", ["ip daddr . meta l4proto . th dport vmap @firewall-ips"]],
    ["mark-for-masquerade", "", ["meta mark set meta mark | 0x4000"]],
    [
      "masquerading",
      "",
      ["meta mark & 0x4000 == 0 return", "meta mark set meta mark ^ 0x4000", "masquerade fully-random"],
    ],
    [
      "services",
      "",
      [
        "ip daddr . meta l4proto . th dport vmap @service-ips",
        "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports",
      ],
    ],
    ["service-endpoints-check", "", ["ip daddr . meta l4proto . th dport vmap @no-endpoint-services"]],
    [
      "nodeport-endpoints-check",
      "",
      ["ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports"],
    ],
    ["reject-chain", "", ["meta l4proto tcp reject with tcp reset", "reject"]],
  ]
}

function splitElement(k: string): [string, string] {
  const i = k.indexOf(" ")
  return [k.slice(0, i), k.slice(i + 1)]
}

function addElement(t: string, k: string, value: string): string {
  const [map, key] = splitElement(k)
  return `add element ${t} ${map} { ${key}${value ? ` : ${value}` : ""} }`
}

/** The script that replaces the whole table with the skeleton plus `state`, in one transaction. */
export function fullScript(state: NftState, cfg: NftTableConfig): string {
  const t = `${FAMILY} ${cfg.table}`
  const out = [`add table ${t}`, `delete table ${t}`, `add table ${t} { comment "rules for k8ts proxy" ; }`]
  for (const [name, def] of SETS) out.push(`add ${name.replace(" ", ` ${t} `)} ${def}`)
  const base = baseChains(cfg)
  const fragments = [...state.fragments.values()]
  for (const [name, hook] of base) out.push(`add chain ${t} ${name}${hook ? ` ${hook}` : ""}`)
  for (const f of fragments) for (const [name, def] of f.sets) out.push(`add set ${t} ${name} ${def}`)
  for (const f of fragments) for (const name of f.chains.keys()) out.push(`add chain ${t} ${name}`)
  for (const [name, , rules] of base) for (const r of rules) out.push(`add rule ${t} ${name} ${r}`)
  for (const f of fragments) {
    for (const [name, rules] of f.chains) for (const r of rules) out.push(`add rule ${t} ${name} ${r}`)
  }
  if (state.clusterIPs.size) out.push(`add element ${t} cluster-ips { ${[...state.clusterIPs].join(", ")} }`)
  for (const f of fragments) for (const [k, v] of f.elements) out.push(addElement(t, k, v))
  return `${out.join("\n")}\n`
}

function sameRules(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return !!a && !!b && a.length === b.length && a.every((r, i) => r === b[i])
}

/** Chains whose rules must be rewritten: changed ones, plus those using a set that is redefined. */
function changedChains(prev: NftFragment, next: NftFragment): Set<string> {
  const changed = new Set<string>()
  for (const [name, rules] of next.chains) if (!sameRules(prev.chains.get(name), rules)) changed.add(name)
  const redefined = [...prev.sets]
    .filter(([n, d]) => next.sets.has(n) && next.sets.get(n) !== d)
    .map(([n]) => `@${n} `)
  if (redefined.length) {
    for (const [name, rules] of next.chains) {
      if (rules.some((r) => redefined.some((s) => `${r} `.includes(s)))) changed.add(name)
    }
  }
  return changed
}

const EMPTY: NftFragment = { sets: new Map(), chains: new Map(), elements: new Map() }

/**
 * Whether a chain's rules may be written as one `add chain NAME { rules }` statement: nft
 * 1.0.6 then looks up only the table, where `add rule` (and `add element`, and every `delete`)
 * first dumps every chain of it. Rules naming a set (`@name`) still need `add rule`: nft
 * resolves the set from its cache.
 */
export function inlineable(rules: readonly string[]): boolean {
  return rules.every((r) => !r.includes("@"))
}

/** The statements of an update, by the phase they must run in. */
class Phases {
  readonly deleteElements: string[] = []
  readonly flush: string[] = []
  readonly deleteSets: string[] = []
  readonly addChains: string[] = []
  readonly addSets: string[] = []
  /** `add chain NAME { rules }`: no cache needed. */
  readonly defineChains: string[] = []
  /** `add rule`: nft dumps the table's chains first. */
  readonly addRules: string[] = []
  readonly deleteChains: string[] = []
  /** The names of the chains deleteChains deletes. */
  readonly removed: string[] = []
  readonly addElements: string[] = []

  /** Whether some statement makes nft 1.0.6 fetch the table's chains before it runs the script. */
  needsCache(): boolean {
    return (
      this.deleteElements.length + this.deleteSets.length + this.addRules.length + this.addElements.length > 0
    )
  }

  all(deleteChains: boolean): string[] {
    return [
      ...this.deleteElements,
      ...this.flush,
      ...this.deleteSets,
      ...this.addChains,
      ...this.addSets,
      ...this.defineChains,
      ...this.addRules,
      ...(deleteChains ? this.deleteChains : []),
      ...this.addElements,
    ]
  }
}

/** Adds the statements that give chain `name` exactly `rules` (after its flush). */
function writeChain(ph: Phases, t: string, name: string, rules: readonly string[]): void {
  if (!rules.length) return
  if (inlineable(rules)) ph.defineChains.push(`add chain ${t} ${name} { ${rules.join(" ; ")} ; }`)
  else for (const r of rules) ph.addRules.push(`add rule ${t} ${name} ${r}`)
}

/** Adds what turns fragment `prev` into `next` to the phases. */
function diffFragment(ph: Phases, t: string, prev: NftFragment, next: NftFragment): void {
  for (const [k, v] of prev.elements) {
    if (next.elements.get(k) !== v)
      ph.deleteElements.push(`delete element ${t} ${splitElement(k).join(" { ")} }`)
  }
  const changed = changedChains(prev, next)
  const removed = [...prev.chains.keys()].filter((n) => !next.chains.has(n))
  for (const name of [...changed, ...removed])
    if (prev.chains.has(name)) ph.flush.push(`flush chain ${t} ${name}`)
  for (const [name, def] of prev.sets)
    if (next.sets.get(name) !== def) ph.deleteSets.push(`delete set ${t} ${name}`)
  for (const name of changed) if (!prev.chains.has(name)) ph.addChains.push(`add chain ${t} ${name}`)
  for (const [name, def] of next.sets)
    if (prev.sets.get(name) !== def) ph.addSets.push(`add set ${t} ${name} ${def}`)
  for (const name of changed) writeChain(ph, t, name, next.chains.get(name) ?? [])
  for (const name of removed) ph.deleteChains.push(`delete chain ${t} ${name}`)
  ph.removed.push(...removed)
  for (const [k, v] of next.elements) if (prev.elements.get(k) !== v) ph.addElements.push(addElement(t, k, v))
}

/**
 * An update: `apply` programs the change in one transaction; `stale` are the chains it left
 * empty and unreferenced, for a later transaction to delete (deleteChainsScript).
 */
export interface NftUpdate {
  readonly apply: string
  readonly stale: readonly string[]
}

/** The transaction that deletes chains `names` (empty and unreferenced), or "" for none. */
export function deleteChainsScript(cfg: NftTableConfig, names: Iterable<string>): string {
  const out = [...names].map((n) => `delete chain ${FAMILY} ${cfg.table} ${n}\n`)
  return out.join("")
}

/**
 * The scripts that turn the table from `prev` into `next` touching only the fragments that
 * differ (O(changed services): an unchanged rule's fragment is the same object); both ""
 * when none does. Order matters inside the transaction: references go before what they point
 * to is deleted, and targets exist before references are added.
 *
 * An endpoint change rewrites only its service's chains, with `flush chain` and
 * `add chain NAME { rules }`, which nft runs without first dumping the table's chains (with
 * 1,000 services, 11,000 of them): the chains it no longer uses are left `stale`, for a later
 * transaction, as kube-proxy deletes stale chains in a later sync. An update that needs the
 * dump anyway (an element or set changes) deletes them in `apply`.
 */
export function updateScript(prev: NftState, next: NftState, cfg: NftTableConfig): NftUpdate {
  const t = `${FAMILY} ${cfg.table}`
  const ph = new Phases()
  for (const [id, f] of prev.fragments) {
    const n = next.fragments.get(id)
    if (n !== f) diffFragment(ph, t, f, n ?? EMPTY)
  }
  for (const [id, f] of next.fragments) if (!prev.fragments.has(id)) diffFragment(ph, t, EMPTY, f)
  const gone = [...prev.clusterIPs].filter((ip) => !next.clusterIPs.has(ip))
  const added = [...next.clusterIPs].filter((ip) => !prev.clusterIPs.has(ip))
  if (gone.length) ph.deleteElements.push(`delete element ${t} cluster-ips { ${gone.join(", ")} }`)
  if (added.length) ph.addElements.push(`add element ${t} cluster-ips { ${added.join(", ")} }`)
  const together = ph.needsCache()
  const script = (lines: string[]) => (lines.length ? `${lines.join("\n")}\n` : "")
  return { apply: script(ph.all(together)), stale: together ? [] : ph.removed }
}
