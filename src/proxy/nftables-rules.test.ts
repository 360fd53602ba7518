import assert from "node:assert/strict"
import { test } from "node:test"
import { compileNftState, flattenNftState, type NftState } from "./nftables-rules.ts"
import { deleteChainsScript, fullScript, inlineable, updateScript } from "./nftables-script.ts"
import type { RuleEndpoint, ServiceRule } from "./rules.ts"

const CFG = { clusterCidr: "10.244.0.0/16", nodePortAddresses: ["192.168.0.2"] }
const TABLE = { table: "k8ts-proxy", serviceCidr: "10.96.0.0/12" }
const A: RuleEndpoint = { ip: "10.244.0.2", port: 8080, local: true }
const B: RuleEndpoint = { ip: "10.244.1.3", port: 8080, local: false }

const rule = (over: Partial<ServiceRule>): ServiceRule => ({
  id: "ns/web:http",
  clusterIP: "10.96.0.20",
  port: 80,
  protocol: "TCP",
  endpoints: [A, B],
  internalLocal: false,
  externalLocal: false,
  ...over,
})

/** The state with chain-name hashes blanked, as sorted "kind name: content" lines. */
function lines(compiled: NftState): string[] {
  const state = flattenNftState(compiled)
  const h = (s: string) => s.replace(/-[A-Z2-7]{8}-/g, "-H-")
  return [
    ...[...state.sets].map(([n, d]) => h(`set ${n}: ${d}`)),
    ...[...state.chains].map(([n, r]) => h(`chain ${n}: ${r.join("; ")}`)),
    ...[...state.elements].map(([k, v]) => h(`element ${k}${v ? `: ${v}` : ""}`)),
  ].sort()
}

const SVC = "service-H-ns/web/tcp/http"
const EP_A = "endpoint-H-ns/web/tcp/http__10.244.0.2/8080"
const EP_B = "endpoint-H-ns/web/tcp/http__10.244.1.3/8080"
const MASQ = "ip daddr 10.96.0.20 ip saddr != 10.244.0.0/16 jump mark-for-masquerade"
const DNAT_A = "ip saddr 10.244.0.2 jump mark-for-masquerade; meta l4proto tcp dnat to 10.244.0.2:8080"
const DNAT_B = "ip saddr 10.244.1.3 jump mark-for-masquerade; meta l4proto tcp dnat to 10.244.1.3:8080"
const BASE = ["element cluster-ips 10.96.0.20", "element nodeport-ips 192.168.0.2"]

const cases: { name: string; input: ServiceRule[]; want: string[] }[] = [
  {
    name: "a ClusterIP picks its endpoints round robin, each through its own DNAT chain",
    input: [rule({})],
    want: [
      `chain ${EP_A}: ${DNAT_A}`,
      `chain ${EP_B}: ${DNAT_B}`,
      `chain ${SVC}: ${MASQ}; numgen inc mod 2 vmap { 0 : goto ${EP_A} , 1 : goto ${EP_B} }`,
      ...BASE,
      `element service-ips 10.96.0.20 . tcp . 80: goto ${SVC}`,
    ],
  },
  {
    name: "a service without endpoints is rejected",
    input: [rule({ endpoints: [], nodePort: 30080 })],
    want: [
      ...BASE,
      "element no-endpoint-nodeports tcp . 30080: goto reject-chain",
      "element no-endpoint-services 10.96.0.20 . tcp . 80: goto reject-chain",
    ],
  },
  {
    name: "internalTrafficPolicy Local without a local endpoint drops ClusterIP traffic",
    input: [rule({ endpoints: [B], internalLocal: true })],
    want: [
      `chain ${EP_B}: ${DNAT_B}`,
      `chain ${SVC}: ${MASQ}; numgen inc mod 1 vmap { 0 : goto ${EP_B} }`,
      ...BASE,
      "element no-endpoint-services 10.96.0.20 . tcp . 80: drop",
    ],
  },
  {
    name: "ClientIP affinity keeps a timed set per endpoint, checked before the pick",
    input: [rule({ endpoints: [A], affinitySeconds: 60, protocol: "UDP", id: "ns/web:dns", port: 53 })],
    want: [
      "chain endpoint-H-ns/web/udp/dns__10.244.0.2/8080: ip saddr 10.244.0.2 jump mark-for-masquerade; update @affinity-H-ns/web/udp/dns__10.244.0.2/8080 { ip saddr }; meta l4proto udp dnat to 10.244.0.2:8080",
      "chain service-H-ns/web/udp/dns: ip daddr 10.96.0.20 ip saddr != 10.244.0.0/16 jump mark-for-masquerade; ip saddr @affinity-H-ns/web/udp/dns__10.244.0.2/8080 goto endpoint-H-ns/web/udp/dns__10.244.0.2/8080; numgen inc mod 1 vmap { 0 : goto endpoint-H-ns/web/udp/dns__10.244.0.2/8080 }",
      ...BASE,
      "element service-ips 10.96.0.20 . udp . 53: goto service-H-ns/web/udp/dns",
      "set affinity-H-ns/web/udp/dns__10.244.0.2/8080: { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }",
    ],
  },
  {
    name: "NodePort, external and load-balancer IPs masquerade into the service chain (Cluster policy)",
    input: [
      rule({
        endpoints: [A],
        nodePort: 30080,
        externalIPs: ["192.168.99.1"],
        loadBalancerIPs: ["192.168.0.2"],
        sourceRanges: ["203.0.113.0/25"],
      }),
    ],
    want: [
      `chain ${EP_A}: ${DNAT_A}`,
      `chain external-H-ns/web/tcp/http: jump mark-for-masquerade; goto ${SVC}`,
      "chain firewall-H-ns/web/tcp/http: ip saddr != { 203.0.113.0/25 } drop",
      `chain ${SVC}: ${MASQ}; numgen inc mod 1 vmap { 0 : goto ${EP_A} }`,
      ...BASE,
      "element firewall-ips 192.168.0.2 . tcp . 80: goto firewall-H-ns/web/tcp/http",
      "element service-ips 10.96.0.20 . tcp . 80: goto service-H-ns/web/tcp/http",
      "element service-ips 192.168.0.2 . tcp . 80: goto external-H-ns/web/tcp/http",
      "element service-ips 192.168.99.1 . tcp . 80: goto external-H-ns/web/tcp/http",
      "element service-nodeports tcp . 30080: goto external-H-ns/web/tcp/http",
    ],
  },
  {
    name: "externalTrafficPolicy Local keeps client addresses and picks only local endpoints",
    input: [rule({ nodePort: 30080, externalLocal: true })],
    want: [
      `chain ${EP_A}: ${DNAT_A}`,
      `chain ${EP_B}: ${DNAT_B}`,
      `chain external-H-ns/web/tcp/http: ip saddr 10.244.0.0/16 goto ${SVC}; fib saddr type local jump mark-for-masquerade; fib saddr type local goto ${SVC}; goto local-H-ns/web/tcp/http`,
      `chain local-H-ns/web/tcp/http: ${MASQ}; numgen inc mod 1 vmap { 0 : goto ${EP_A} }`,
      `chain ${SVC}: ${MASQ}; numgen inc mod 2 vmap { 0 : goto ${EP_A} , 1 : goto ${EP_B} }`,
      ...BASE,
      `element service-ips 10.96.0.20 . tcp . 80: goto ${SVC}`,
      "element service-nodeports tcp . 30080: goto external-H-ns/web/tcp/http",
    ],
  },
  {
    name: "externalTrafficPolicy Local without local endpoints drops external traffic",
    input: [rule({ endpoints: [B], nodePort: 30080, externalLocal: true })],
    want: [
      `chain ${EP_B}: ${DNAT_B}`,
      `chain ${SVC}: ${MASQ}; numgen inc mod 1 vmap { 0 : goto ${EP_B} }`,
      ...BASE,
      "element no-endpoint-nodeports tcp . 30080: drop",
      `element service-ips 10.96.0.20 . tcp . 80: goto ${SVC}`,
    ],
  },
  {
    name: "SCTP ports are not programmed",
    input: [rule({ protocol: "SCTP" })],
    want: ["element nodeport-ips 192.168.0.2"],
  },
]

for (const c of cases) {
  test(`compileNftState(): ${c.name}`, () => {
    assert.deepEqual(lines(compileNftState(c.input, CFG)), [...c.want].sort())
  })
}

test("compileNftState() serves a ClusterIP's alias too, except when the service is served there itself", () => {
  const alias = (ip: string) => ip.replace(/^10\./, "127.")
  const state = compileNftState(
    [
      rule({}),
      rule({
        id: "kube-system/kube-dns:dns",
        clusterIP: "10.96.0.10",
        port: 53,
        endpoints: [{ ip: "127.96.0.10", port: 53, local: true }],
      }),
    ],
    { ...CFG, alias },
  )
  const vips = [...flattenNftState(state).elements.keys()]
    .filter((k) => k.startsWith("service-ips"))
    .map((k) => k.split(" ")[1])
  assert.deepEqual(vips.sort(), ["10.96.0.10", "10.96.0.20", "127.96.0.20"])
})

test("fullScript() replaces the table in one transaction, hooks before elements", () => {
  const script = fullScript(compileNftState([rule({})], CFG), TABLE).split("\n")
  assert.deepEqual(script.slice(0, 3), [
    "add table ip k8ts-proxy",
    "delete table ip k8ts-proxy",
    'add table ip k8ts-proxy { comment "rules for k8ts proxy" ; }',
  ])
  assert.ok(script.includes("add chain ip k8ts-proxy nat-output { type nat hook output priority -100 ; }"))
  assert.ok(
    script.includes(
      'add rule ip k8ts-proxy cluster-ips-check ip daddr 10.96.0.0/12 drop comment "Drop traffic to unallocated ClusterIPs"',
    ),
  )
  const firstElement = script.findIndex((l) => l.startsWith("add element"))
  assert.ok(script.slice(firstElement).every((l) => !l || l.startsWith("add element")))
})

/** The first six words of each line, chain-name hashes blanked. */
function ops(script: string): string[] {
  return script
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) =>
      l
        .replace(/-[A-Z2-7]{8}-/g, "-H-")
        .split(" ")
        .slice(0, 6)
        .join(" "),
    )
}

/** Statements nft 1.0.6 runs without first dumping every chain of the table. */
const CACHELESS = /^(flush chain|add chain) /

test("updateScript() touches only the service that changed, and nothing when none did", () => {
  const other = rule({ id: "ns/db:", clusterIP: "10.96.0.30", endpoints: [B] })
  const before = compileNftState([rule({}), other], CFG)
  assert.deepEqual(updateScript(before, compileNftState([rule({}), other], CFG), TABLE), {
    apply: "",
    stale: [],
  })
  const after = compileNftState([rule({ endpoints: [A] }), other], CFG)
  const { apply, stale } = updateScript(before, after, TABLE)
  assert.ok(!apply.includes("ns/db"), apply)
  assert.deepEqual(ops(apply), [
    `flush chain ip k8ts-proxy ${SVC}`,
    `flush chain ip k8ts-proxy ${EP_B}`,
    `add chain ip k8ts-proxy ${SVC} {`,
  ])
  assert.deepEqual(ops(deleteChainsScript(TABLE, stale)), [`delete chain ip k8ts-proxy ${EP_B}`])
})

const updates: {
  name: string
  before: ServiceRule[]
  after: ServiceRule[]
  apply: string[]
  cleanup: string[]
}[] = [
  {
    name: "an endpoint replaced: its chain added empty, then defined with the service chain, no cache needed",
    before: [rule({})],
    after: [rule({ endpoints: [A, { ...B, ip: "10.244.1.4" }] })],
    apply: [
      `flush chain ip k8ts-proxy ${SVC}`,
      `flush chain ip k8ts-proxy ${EP_B}`,
      `add chain ip k8ts-proxy endpoint-H-ns/web/tcp/http__10.244.1.4/8080`,
      `add chain ip k8ts-proxy endpoint-H-ns/web/tcp/http__10.244.1.4/8080 {`,
      `add chain ip k8ts-proxy ${SVC} {`,
    ],
    cleanup: [`delete chain ip k8ts-proxy ${EP_B}`],
  },
  {
    name: "an endpoint added: nothing deleted",
    before: [rule({ endpoints: [A] })],
    after: [rule({})],
    apply: [
      `flush chain ip k8ts-proxy ${SVC}`,
      `add chain ip k8ts-proxy ${EP_B}`,
      `add chain ip k8ts-proxy ${EP_B} {`,
      `add chain ip k8ts-proxy ${SVC} {`,
    ],
    cleanup: [],
  },
  {
    name: "the last endpoint gone: the elements change, so the chains go in the same transaction",
    before: [rule({ endpoints: [A] })],
    after: [rule({ endpoints: [] })],
    apply: [
      `delete element ip k8ts-proxy service-ips {`,
      `flush chain ip k8ts-proxy ${EP_A}`,
      `flush chain ip k8ts-proxy ${SVC}`,
      `delete chain ip k8ts-proxy ${EP_A}`,
      `delete chain ip k8ts-proxy ${SVC}`,
      `add element ip k8ts-proxy no-endpoint-services {`,
    ],
    cleanup: [],
  },
  {
    name: "chains naming an affinity set keep add rule (nft resolves the set from its cache)",
    before: [rule({ affinitySeconds: 10, endpoints: [A] })],
    after: [rule({ affinitySeconds: 10 })],
    apply: [
      `flush chain ip k8ts-proxy ${SVC}`,
      `add chain ip k8ts-proxy ${EP_B}`,
      `add set ip k8ts-proxy affinity-H-ns/web/tcp/http__10.244.1.3/8080 {`,
      `add rule ip k8ts-proxy ${EP_B} ip`,
      `add rule ip k8ts-proxy ${EP_B} update`,
      `add rule ip k8ts-proxy ${EP_B} meta`,
      ...Array.from({ length: 3 }, () => `add rule ip k8ts-proxy ${SVC} ip`),
      `add rule ip k8ts-proxy ${SVC} numgen`,
    ],
    cleanup: [],
  },
]

for (const c of updates) {
  test(`updateScript(): ${c.name}`, () => {
    const got = updateScript(compileNftState(c.before, CFG), compileNftState(c.after, CFG), TABLE)
    assert.deepEqual(ops(got.apply), c.apply)
    assert.deepEqual(ops(deleteChainsScript(TABLE, got.stale)), c.cleanup)
  })
}

test("updateScript() programs an endpoint change with statements that need no nft cache", () => {
  const before = compileNftState([rule({})], CFG)
  const { apply } = updateScript(before, compileNftState([rule({ endpoints: [B] })], CFG), TABLE)
  assert.ok(
    apply
      .trim()
      .split("\n")
      .every((l) => CACHELESS.test(l)),
    apply,
  )
  assert.ok(apply.includes(`{ ${MASQ} ; numgen inc mod 1 vmap {`), apply)
})

test("inlineable() refuses rules that name a set", () => {
  assert.equal(inlineable(["meta l4proto tcp dnat to 10.0.0.1:80"]), true)
  assert.equal(inlineable(["ip saddr @affinity-x goto endpoint-x"]), false)
})

test("updateScript() deletes a removed service's elements before its chains", () => {
  const before = compileNftState([rule({ affinitySeconds: 10 })], CFG)
  const { apply: script0, stale } = updateScript(before, compileNftState([], CFG), TABLE)
  const script = script0.trim().split("\n")
  assert.deepEqual(stale, [])
  const firstFlush = script.findIndex((l) => l.startsWith("flush"))
  assert.ok(script.slice(0, firstFlush).every((l) => l.startsWith("delete element")))
  assert.ok(script.findIndex((l) => l.startsWith("delete set")) > firstFlush)
  assert.ok(script.at(-1)?.startsWith("delete chain"))
})

test("compileNftState() with a cache hands back the same fragment for an unchanged rule", () => {
  const cache = new Map()
  const other = rule({ id: "ns/db:", clusterIP: "10.96.0.30", endpoints: [B] })
  const first = compileNftState([rule({}), other], { ...CFG, cache })
  const second = compileNftState([rule({ endpoints: [A] }), other], { ...CFG, cache })
  assert.equal(second.fragments.get("ns/db:/TCP"), first.fragments.get("ns/db:/TCP"))
  assert.notEqual(second.fragments.get("ns/web:http/TCP"), first.fragments.get("ns/web:http/TCP"))
  assert.equal(cache.size, 2)
})
