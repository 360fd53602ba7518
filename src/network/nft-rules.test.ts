import assert from "node:assert/strict"
import { test } from "node:test"
import { podRulesScript } from "./nft-rules.ts"

const base = { table: "k8ts-hostports", bridge: "k8ts0", podCIDR: "10.244.1.0/24", egress: false }

test("podRulesScript() DNATs each hostPort from every node address, or from its hostIP", () => {
  const script = podRulesScript({
    ...base,
    pods: [
      {
        ip: "10.244.1.3",
        portMappings: [{ containerPort: 53, hostPort: 5353, protocol: "UDP", hostIP: "127.0.0.1" }],
      },
      { ip: "10.244.1.2", portMappings: [{ containerPort: 80, hostPort: 8080, protocol: "TCP" }] },
    ],
  })
  assert.match(script, /^ {4}fib daddr type local meta l4proto tcp th dport 8080 dnat to 10\.244\.1\.2:80$/m)
  assert.match(script, /^ {4}ip daddr 127\.0\.0\.1 meta l4proto udp th dport 5353 dnat to 10\.244\.1\.3:53$/m)
  assert.ok(script.indexOf("10.244.1.2:80") < script.indexOf("10.244.1.3:53"), "sorted by pod address")
  assert.match(script, /^table ip k8ts-hostports \{\}\ndelete table ip k8ts-hostports\n/)
})

test("podRulesScript() drops pod egress off the bridge unless egress is on, then masquerades it", () => {
  const closed = podRulesScript({ ...base, pods: [] })
  assert.match(closed, /iifname "k8ts0" oifname != "k8ts0" drop/)
  assert.doesNotMatch(closed, /ip saddr 10\.244\.1\.0\/24 oifname != "k8ts0" masquerade/)
  const open = podRulesScript({ ...base, egress: true, pods: [] })
  assert.doesNotMatch(open, /drop/)
  assert.match(open, /ip saddr 10\.244\.1\.0\/24 oifname != "k8ts0" masquerade/)
})

test("podRulesScript() masquerades DNATed pod traffic only when hairpin, given br_netfilter", () => {
  const pods = [
    { ip: "10.244.1.2", portMappings: [{ containerPort: 80, hostPort: 8080, protocol: "TCP" as const }] },
  ]
  const without = podRulesScript({ ...base, pods })
  assert.match(
    without,
    /ct status dnat oifname "k8ts0" ip saddr \{ 127\.0\.0\.0\/8, 10\.244\.1\.0\/24 \} masquerade/,
  )
  const bridged = podRulesScript({ ...base, bridgeNetfilter: true, pods })
  assert.doesNotMatch(bridged, /ip saddr \{ 127\.0\.0\.0\/8, 10\.244\.1\.0\/24 \}/)
  assert.match(bridged, /^ {4}ct status dnat oifname "k8ts0" ip saddr 127\.0\.0\.0\/8 masquerade$/m)
  assert.match(
    bridged,
    /^ {4}ct status dnat oifname "k8ts0" ip saddr 10\.244\.1\.2 ip daddr 10\.244\.1\.2 masquerade$/m,
  )
})
