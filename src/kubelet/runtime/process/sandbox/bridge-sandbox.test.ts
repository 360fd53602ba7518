import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, mkdtempSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { BridgeNetwork } from "../../../../network/index.ts"
import { ensureDebianPackage, lockNetworkTests, skipUnless } from "../../../../testing/index.ts"
import type { ContainerConfig, Sandbox } from "../../runtime.ts"
import { ProcessRuntime } from "../process-runtime.ts"
import { removeSandboxTestState } from "./_test-cleanup.ts"
import { mountsUnder } from "./mounts.ts"

// The bridge network writes its hostPort rules with nft.
const canRun = process.getuid?.() === 0 && ensureDebianPackage("nftables", "nft")
// The bridge, routes and nftables table change the host's network: one test run at a time.
lockNetworkTests(canRun)
const node = process.execPath
const SERVER = `require("net").createServer((s) => s.end("hi from " + require("os").hostname())).listen(7070)`

function container(name: string, command: string[]): ContainerConfig {
  return { name, image: "k8ts.test/host", command, args: [], env: {}, attempt: 0 }
}

/** Reads what a TCP server at host:port sends, retrying while it starts. */
async function fetchTcp(host: string, port: number): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const s = connect(port, host)
        let got = ""
        s.on("data", (d) => (got += String(d)))
        s.on("end", () => resolve(got))
        s.on("error", reject)
        s.setTimeout(2000, () => s.destroy(new Error("timeout")))
      })
    } catch (err) {
      if (i > 100) throw err
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}

describe(
  "process runtime sandboxes on a bridge network",
  skipUnless(canRun, "pod sandboxes on a bridge need root and nft"),
  () => {
    // Ranges and names of this file's own, inside the ranges other pod network tests use.
    const n = 1 + Math.floor(Math.random() * 250)
    const tag = randomBytes(3).toString("hex")
    const bridge = `k8tsbs${tag}`
    const cgroupParent = `k8ts-test-${tag}`
    let dir: string
    let network: BridgeNetwork | undefined
    let runtime: ProcessRuntime

    before(() => {
      dir = mkdtempSync(join(tmpdir(), "k8ts-sandbox-bridge-"))
      network = new BridgeNetwork({
        bridge,
        nftTable: `k8ts-test-${tag}`,
        podCIDR: `10.252.${n}.0/25`, // inside the cluster range, whose unreachable route is less specific
        clusterCIDR: `10.252.${n}.0/24`,
        serviceCIDR: `10.253.${n}.0/24`,
        stateDir: join(dir, "network"),
      })
      runtime = new ProcessRuntime({ root: join(dir, "runtime"), network, cgroupParent })
    })

    after(async () => {
      try {
        await runtime?.close(0)
      } finally {
        // Idempotent: takes back the bridge, table and routes should the runtime's close have failed first.
        await network?.close()
        await removeSandboxTestState(dir, cgroupParent)
      }
    })

    const pod = (name: string, extra: object = {}): Promise<Sandbox> =>
      runtime.runSandbox({ podUid: `${name}-${tag}`, namespace: "default", name, hostname: name, ...extra })

    test("pods reach each other and the node reaches them by pod IP; hostPorts forward", async () => {
      const a = await pod("a", {
        portMappings: [{ containerPort: 7070, hostPort: 17000 + n, protocol: "TCP" }],
      })
      const b = await pod("b")
      assert.match(a.ip, new RegExp(`^10\\.252\\.${n}\\.`))
      assert.notEqual(a.ip, b.ip)
      await runtime.start(a, container("server", [node, "-e", SERVER]))
      assert.equal(await fetchTcp(a.ip, 7070), "hi from a")
      const client = await runtime.start(b, container("client", ["sleep", "infinity"]))
      const script = `require("net").connect(7070, "${a.ip}").on("data", (d) => process.stdout.write(d))`
      let r = await runtime.exec(client.id, [node, "-e", script], { timeoutMs: 10_000 })
      for (let i = 0; i < 100 && r.exitCode === 126; i++) {
        await new Promise((res) => setTimeout(res, 10))
        r = await runtime.exec(client.id, [node, "-e", script], { timeoutMs: 10_000 })
      }
      assert.equal(r.stdout, "hi from a")
      assert.equal(await fetchTcp("127.0.0.1", 17000 + n), "hi from a")
      // The node ends of the pods' veths: on the bridge, up, hairpin on.
      const ports = JSON.parse(
        execFileSync("ip", ["-d", "-j", "link", "show", "master", bridge], { encoding: "utf8" }),
      )
      assert.equal(ports.length, 2)
      for (const l of ports as { operstate: string; linkinfo: { info_slave_data: { hairpin: boolean } } }[]) {
        assert.equal(l.operstate, "UP")
        assert.equal(l.linkinfo.info_slave_data.hairpin, true)
      }
    })

    test("closing removes the pods' namespaces, veths, the bridge and the cgroups", async () => {
      await runtime.close(0)
      assert.deepEqual(mountsUnder(dir), [])
      const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" })
      assert.ok(!links.includes(bridge), "the bridge is gone")
      assert.ok(!links.includes(`master ${bridge}`), "no veth is left")
      for (const ctrl of ["memory", "cpu", "cpuacct", "pids"]) {
        assert.ok(!existsSync(`/sys/fs/cgroup/${ctrl}/${cgroupParent}`), `${ctrl} cgroup left`)
      }
    })
  },
)
