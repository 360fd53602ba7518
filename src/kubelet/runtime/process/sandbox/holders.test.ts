import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, test } from "node:test"
import { skipUnless } from "../../../../testing/index.ts"
import { ShimSpawner } from "../spawner.ts"
import { unmountUnder } from "./mounts.ts"

const isRoot = process.getuid?.() === 0

function gone(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      try {
        process.kill(pid, 0)
        setTimeout(check, 5)
      } catch {
        resolve()
      }
    }
    check()
  })
}

describe("pod namespace holders forked by the spawner", skipUnless(isRoot, "namespaces need root"), () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-holders-"))
  const server = new ShimSpawner()
  const pids: number[] = []
  after(async () => {
    for (const pid of pids) {
      try {
        process.kill(-pid, "SIGKILL")
      } catch {
        // gone
      }
    }
    server.close()
    await unmountUnder(dir)
    rmSync(dir, { recursive: true, force: true })
  })

  test("a holder runs its steps, has its own namespaces, hostname and /dev/shm, and runs its ip lines", async () => {
    const shm = join(dir, "a", "shm")
    let asked: number | undefined
    const pid = await server.startHolder({
      steps: [{ dir: shm }, { file: join(dir, "a", "hostname"), value: "pod-a\n" }],
      kinds: ["net", "uts", "ipc"],
      hostname: "pod-a",
      shm,
      cgroups: [],
      podNetwork: async (p) => {
        asked = p
        return { ipBatch: ["link set lo up"], links: [{ up: "lo" }] }
      },
    })
    pids.push(pid)
    assert.equal(asked, pid)
    assert.equal(readFileSync(join(dir, "a", "hostname"), "utf8"), "pod-a\n")
    for (const k of ["net", "uts", "ipc", "mnt"]) {
      assert.notEqual(readlinkSync(`/proc/${pid}/ns/${k}`), readlinkSync(`/proc/self/ns/${k}`), k)
    }
    const inside = (...argv: string[]) =>
      execFileSync("nsenter", ["-t", String(pid), "-n", "-u", "-m", "--", ...argv], { encoding: "utf8" })
    assert.equal(inside("hostname").trim(), "pod-a")
    assert.match(inside("ip", "-br", "link", "show", "lo"), /^lo\s+UNKNOWN/)
    assert.match(readFileSync(`/proc/${pid}/mountinfo`, "utf8"), new RegExp(` ${shm} .* - tmpfs shm `))
    assert.equal(readFileSync(`/proc/${pid}/comm`, "utf8"), "pause\n")
    assert.doesNotMatch(
      readFileSync("/proc/self/mountinfo", "utf8"),
      new RegExp(` ${shm} `),
      "not on the node",
    )
  })

  test("a failed ip line fails the start with ip's message, and the holder is gone", async () => {
    let holder = 0
    await assert.rejects(
      server.startHolder({
        kinds: ["net"],
        hostname: "b",
        cgroups: [],
        podNetwork: async (p) => {
          holder = p
          return { ipBatch: ["link set nosuchdev up"], links: [] }
        },
      }),
      /ip -batch: .*nosuchdev/,
    )
    await gone(holder)
  })

  test("links by netlink: a veth whose end goes to the node, an address, the default route; a failed step fails the start", async () => {
    const peer = `vkt${process.pid % 100000}`
    let holder = 0
    const pid = await server.startHolder({
      kinds: ["net"],
      hostname: "e",
      cgroups: [],
      podNetwork: async () => ({
        ipBatch: [],
        links: [
          { up: "lo" },
          // On no bridge (master 0): this test touches no network of the node's.
          { veth: peer, nodePid: process.pid, master: 0, peer: "eth0" },
          { address: "192.0.2.7", prefix: 24, dev: "eth0" },
          { up: "eth0" },
          { gateway: "192.0.2.1", dev: "eth0" },
        ],
      }),
    })
    pids.push(pid)
    try {
      assert.match(
        execFileSync("ip", ["-br", "link", "show", peer], { encoding: "utf8" }),
        new RegExp(`^${peer}@`),
      )
      const inside = (...argv: string[]) =>
        execFileSync("nsenter", ["-t", String(pid), "-n", "--", ...argv], { encoding: "utf8" })
      assert.match(inside("ip", "-br", "addr", "show", "eth0"), /192\.0\.2\.7\/24/)
      assert.match(inside("ip", "route", "show", "default"), /^default via 192\.0\.2\.1 dev eth0/)
      assert.match(inside("ip", "-br", "link", "show", "lo"), /UNKNOWN|UP/)
    } finally {
      process.kill(pid, "SIGKILL")
      await gone(pid)
    }
    await assert.rejects(
      server.startHolder({
        kinds: ["net"],
        hostname: "f",
        cgroups: [],
        podNetwork: async (p) => {
          holder = p
          return { ipBatch: [], links: [{ up: "nosuchdev" }] }
        },
      }),
      /no device nosuchdev/,
    )
    await gone(holder)
  })

  test("a failed step or ip line source fails the start, and the holder is gone", async () => {
    await assert.rejects(
      server.startHolder({
        steps: [{ file: join(dir, "no", "such", "dir", "f"), value: "x" }],
        kinds: [],
        hostname: "c",
        cgroups: [],
      }),
      /write .*no\/such\/dir\/f/,
    )
    let holder = 0
    await assert.rejects(
      server.startHolder({
        kinds: ["net"],
        hostname: "d",
        cgroups: [],
        podNetwork: async (p) => {
          holder = p
          throw new Error("no address left")
        },
      }),
      /no address left/,
    )
    await gone(holder)
    assert.equal(existsSync(`/proc/${holder}`), false)
  })
})
