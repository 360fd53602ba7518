/**
 * The PodNetwork conformance suite (root only): two network namespaces the suite creates are
 * attached, talk TCP and UDP to each other, to the host and to the gateway; a hostPort forwards
 * from 127.0.0.1; detach, gc and close leave no link, route, nft table or lease behind.
 * Traffic goes only to loopback and to the suite's own namespaces.
 */
import assert from "node:assert/strict"
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { readdirSync } from "node:fs"
import { connect, createServer } from "node:net"
import { after, before, describe, test } from "node:test"
import { promisify } from "node:util"
import { ensureDebianPackage, skipUnless } from "../testing/index.ts"
import type { PodAttachRequest, PodNetwork } from "./pod-network.ts"

/** The ranges and names one test file uses (distinct per file: files run at the same time). */
export interface SuiteNet {
  readonly bridge: string
  readonly podCIDR: string
  readonly clusterCIDR: string
  readonly serviceCIDR: string
  readonly nftTable: string
  /** Lists the lease files left in the network's state. */
  readonly leaseFiles: () => string[]
}

const TCP_PORT = 8080
const UDP_PORT = 8081

/** Echo servers on TCP 8080 and UDP 8081, printing "ready" once both listen. */
const SERVER = `
const net = require("node:net"), dgram = require("node:dgram")
const t = net.createServer((s) => s.on("data", (d) => s.end("tcp:" + d))).listen(${TCP_PORT}, "0.0.0.0", () => {
  const u = dgram.createSocket("udp4")
  u.on("message", (m, r) => u.send("udp:" + m, r.port, r.address))
  u.bind(${UDP_PORT}, "0.0.0.0", () => console.log("ready"))
})`

/** Sends "ping" by TCP to argv[1]:argv[2] and, when given, by UDP to argv[3]; prints the replies. */
const CLIENT = `
const net = require("node:net"), dgram = require("node:dgram")
const [host, tcpPort, udpPort] = process.argv.slice(1)
const tcp = () => new Promise((res, rej) => {
  const s = net.connect(Number(tcpPort), host, () => s.write("ping"))
  let got = ""; s.on("data", (d) => (got += d)); s.on("end", () => res(got)); s.on("error", rej)
})
const udp = () => new Promise((res, rej) => {
  if (!udpPort) return res("")
  const u = dgram.createSocket("udp4"); let n = 0
  const send = () => (n++ < 20 ? u.send("ping", Number(udpPort), host) : (u.close(), rej(new Error("no udp reply"))))
  const timer = setInterval(send, 100); send()
  u.on("message", (m) => { clearInterval(timer); u.close(); res(String(m)) })
})
Promise.all([tcp(), udp()]).then(([a, b]) => console.log(JSON.stringify([a, b])), (e) => { console.error(String(e)); process.exit(1) })
setTimeout(() => { console.error("timeout"); process.exit(2) }, 8000).unref()`

const execFileAsync = promisify(execFile)

function sh(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8" })
}

/** Runs the client in namespace `ns` (the host when undefined) against host:tcp (and udp). */
async function clientIn(
  ns: string | undefined,
  host: string,
  tcp: number,
  udp?: number,
): Promise<[string, string]> {
  const args = ["-e", CLIENT, host, String(tcp), ...(udp ? [String(udp)] : [])]
  const { stdout } = ns
    ? await execFileAsync("ip", ["netns", "exec", ns, "node", ...args])
    : await execFileAsync("node", args)
  return JSON.parse(stdout) as [string, string]
}

/** Starts the echo servers in `ns`; resolves once they listen. */
function serveIn(ns: string): Promise<ChildProcess> {
  const child = spawn("ip", ["netns", "exec", ns, "node", "-e", SERVER], {
    stdio: ["ignore", "pipe", "inherit"],
  })
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => d.includes("ready") && resolve(child))
    child.on("exit", (code) => reject(new Error(`Echo server in "${ns}" exited with ${code}`)))
  })
}

/** Sends "ping" by TCP from this process and resolves with the reply. */
function tcpTo(host: string, port: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const s = connect(port, host, () => s.write("ping"))
    let got = ""
    s.on("data", (d) => (got += String(d)))
    s.on("end", () => resolve(got))
    s.on("error", reject)
  })
}

/** Root with nft (installed when it can be): every PodNetwork writes nftables rules. */
function canRun(): boolean {
  return process.getuid?.() === 0 && ensureDebianPackage("nftables", "nft")
}

/** Runs the PodNetwork contract; `newNetwork` builds the implementation for `net`. */
export function describePodNetwork(name: string, net: SuiteNet, newNetwork: () => Promise<PodNetwork>): void {
  describe(`${name} conforms to PodNetwork`, skipUnless(canRun(), "needs root and nft"), () => {
    const suffix = randomBytes(4).toString("hex")
    const namespaces: string[] = []
    const servers: ChildProcess[] = []
    let network: PodNetwork
    const hostPort = 20_000 + (randomBytes(2).readUInt16BE() % 20_000)

    const request = (pod: string, ports: PodAttachRequest["portMappings"] = []): PodAttachRequest => {
      const ns = `k8tsnet-${pod}-${suffix}`
      return {
        id: `sandbox-${pod}-${suffix}`,
        podUid: `uid-${pod}`,
        namespace: "default",
        name: pod,
        netnsPath: `/run/netns/${ns}`,
        portMappings: ports,
      }
    }
    const nsOf = (req: PodAttachRequest) => req.netnsPath.slice("/run/netns/".length)
    const addNs = (req: PodAttachRequest) => {
      sh("ip", "netns", "add", nsOf(req))
      namespaces.push(nsOf(req))
    }
    const a = request("a", [{ containerPort: TCP_PORT, hostPort, protocol: "TCP" }])
    const b = request("b")
    const c = request("c")
    const ips = new Map<string, string>()
    const extra: PodAttachRequest[] = []

    before(async () => {
      network = await newNetwork()
      for (const r of [a, b, c]) addNs(r)
    })
    after(async () => {
      for (const s of servers) if (s.pid) process.kill(s.pid, "SIGKILL")
      const made = network as PodNetwork | undefined // not when newNetwork() threw
      if (made) {
        for (const r of [a, b, c, ...extra]) await made.detach(r).catch(() => undefined)
        // Again when the test's own close() failed midway: close() is idempotent.
        await made.close().catch(() => undefined)
      }
      for (const ns of namespaces) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" })
    })

    test("init() guards the cluster and service ranges with unreachable routes", async () => {
      await network.init()
      await network.init() // idempotent
      const routes = sh("ip", "route", "show", "type", "unreachable")
      assert.match(routes, new RegExp(`^unreachable ${net.clusterCIDR.replace(/\./g, "\\.")}`, "m"))
      assert.match(routes, new RegExp(`^unreachable ${net.serviceCIDR.replace(/\./g, "\\.")}`, "m"))
    })

    test("attach() gives each pod eth0 with an address from the podCIDR and a default route", async (t) => {
      for (const r of [a, b]) {
        const start = performance.now()
        const att = await network.attach(r)
        t.diagnostic(`attach ${r.name}: ${(performance.now() - start).toFixed(1)} ms`)
        assert.equal(att.interface, "eth0")
        ips.set(r.name, att.ip)
        const routes = sh("ip", "netns", "exec", nsOf(r), "ip", "route")
        assert.match(routes, new RegExp(`^default via ${att.gateway.replace(/\./g, "\\.")} dev eth0`, "m"))
      }
      assert.notEqual(ips.get("a"), ips.get("b"))
      assert.deepEqual(
        await network.attach(a).then((x) => x.ip),
        ips.get("a"),
        "attach() twice keeps the address",
      )
      servers.push(await serveIn(nsOf(a)), await serveIn(nsOf(b)))
    })

    test("pods reach each other by TCP and UDP", async () => {
      assert.deepEqual(await clientIn(nsOf(b), ips.get("a") ?? "", TCP_PORT, UDP_PORT), [
        "tcp:ping",
        "udp:ping",
      ])
      assert.deepEqual(await clientIn(nsOf(a), ips.get("b") ?? "", TCP_PORT, UDP_PORT), [
        "tcp:ping",
        "udp:ping",
      ])
    })

    test("the host reaches a pod and a pod reaches the gateway", async () => {
      assert.deepEqual(await clientIn(undefined, ips.get("a") ?? "", TCP_PORT, UDP_PORT), [
        "tcp:ping",
        "udp:ping",
      ])
      const gateway = (await network.attach(b)).gateway
      const server = createServer((s) => s.on("data", (d) => s.end(`gw:${String(d)}`)))
      await new Promise<void>((resolve) => server.listen(0, gateway, resolve))
      try {
        const port = (server.address() as { port: number }).port
        assert.deepEqual(await clientIn(nsOf(b), gateway, port), ["gw:ping", ""])
      } finally {
        server.close()
      }
    })

    test("a hostPort forwards from 127.0.0.1, and from a pod through the gateway", async () => {
      assert.equal(await tcpTo("127.0.0.1", hostPort), "tcp:ping")
      const gateway = (await network.attach(b)).gateway
      assert.deepEqual(await clientIn(nsOf(b), gateway, hostPort), ["tcp:ping", ""])
      assert.deepEqual(await clientIn(nsOf(a), gateway, hostPort), ["tcp:ping", ""], "hairpin")
    })

    test("attach() of several pods at once gives distinct addresses and every hostPort", async (t) => {
      const many = Array.from({ length: 5 }, (_, i) =>
        request(`m${i}`, [{ containerPort: TCP_PORT, hostPort: hostPort + 1 + i, protocol: "TCP" }]),
      )
      for (const r of many) addNs(r)
      extra.push(...many)
      const start = performance.now()
      const got = await Promise.all(many.map((r) => network.attach(r)))
      t.diagnostic(`attach of ${many.length} at once: ${(performance.now() - start).toFixed(1)} ms`)
      assert.equal(new Set(got.map((g) => g.ip)).size, many.length)
      servers.push(...(await Promise.all(many.map((r) => serveIn(nsOf(r))))))
      for (const [i] of many.entries()) assert.equal(await tcpTo("127.0.0.1", hostPort + 1 + i), "tcp:ping")
      const stop = performance.now()
      await Promise.all(many.map((r) => network.detach(r)))
      t.diagnostic(`detach of ${many.length} at once: ${(performance.now() - stop).toFixed(1)} ms`)
    })

    test("prepare(): its ip lines run in the namespace, then attach() finishes the attachment", async (t) => {
      if (!network.prepare) return t.skip("this network has no prepare()")
      const p = request("p")
      addNs(p)
      extra.push(p)
      const setup = await network.prepare(p)
      execFileSync("ip", ["-n", nsOf(p), "-batch", "-"], { input: setup.ipBatch.join("\n") + "\n" })
      const att = await network.attach(p)
      assert.match(sh("ip", "-n", nsOf(p), "-br", "link", "show", "lo"), /^lo\s+UNKNOWN/)
      assert.match(
        sh("ip", "-n", nsOf(p), "-br", "addr", "show", "eth0"),
        new RegExp(`${att.ip.replace(/\./g, "\\.")}/`),
      )
      servers.push(await serveIn(nsOf(p)))
      assert.deepEqual(await clientIn(nsOf(b), att.ip, TCP_PORT, UDP_PORT), ["tcp:ping", "udp:ping"])
      await network.detach(p)
    })

    test("gc() removes what unknown sandboxes left", async () => {
      await network.attach(c)
      await network.gc(new Set([a.id, b.id]))
      assert.equal(sh("ip", "netns", "exec", nsOf(c), "ip", "-br", "link").includes("eth0"), false)
      const again = await network.attach(c)
      assert.ok(again.ip)
      await network.detach(c)
    })

    test("detach() and close() leave no link, route, nft table or lease", async (t) => {
      for (const r of [a, b]) {
        const start = performance.now()
        await network.detach(r)
        t.diagnostic(`detach ${r.name}: ${(performance.now() - start).toFixed(1)} ms`)
        await network.detach(r) // idempotent
      }
      await network.close()
      const links = JSON.parse(sh("ip", "-j", "link")) as { ifname: string; master?: string }[]
      assert.deepEqual(
        links.filter((l) => l.ifname === net.bridge || l.master === net.bridge),
        [],
      )
      const routes = sh("ip", "route", "show", "table", "all")
      for (const cidr of [net.podCIDR, net.clusterCIDR, net.serviceCIDR])
        assert.equal(routes.includes(cidr), false, cidr)
      assert.equal(sh("nft", "list", "tables").includes(net.nftTable), false)
      assert.deepEqual(net.leaseFiles(), [])
      for (const ns of namespaces) {
        assert.equal(sh("ip", "netns", "exec", ns, "ip", "-br", "link").includes("eth0"), false)
      }
    })
  })
}

/** The lease files (named by address) under `dir` and its subfolders. */
export function leaseFilesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
      /\d+\.\d+\.\d+\.\d+$/.test(f),
    )
  } catch {
    return []
  }
}
