import assert from "node:assert/strict"
import { test } from "node:test"
import { hostNames } from "./host-names.ts"

test("hostNames() keeps k8ts's names by default and derives all of them from another prefix", () => {
  assert.deepEqual(hostNames(), {
    bridge: "k8ts0",
    hostPortsTable: "k8ts-hostports",
    cniGuardTable: "k8ts-cni-guard",
    proxyTable: "k8ts-proxy",
    serviceDevice: "k8ts-svc0",
  })
  const b = hostNames("k8tsb")
  assert.equal(b.bridge, "k8tsb0")
  assert.equal(b.serviceDevice, "k8tsb-svc0")
  assert.equal(b.proxyTable, "k8tsb-proxy")
  assert.equal(hostNames("abcdefghij").serviceDevice.length, 15)
})

test("hostNames() rejects prefixes that make no interface name", () => {
  for (const bad of ["", "K8ts", "1k8ts", "k8ts/x", "abcdefghijk", "k8 ts"]) {
    assert.throws(() => hostNames(bad), RangeError, bad)
  }
})
