import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, test } from "node:test"
import { ensureDebianPackage, lockNetworkTests, skipUnless } from "../testing/index.ts"
import { defaultConfList, loadConfList, writeDefaultConfList } from "./cni-config.ts"
import { CniNetwork } from "./cni-network.ts"
import { describePodNetwork, leaseFilesUnder, type SuiteNet } from "./pod-network.case.ts"

// The bridge, routes, nftables and iptables tables change the host's network: one test run at a
// time (the check that portmap's chains are gone also looks at the whole machine).
lockNetworkTests(process.getuid?.() === 0)

// This file's own ranges and names, distinct from the other network tests'.
const root = mkdtempSync(join(tmpdir(), "k8ts-cni-net-"))
after(() => rmSync(root, { recursive: true, force: true }))
const net: SuiteNet = {
  bridge: "k8tscnit0",
  podCIDR: "10.233.4.0/24",
  clusterCIDR: "10.233.0.0/16",
  serviceCIDR: "10.234.0.0/16",
  nftTable: "k8ts-cni-guard-t0",
  leaseFiles: () => leaseFilesUnder(join(root, "ipam")),
}
const hasPlugins =
  process.getuid?.() === 0 && ensureDebianPackage("containernetworking-plugins", "/usr/lib/cni/bridge")

describePodNetwork("CniNetwork", net, async () => {
  if (!hasPlugins) throw new Error("Cannot run CniNetwork: containernetworking-plugins is not installed")
  await writeDefaultConfList(join(root, "net.d"), {
    podCIDR: net.podCIDR,
    bridge: net.bridge,
    dataDir: join(root, "ipam"),
  })
  return new CniNetwork({
    confDir: join(root, "net.d"),
    cacheDir: join(root, "cache"),
    clusterCIDR: net.clusterCIDR,
    serviceCIDR: net.serviceCIDR,
    nftTable: net.nftTable,
  })
})

describe("CNI configuration", () => {
  test("defaultConfList() is bridge with host-local from the podCIDR, then portmap", () => {
    const list = defaultConfList({ podCIDR: "10.244.3.0/24", dataDir: "/d" })
    assert.deepEqual(
      list.plugins.map((p) => p.type),
      ["bridge", "portmap"],
    )
    assert.deepEqual(list.plugins[0]?.ipam, {
      type: "host-local",
      dataDir: "/d",
      ranges: [[{ subnet: "10.244.3.0/24", gateway: "10.244.3.1" }]],
      routes: [{ dst: "0.0.0.0/0" }],
    })
    assert.deepEqual(list.plugins[1]?.capabilities, { portMappings: true })
  })

  test("loadConfList() reads the first configuration by name, and a .conf as a list of one", async () => {
    const dir = join(root, "conf-order")
    await writeDefaultConfList(dir, { podCIDR: "10.244.3.0/24", dataDir: "/d" })
    const { writeFile } = await import("node:fs/promises")
    await writeFile(
      join(dir, "05-one.conf"),
      JSON.stringify({ cniVersion: "0.4.0", name: "one", type: "ptp" }),
    )
    const list = await loadConfList(dir)
    assert.equal(list.name, "one")
    assert.deepEqual(
      list.plugins.map((p) => p.type),
      ["ptp"],
    )
    await assert.rejects(loadConfList(join(root, "none")), /Cannot find a CNI network configuration/)
  })
})

test(
  "after close(), portmap's chains are gone too",
  skipUnless(hasPlugins, "needs root and the CNI plugins"),
  () => {
    const nat = execFileSync("iptables", ["-w", "-t", "nat", "-S"], { encoding: "utf8" })
    assert.equal(nat.includes("CNI-HOSTPORT"), false, nat)
  },
)

describe("CniNetwork.gc()", skipUnless(hasPlugins, "needs root and the CNI plugins"), () => {
  test("frees a host-local lease whose result was never cached (a crash after ADD)", async () => {
    const dir = join(root, "gc")
    await writeDefaultConfList(join(dir, "net.d"), {
      podCIDR: net.podCIDR,
      bridge: "k8tscnit1",
      dataDir: join(dir, "ipam"),
    })
    const network = new CniNetwork({
      confDir: join(dir, "net.d"),
      cacheDir: join(dir, "cache"),
      clusterCIDR: net.clusterCIDR,
      serviceCIDR: net.serviceCIDR,
      nftTable: "k8ts-cni-guard-t1",
    })
    const ns = `k8tsnet-gc-${randomBytes(4).toString("hex")}`
    execFileSync("ip", ["netns", "add", ns])
    try {
      await network.init()
      const req = {
        id: `gc-${ns}`,
        podUid: "u",
        namespace: "default",
        name: "gc",
        netnsPath: `/run/netns/${ns}`,
        portMappings: [],
      }
      await network.attach(req)
      rmSync(join(dir, "cache", "results"), { recursive: true })
      assert.equal(leaseFilesUnder(join(dir, "ipam")).length, 1)
      await network.gc(new Set())
      assert.deepEqual(leaseFilesUnder(join(dir, "ipam")), [])
    } finally {
      try {
        await network.close()
      } finally {
        execFileSync("ip", ["netns", "del", ns])
      }
    }
  })
})
