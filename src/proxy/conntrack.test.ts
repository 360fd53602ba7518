import assert from "node:assert/strict"
import { Writable } from "node:stream"
import { test } from "node:test"
import { createLogger } from "../util/index.ts"
import { Conntrack, type ConntrackFilter, conntrackArgs, staleUdpFilters } from "./conntrack.ts"
import type { RuleEndpoint, ServiceRule } from "./rules.ts"

const ep = (ip: string, port = 53): RuleEndpoint => ({ ip, port, local: true })
const udp = (over: Partial<ServiceRule>): ServiceRule => ({
  id: "ns/dns:",
  clusterIP: "10.96.0.10",
  port: 53,
  protocol: "UDP",
  endpoints: [],
  internalLocal: false,
  externalLocal: false,
  ...over,
})

const cases: {
  name: string
  prev: ServiceRule[]
  next: ServiceRule[]
  alias?: (ip: string) => string | undefined
  want: ConntrackFilter[]
}[] = [
  {
    name: "nothing changes: nothing to clear",
    prev: [udp({ endpoints: [ep("10.244.0.2")] })],
    next: [udp({ endpoints: [ep("10.244.0.2")] })],
    want: [],
  },
  {
    name: "a removed endpoint: its flows through the ClusterIP and the NodePort",
    prev: [udp({ endpoints: [ep("10.244.0.2"), ep("10.244.0.3")], nodePort: 30053 })],
    next: [udp({ endpoints: [ep("10.244.0.3")], nodePort: 30053 })],
    want: [
      { origDst: "10.96.0.10", port: 53, dstNat: "10.244.0.2", dstNatPort: 53 },
      { port: 30053, dstNat: "10.244.0.2", dstNatPort: 53 },
    ],
  },
  {
    name: "an endpoint whose port changed counts as removed",
    prev: [udp({ endpoints: [ep("10.244.0.2", 53)] })],
    next: [udp({ endpoints: [ep("10.244.0.2", 5353)] })],
    want: [{ origDst: "10.96.0.10", port: 53, dstNat: "10.244.0.2", dstNatPort: 53 }],
  },
  {
    name: "the first endpoint: every flow to the service's addresses",
    prev: [udp({ externalIPs: ["192.0.2.7"] })],
    next: [udp({ endpoints: [ep("10.244.0.2")], externalIPs: ["192.0.2.7"], nodePort: 30053 })],
    alias: (ip) => (ip === "10.96.0.10" ? "127.96.0.10" : undefined),
    want: [
      { origDst: "10.96.0.10", port: 53 },
      { origDst: "127.96.0.10", port: 53 },
      { origDst: "192.0.2.7", port: 53 },
      { port: 30053 },
    ],
  },
  {
    name: "a new service with endpoints counts as gaining its first",
    prev: [],
    next: [udp({ endpoints: [ep("10.244.0.2")] })],
    want: [{ origDst: "10.96.0.10", port: 53 }],
  },
  {
    name: "a deleted service port: every flow to it",
    prev: [udp({ endpoints: [ep("10.244.0.2")], loadBalancerIPs: ["192.0.2.9"] })],
    next: [],
    want: [
      { origDst: "10.96.0.10", port: 53 },
      { origDst: "192.0.2.9", port: 53 },
    ],
  },
  {
    name: "TCP services are left alone (their connections end by themselves)",
    prev: [udp({ protocol: "TCP", endpoints: [ep("10.244.0.2")] })],
    next: [udp({ protocol: "TCP", endpoints: [] })],
    want: [],
  },
]

for (const c of cases) {
  test(`staleUdpFilters(): ${c.name}`, () => {
    assert.deepEqual(staleUdpFilters(c.prev, c.next, c.alias), c.want)
  })
}

test("conntrackArgs() deletes UDP entries by original destination, port and DNAT target", () => {
  assert.deepEqual(
    conntrackArgs({ origDst: "10.96.0.10", port: 53, dstNat: "10.244.0.2", dstNatPort: 5353 }),
    [
      "-D",
      "-p",
      "udp",
      "--orig-dst",
      "10.96.0.10",
      "--dport",
      "53",
      "--dst-nat",
      "10.244.0.2",
      "--reply-port-src",
      "5353",
    ],
  )
  assert.deepEqual(conntrackArgs({ port: 30053 }), ["-D", "-p", "udp", "--dport", "30053"])
})

test("Conntrack.clear() without the tool logs one warning and goes on", async () => {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const ct = new Conntrack({ log: createLogger({ destination }), command: "k8ts-no-such-conntrack" })
  await ct.clear([{ port: 30053 }, { port: 30054 }])
  await ct.clear([{ port: 30055 }])
  assert.equal(lines.length, 1, lines.join(""))
  assert.match(lines[0]!, /the conntrack tool is not installed \(Debian package conntrack\)/)
})
