/**
 * The node's pod rules as one nftables table (pure): hostPort DNAT from every node address
 * (or the mapping's hostIP) in prerouting and output, masquerade of DNATed traffic from
 * loopback, and from pods onto the bridge when hairpin or without br_netfilter (so replies come
 * back through the node), and a
 * forward guard that lets pods open connections only to the bridge, never out of the machine.
 */
import type { PodPortMapping } from "./pod-network.ts"

/** The host ports of one attached pod. */
export interface PodPorts {
  readonly ip: string
  readonly portMappings: readonly PodPortMapping[]
}

/** What the table is built from. */
export interface PodRulesInput {
  readonly table: string
  readonly bridge: string
  readonly podCIDR: string
  /** Pod-initiated traffic may leave the bridge (then masqueraded); otherwise it is dropped. */
  readonly egress: boolean
  /**
   * Bridged traffic passes the node's netfilter (br_netfilter): replies of pods to DNATed
   * connections from pods on the bridge are un-NATed, so only loopback and hairpin sources are
   * masqueraded and pods keep their source address. Otherwise all DNATed traffic from pods.
   */
  readonly bridgeNetfilter?: boolean
  readonly pods: readonly PodPorts[]
}

/** postrouting's masquerade of DNATed traffic onto the bridge, so replies come back through the node. */
function dnatMasquerade(input: PodRulesInput): string[] {
  const br = JSON.stringify(input.bridge)
  if (!input.bridgeNetfilter) {
    return [`    ct status dnat oifname ${br} ip saddr { 127.0.0.0/8, ${input.podCIDR} } masquerade`]
  }
  const hairpin = [...new Set(input.pods.map((p) => p.ip))].sort()
  return [
    `    ct status dnat oifname ${br} ip saddr 127.0.0.0/8 masquerade`,
    ...hairpin.map((ip) => `    ct status dnat oifname ${br} ip saddr ${ip} ip daddr ${ip} masquerade`),
  ]
}

/** One DNAT rule per mapping; unknown protocols never reach here (the type forbids them). */
function dnatRules(pods: readonly PodPorts[]): string[] {
  const rules: string[] = []
  const sorted = [...pods].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
  for (const pod of sorted) {
    for (const m of pod.portMappings) {
      const proto = m.protocol.toLowerCase()
      const dst = m.hostIP && m.hostIP !== "0.0.0.0" ? `ip daddr ${m.hostIP} ` : "fib daddr type local "
      rules.push(
        `    ${dst}meta l4proto ${proto} th dport ${m.hostPort} dnat to ${pod.ip}:${m.containerPort}`,
      )
    }
  }
  return rules
}

/** The `nft -f` script that replaces the table atomically with its current content. */
export function podRulesScript(input: PodRulesInput): string {
  const br = JSON.stringify(input.bridge)
  const forward = input.egress
    ? []
    : [
        `  chain forward {`,
        `    type filter hook forward priority 0; policy accept;`,
        `    ct state established,related accept`,
        `    iifname ${br} oifname != ${br} drop`,
        `  }`,
      ]
  const masquerade = input.egress ? [`    ip saddr ${input.podCIDR} oifname != ${br} masquerade`] : []
  return [
    `table ip ${input.table} {}`,
    `delete table ip ${input.table}`,
    `table ip ${input.table} {`,
    `  chain hostports {`,
    ...dnatRules(input.pods),
    `  }`,
    `  chain prerouting {`,
    `    type nat hook prerouting priority dstnat; policy accept;`,
    `    jump hostports`,
    `  }`,
    `  chain output {`,
    `    type nat hook output priority -100; policy accept;`,
    `    fib daddr type local jump hostports`,
    `  }`,
    `  chain postrouting {`,
    `    type nat hook postrouting priority srcnat; policy accept;`,
    ...dnatMasquerade(input),
    ...masquerade,
    `  }`,
    ...forward,
    `}`,
    ``,
  ].join("\n")
}

/** The `nft -f` script that removes the table (whether or not it exists). */
export function deleteTableScript(table: string): string {
  return `table ip ${table} {}\ndelete table ip ${table}\n`
}

/** The `nft -f` script of a table that only keeps pods on `bridge` from opening connections off the node. */
export function egressGuardScript(table: string, bridge: string): string {
  const br = JSON.stringify(bridge)
  return [
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    `  chain forward {`,
    `    type filter hook forward priority 0; policy accept;`,
    `    ct state established,related accept`,
    `    iifname ${br} oifname != ${br} drop`,
    `  }`,
    `}`,
    ``,
  ].join("\n")
}
