import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import type { EventRecorder } from "../../client/index.ts"
import { type ClientEnv, skipUnless, startClientEnv } from "../../testing/index.ts"
import { memoryVolumeSize, mountPoints, setUpEmptyDir } from "./empty-dir.ts"
import { VolumeManager } from "./volume-manager.ts"

const isRoot = process.getuid?.() === 0
const events: EventRecorder = { event: () => {} }

test("memoryVolumeSize() is sizeLimit, else the node's memory", () => {
  assert.equal(memoryVolumeSize({ medium: "Memory", sizeLimit: "64Mi" }, 1 << 30), 64 * 1024 * 1024)
  assert.equal(memoryVolumeSize({ medium: "Memory" }, 1 << 30), 1 << 30)
  assert.equal(memoryVolumeSize({ medium: "Memory", sizeLimit: "0" }, 1 << 30), 1 << 30)
})

test("medium Memory without the right to mount is a plain directory, and says so", () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-empty-dir-"))
  const logged: string[] = []
  const log = { info: (_f: unknown, msg: string) => void logged.push(msg) }
  try {
    const path = join(dir, "scratch")
    setUpEmptyDir(path, { medium: "Memory" }, { canMount: false, log: log as never })
    assert.equal(statSync(path).mode & 0o777, 0o777)
    assert.ok(!mountPoints().includes(path))
    assert.deepEqual(logged, ["emptyDir medium Memory without root: a plain directory, not a tmpfs"])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

describe("emptyDir medium Memory as root", skipUnless(isRoot, "mounting a tmpfs needs root"), () => {
  let env: ClientEnv
  let root: string
  let manager: VolumeManager
  before(async () => {
    env = await startClientEnv()
    root = mkdtempSync(join(tmpdir(), "k8ts-empty-dir-"))
    manager = new VolumeManager({
      client: env.inProcess,
      root: join(root, "kubelet"),
      dns: {
        clusterDNS: [],
        clusterDomain: "cluster.local",
        resolvConf: "/nonexistent",
        hostsFile: "/etc/hosts",
      },
    })
  })
  after(async () => {
    await env.stop()
    const left = mountPoints().filter((m) => m.startsWith(root))
    assert.deepEqual(left, [], "nothing stays mounted")
    rmSync(root, { recursive: true, force: true })
  })

  test("is a tmpfs of sizeLimit, kept across syncs and unmounted at teardown", async () => {
    const pod: Pod = {
      metadata: { name: "mem", namespace: "default", uid: "uid-mem" },
      spec: {
        containers: [{ name: "c" }],
        volumes: [{ name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "8Mi" } }],
      },
    }
    assert.equal(await manager.setUp(pod, events), 0)
    const path = manager.volumes("uid-mem").get("scratch")?.path ?? ""
    assert.ok(mountPoints().includes(path), "mounted")
    const fs = statfsSync(path)
    assert.equal(fs.blocks * fs.bsize, 8 * 1024 * 1024)
    assert.equal(statSync(path).mode & 0o777, 0o777)
    writeFileSync(join(path, "kept"), "x")
    assert.equal(await manager.setUp(pod, events), 0)
    assert.equal(readFileSync(join(path, "kept"), "utf8"), "x")
    assert.equal(mountPoints().filter((m) => m === path).length, 1, "mounted once")
    manager.tearDown("uid-mem")
    assert.ok(!mountPoints().includes(path), "unmounted")
  })

  test("an orphaned pod directory with a tmpfs is unmounted before removal", async () => {
    const pod: Pod = {
      metadata: { name: "orphan", namespace: "default", uid: "uid-orphan" },
      spec: { containers: [{ name: "c" }], volumes: [{ name: "m", emptyDir: { medium: "Memory" } }] },
    }
    assert.equal(await manager.setUp(pod, events), 0)
    const path = manager.volumes("uid-orphan").get("m")?.path ?? ""
    assert.ok(mountPoints().includes(path))
    const fresh = new VolumeManager({
      client: env.inProcess,
      root: join(root, "kubelet"),
      dns: {
        clusterDNS: [],
        clusterDomain: "cluster.local",
        resolvConf: "/nonexistent",
        hostsFile: "/etc/hosts",
      },
    })
    fresh.cleanOrphans(new Set())
    assert.ok(!mountPoints().includes(path))
  })
})
