import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { lockNetworkTests } from "../testing/index.ts"
import { BridgeNetwork, hostVethName, macOf } from "./bridge-network.ts"
import { describePodNetwork, leaseFilesUnder, type SuiteNet } from "./pod-network.case.ts"

// The bridge, routes and nftables tables change the host's network: one test run at a time.
lockNetworkTests(process.getuid?.() === 0)

// This file's own ranges and names, distinct from the other network tests'.
const stateDir = mkdtempSync(join(tmpdir(), "k8ts-bridge-net-"))
after(() => rmSync(stateDir, { recursive: true, force: true }))
const net: SuiteNet = {
  bridge: "k8tsbrt0",
  podCIDR: "10.231.7.0/24",
  clusterCIDR: "10.231.0.0/16",
  serviceCIDR: "10.232.0.0/16",
  nftTable: "k8ts-hostports-brt0",
  leaseFiles: () => leaseFilesUnder(stateDir),
}

describePodNetwork("BridgeNetwork", net, async () => new BridgeNetwork({ ...net, stateDir }))

test("hostVethName() is a valid interface name that depends only on the sandbox id", () => {
  assert.equal(hostVethName("abc"), hostVethName("abc"))
  assert.notEqual(hostVethName("abc"), hostVethName("abd"))
  assert.ok(hostVethName("x".repeat(200)).length <= 15)
})

test("new BridgeNetwork() refuses a podCIDR outside the cluster CIDR", () => {
  assert.throws(
    () => new BridgeNetwork({ ...net, podCIDR: "10.9.0.0/24", stateDir }),
    /Cannot use podCIDR "10.9.0.0\/24": it lies outside the cluster CIDR "10.231.0.0\/16"/,
  )
})

test("macOf() is a locally administered address made of the IPv4 address", () => {
  assert.equal(macOf("10.244.1.1"), "0a:58:0a:f4:01:01")
})
