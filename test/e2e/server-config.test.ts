import assert from "node:assert/strict"
import { test } from "node:test"
import { ConfigError, parseServerConfig } from "../../cmd/server-config.ts"

test("--container-log-max-size and --container-log-max-files: upstream's defaults, quantities, validation", () => {
  const defaults = parseServerConfig([])
  assert.ok(defaults !== "help")
  assert.equal(defaults.containerLogMaxSize, 10 * 1024 * 1024)
  assert.equal(defaults.containerLogMaxFiles, 5)
  const set = parseServerConfig(["--container-log-max-size", "1Mi", "--container-log-max-files", "3"])
  assert.ok(set !== "help")
  assert.equal(set.containerLogMaxSize, 1024 * 1024)
  assert.equal(set.containerLogMaxFiles, 3)
  assert.throws(() => parseServerConfig(["--container-log-max-files", "1"]), ConfigError)
  assert.throws(() => parseServerConfig(["--container-log-max-size", "big"]), ConfigError)
})

/** The proxy mode `args` configure. */
function proxyModeOf(args: string[]): string {
  const config = parseServerConfig(args)
  assert.ok(config !== "help")
  return config.proxyMode
}

test("--proxy-mode: userspace by default, nftables by default for sandboxed pods, which userspace cannot serve", () => {
  assert.equal(proxyModeOf([]), "userspace")
  if (process.getuid?.() !== 0) {
    assert.throws(() => parseServerConfig(["--pod-network=bridge"]), /--pod-network=bridge needs root/)
    assert.throws(() => parseServerConfig(["--proxy-mode=nftables"]), /nftables needs root/)
    return
  }
  assert.equal(proxyModeOf(["--pod-network=bridge"]), "nftables")
  assert.equal(proxyModeOf(["--pod-network=cni", "--proxy-mode=nftables"]), "nftables")
  assert.throws(
    () => parseServerConfig(["--pod-network=bridge", "--proxy-mode=userspace"]),
    /userspace serves services on loopback addresses, which pods on --pod-network=bridge cannot reach/,
  )
})

test("--proxy-min-sync-period: kube-proxy's 1s by default, 0s syncs every change at once", () => {
  const defaults = parseServerConfig([])
  assert.ok(defaults !== "help")
  assert.equal(defaults.proxyMinSyncPeriodMs, 1000)
  const set = parseServerConfig(["--proxy-min-sync-period", "0s"])
  assert.ok(set !== "help")
  assert.equal(set.proxyMinSyncPeriodMs, 0)
  assert.throws(() => parseServerConfig(["--proxy-min-sync-period", "soon"]), ConfigError)
})

test("--max-pods: the kubelet's 110 by default, a whole number of pods", () => {
  const defaults = parseServerConfig([])
  assert.ok(defaults !== "help")
  assert.equal(defaults.maxPods, 110)
  const set = parseServerConfig(["--max-pods", "250"])
  assert.ok(set !== "help")
  assert.equal(set.maxPods, 250)
  assert.throws(() => parseServerConfig(["--max-pods=-1"]), /--max-pods: not a whole number of pods: "-1"/)
  assert.throws(() => parseServerConfig(["--max-pods", "many"]), ConfigError)
})

test("--host-name-prefix: k8ts by default (bridge k8ts0, table k8ts-proxy), another for a second server", () => {
  const prefixOf = (args: string[]) => {
    const config = parseServerConfig(args)
    assert.ok(config !== "help")
    return config.hostNamePrefix
  }
  assert.equal(prefixOf([]), "k8ts")
  assert.equal(prefixOf(["--host-name-prefix", "k8tsb"]), "k8tsb")
  assert.throws(() => parseServerConfig(["--host-name-prefix", "Much-Too-Long"]), /--host-name-prefix: /)
})

test("--service-loopback-range: every ClusterIP of --service-cidr needs a loopback address", () => {
  const ok = parseServerConfig([
    "--service-cidr",
    "10.96.0.0/16",
    "--service-loopback-range",
    "127.222.0.0/16",
  ])
  assert.ok(ok !== "help")
  assert.equal(ok.serviceLoopbackRange.text, "127.222.0.0/16")
  assert.throws(
    () => parseServerConfig(["--service-loopback-range", "127.222.0.0/16"]),
    /--service-loopback-range: 127.222.0.0\/16 has 65536 addresses, fewer than the 1048576 of --service-cidr 10.96.0.0\/12/,
  )
})

test("--authorization-mode: AlwaysAllow by default, an ordered comma list, checked as upstream", () => {
  const defaults = parseServerConfig([])
  assert.ok(defaults !== "help")
  assert.deepEqual(defaults.authorizationModes, ["AlwaysAllow"])
  const set = parseServerConfig(["--authorization-mode=RBAC,AlwaysDeny"])
  assert.ok(set !== "help")
  assert.deepEqual(set.authorizationModes, ["RBAC", "AlwaysDeny"])
  assert.throws(
    () => parseServerConfig(["--authorization-mode=RBAC,Foo"]),
    /--authorization-mode: authorization-mode "Foo" is not a valid mode$/,
  )
  assert.throws(
    () => parseServerConfig(["--authorization-mode=RBAC,RBAC"]),
    /authorization-mode \["RBAC" "RBAC"\] has mode specified more than once/,
  )
  const node = parseServerConfig(["--authorization-mode=Node,RBAC"])
  assert.ok(node !== "help")
  assert.deepEqual(node.authorizationModes, ["Node", "RBAC"])
  assert.throws(
    () => parseServerConfig(["--authorization-mode=Webhook,RBAC"]),
    /"Webhook" is not implemented by k8ts/,
  )
})
