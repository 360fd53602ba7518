import assert from "node:assert/strict"
import { test } from "node:test"
import { kubeletConfiguration } from "./configz.ts"

test("the configuration carries the kubelet's settings in upstream's fields, without kind or apiVersion", () => {
  const c = kubeletConfiguration({
    address: "10.0.0.5",
    port: 10250,
    syncFrequencyMs: 60_000,
    clusterDomain: "cluster.local",
    clusterDNS: ["10.96.0.10"],
    resolvConf: "/etc/resolv.conf",
    maxPods: 150,
    podCIDR: "10.244.0.0/24",
    containerLogMaxSize: 20 * 1024 * 1024,
    containerLogMaxFiles: 3,
    maxContainerRestartMs: 300_000,
    nodeStatusUpdateMs: 10_000,
    nodeStatusReportMs: 60_000,
  })
  assert.equal(c.kind, undefined)
  assert.equal(c.apiVersion, undefined)
  assert.equal(c.syncFrequency, "1m0s")
  assert.equal(c.port, 10250)
  assert.deepEqual(c.clusterDNS, ["10.96.0.10"])
  assert.equal(c.maxPods, 150)
  assert.equal(c.containerLogMaxSize, "20Mi")
  assert.equal(c.containerLogMaxFiles, 3)
  assert.equal(c.nodeLeaseDurationSeconds, 40)
  assert.equal(c.eventRecordQPS, 50)
  assert.deepEqual(c.crashLoopBackOff, {})
  const fast = kubeletConfiguration({
    ...{ address: "a", port: 1, syncFrequencyMs: 1000, clusterDomain: "x", clusterDNS: [] },
    ...{ resolvConf: "r", maxPods: 1, containerLogMaxSize: "10Mi", containerLogMaxFiles: 5 },
    ...{ maxContainerRestartMs: 800, nodeStatusUpdateMs: 10_000, nodeStatusReportMs: 60_000 },
  })
  assert.deepEqual(fast.crashLoopBackOff, { maxContainerRestartPeriod: "800ms" })
  assert.equal(fast.clusterDNS, undefined)
})
