import assert from "node:assert/strict"
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from "node:child_process"
import { createSocket, type Socket as UdpSocket } from "node:dgram"
import { connect, createServer, type Server } from "node:net"
import { after, before, describe, test } from "node:test"
import { listNftTables } from "../network/index.ts"
import { ensureDebianPackage, lockNetworkTests, skipUnless } from "../testing/index.ts"
import { silentLogger } from "../util/index.ts"
import { NftablesProxy } from "./nftables.ts"
import { flattenNftState } from "./nftables-rules.ts"
import type { RuleEndpoint, ServiceRule } from "./rules.ts"

// Our own ranges and names: other tests (and pod networking) may run at the same time.
const TAG = String(process.pid % 100000)
const TABLE = `k8ts-proxy-t${TAG}`
const SVC_DEV = `kps${TAG}`
const BRIDGE = `kpb${TAG}`
const CLUSTER = "10.253.0.0/24"
const SERVICES = "10.254.0.0/24"
const NODE_PORT = 31917
const LO_A = "127.244.253.2"
const LO_B = "127.244.253.3"
const NS = [`kpt-a-${TAG}`, `kpt-b-${TAG}`] as const
const NS_IP = ["10.253.0.2", "10.253.0.3"] as const

const isRoot = process.getuid?.() === 0
const hasNft = isRoot && ensureDebianPackage("nftables", "nft")
const hasConntrack = hasNft && ensureDebianPackage("conntrack", "conntrack")
// A bridge, namespaces and addresses in 10.253.0.0/24 on the host: one test run at a time.
lockNetworkTests(hasNft)

function sh(...args: string[]): string {
  return execFileSync(args[0] as string, args.slice(1), { encoding: "utf8" })
}

/** Connects to host:port from this process; resolves with what the server sent or the error code. */
function ask(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    let out = ""
    const c = connect({ host, port })
    c.setTimeout(3000, () => c.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })))
    c.on("data", (d) => (out += String(d)))
    c.on("end", () => resolve(out))
    c.on("error", (e: NodeJS.ErrnoException) => resolve(`ERR ${e.code}`))
  })
}

/** Sends "?" from `sock` to host:port and resolves with the reply, or "timeout". */
function askUdp(sock: UdpSocket, host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done("timeout"), 2000)
    const onMessage = (m: Buffer) => done(String(m))
    const done = (v: string) => {
      clearTimeout(timer)
      sock.off("message", onMessage)
      resolve(v)
    }
    sock.on("message", onMessage)
    sock.send("?", port, host)
  })
}

/**
 * The same from inside network namespace `ns` (bash's /dev/tcp: no process start-up to speak
 * of); asynchronous, as the loopback backends live in this process.
 */
function askFrom(ns: string, host: string, port: number): Promise<string> {
  const script = `exec 3<>/dev/tcp/${host}/${port}; cat <&3`
  return new Promise((resolve) => {
    execFile("ip", ["netns", "exec", ns, "timeout", "3", "bash", "-c", script], (err, out) =>
      resolve(err ? "ERR" : out),
    )
  })
}

const rule = (over: Partial<ServiceRule>): ServiceRule => ({
  id: "ns/web:",
  clusterIP: "10.254.0.10",
  port: 80,
  protocol: "TCP",
  endpoints: [],
  internalLocal: false,
  externalLocal: false,
  ...over,
})
const ep = (ip: string, port: number): RuleEndpoint => ({ ip, port, local: true })

describe("NftablesProxy (root, nftables)", skipUnless(hasNft, "needs root and nft"), () => {
  let proxy: NftablesProxy
  const servers: Server[] = []
  const udpServers: UdpSocket[] = []
  const children: ChildProcess[] = []

  before(async () => {
    for (const ip of [LO_A, LO_B]) {
      const s = createServer((c) => c.end(ip))
      servers.push(s)
      await new Promise<void>((resolve) => s.listen(18081, ip, resolve))
      const u = createSocket("udp4")
      u.on("message", (_m, r) => u.send(ip, r.port, r.address))
      udpServers.push(u)
      await new Promise<void>((resolve) => u.bind(18053, ip, resolve))
    }
    // Two "pods": namespaces on our own bridge, each serving its address on :8080.
    sh("ip", "link", "add", BRIDGE, "type", "bridge")
    sh("ip", "addr", "add", "10.253.0.1/24", "dev", BRIDGE)
    sh("ip", "link", "set", BRIDGE, "up")
    // Forwarding on this bridge only (IPv4 decides per incoming interface): the host's setting stays.
    sh("sysctl", "-qw", `net.ipv4.conf.${BRIDGE}.forwarding=1`)
    for (const [i, ns] of NS.entries()) {
      const veth = `kpv${i}${TAG}`
      sh("ip", "netns", "add", ns)
      sh("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
      sh("ip", "link", "set", veth, "master", BRIDGE, "up")
      // Hairpin: br_netfilter bridges a pod's DNATed packet back out of the port it came in on.
      sh("ip", "link", "set", veth, "type", "bridge_slave", "hairpin", "on")
      sh("ip", "-n", ns, "addr", "add", `${NS_IP[i]}/24`, "dev", "eth0")
      sh("ip", "-n", ns, "link", "set", "eth0", "up")
      sh("ip", "-n", ns, "link", "set", "lo", "up")
      sh("ip", "-n", ns, "route", "add", "default", "via", "10.253.0.1")
      const server = `require("net").createServer((c) => c.end(${JSON.stringify(NS_IP[i])})).listen(8080, () => console.log("up"))`
      const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", server], {
        stdio: ["ignore", "pipe", "inherit"],
      })
      children.push(child)
      await new Promise((resolve) => child.stdout?.once("data", resolve))
    }
    proxy = new NftablesProxy({
      table: TABLE,
      clusterCidr: CLUSTER,
      serviceCidr: SERVICES,
      nodeAddresses: [],
      serviceRouteDevice: SVC_DEV,
      routeLocalnet: [BRIDGE],
      log: silentLogger(),
    })
  })

  after(async () => {
    try {
      await proxy?.close()
    } finally {
      // Everything else whatever failed, set-up included: each step on its own (spawnSync never throws).
      for (const c of children) if (c.pid) process.kill(c.pid)
      for (const s of servers) s.close()
      for (const u of udpServers) u.close()
      for (const ns of NS) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" })
      spawnSync("ip", ["link", "del", BRIDGE], { stdio: "ignore" })
      // What the proxy's close() takes back, should it have failed: this file's own names only.
      spawnSync("ip", ["link", "del", SVC_DEV], { stdio: "ignore" })
      spawnSync("nft", ["delete", "table", "ip", TABLE], { stdio: "ignore" })
    }
  })

  test("a ClusterIP alternates between two loopback backends from the host", async () => {
    await proxy.apply([rule({ endpoints: [ep(LO_A, 18081), ep(LO_B, 18081)] })])
    const seen = []
    for (let i = 0; i < 4; i++) seen.push(await ask("10.254.0.10", 80))
    assert.deepEqual(new Set(seen), new Set([LO_A, LO_B]))
    assert.notEqual(seen[0], seen[1])
  })

  test("ClientIP session affinity sticks to one endpoint", async () => {
    await proxy.apply([rule({ endpoints: [ep(LO_A, 18081), ep(LO_B, 18081)], affinitySeconds: 60 })])
    const seen = new Set<string>()
    for (let i = 0; i < 6; i++) seen.add(await ask("10.254.0.10", 80))
    assert.equal(seen.size, 1)
  })

  test("an endpoint change is programmed as an update, and the chains it emptied are deleted", async () => {
    const endpointChains = () =>
      sh("nft", "list", "table", "ip", TABLE)
        .split("\n")
        .map((l) => /^\s*chain (\S+)/.exec(l)?.[1] ?? "")
        .filter((c) => c.startsWith("endpoint-"))
    const wanted = () =>
      [...flattenNftState(proxy.state()).chains.keys()].filter((c) => c.startsWith("endpoint-"))
    await proxy.apply([rule({ endpoints: [ep(LO_A, 18081)] })])
    const reloads = proxy.reloads
    await proxy.apply([rule({ endpoints: [ep(LO_B, 18081)] })])
    assert.equal(await ask("10.254.0.10", 80), LO_B)
    assert.equal(endpointChains().length, 2) // the emptied one stays a second
    await proxy.deleteStaleChains()
    assert.deepEqual(endpointChains(), wanted())
    assert.equal(endpointChains().length, 1)
    // Emptied, then used again before its deletion: kept.
    await proxy.apply([rule({ endpoints: [ep(LO_A, 18081)] })])
    await proxy.apply([rule({ endpoints: [ep(LO_B, 18081)] })])
    await proxy.deleteStaleChains()
    assert.equal(await ask("10.254.0.10", 80), LO_B)
    assert.deepEqual(endpointChains(), wanted())
    await proxy.apply([rule({ endpoints: [ep(LO_A, 18081), ep(LO_B, 18081)], nodePort: NODE_PORT })])
    assert.deepEqual(endpointChains().sort(), wanted().sort())
    assert.equal(proxy.reloads, reloads)
  })

  test("a NodePort answers on 127.0.0.1", async () => {
    await proxy.apply([rule({ endpoints: [ep(LO_B, 18081)], nodePort: NODE_PORT })])
    assert.equal(await ask("127.0.0.1", NODE_PORT), LO_B)
  })

  test("a service without endpoints refuses connections, on its ClusterIP and its NodePort", async () => {
    await proxy.apply([rule({ nodePort: NODE_PORT })])
    assert.equal(await ask("10.254.0.10", 80), "ERR ECONNREFUSED")
    assert.equal(await ask("127.0.0.1", NODE_PORT), "ERR ECONNREFUSED")
  })

  test("a pod in one namespace reaches a service backed by a pod in another, and a pod reaches itself (hairpin)", async () => {
    await proxy.apply([rule({ endpoints: [ep(NS_IP[1], 8080)] })])
    assert.equal(await askFrom(NS[0], "10.254.0.10", 80), NS_IP[1])
    assert.equal(await askFrom(NS[1], "10.254.0.10", 80), NS_IP[1])
    assert.equal(await ask("10.254.0.10", 80), NS_IP[1])
  })

  test("a pod reaches a loopback endpoint through the bridge (route_localnet)", async () => {
    await proxy.apply([rule({ endpoints: [ep(LO_A, 18081)] })])
    assert.equal(await askFrom(NS[0], "10.254.0.10", 80), LO_A)
  })

  test(
    "a UDP client's flow moves off a removed endpoint; a deleted service's flows are cleared (conntrack)",
    skipUnless(hasConntrack, "needs conntrack"),
    async () => {
      const dns = (eps: RuleEndpoint[]) =>
        rule({ id: "ns/dns:", clusterIP: "10.254.0.53", port: 53, protocol: "UDP", endpoints: eps })
      const entries = () => {
        try {
          return sh("conntrack", "-L", "-p", "udp", "--orig-dst", "10.254.0.53")
        } catch {
          return "" // exit 1 and nothing listed on some versions
        }
      }
      const client = createSocket("udp4")
      await new Promise<void>((resolve) => client.bind(0, resolve))
      try {
        await proxy.apply([dns([ep(LO_A, 18053)])])
        assert.equal(await askUdp(client, "10.254.0.53", 53), LO_A)
        // The same client port: without clearing, the flow would keep its DNAT to LO_A (still up).
        await proxy.apply([dns([ep(LO_B, 18053)])])
        assert.doesNotMatch(entries(), new RegExp(`src=${LO_A.replaceAll(".", "\\.")} `))
        assert.equal(await askUdp(client, "10.254.0.53", 53), LO_B)
        assert.match(entries(), new RegExp(`src=${LO_B.replaceAll(".", "\\.")} `))
        await proxy.apply([])
        assert.doesNotMatch(entries(), /dport=53/)
      } finally {
        client.close()
      }
    },
  )

  test("close() removes the table, the service route and its device", async () => {
    await proxy.close()
    assert.ok(!(await listNftTables()).includes(`ip ${TABLE}`))
    assert.equal(sh("ip", "-4", "route", "show", SERVICES).trim(), "")
    assert.ok(!sh("ip", "-o", "link", "show").includes(`${SVC_DEV}:`))
    assert.equal(sh("sysctl", "-n", `net.ipv4.conf.${BRIDGE}.route_localnet`).trim(), "0")
  })
})
