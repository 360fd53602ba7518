import assert from "node:assert/strict"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { Cgroups, detectCgroupMode, milliToShares, sharesToWeight } from "./cgroups.ts"

// A cgroup filesystem stand-in: the kernel makes the files, here the test does.
const dirs: string[] = []
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
function fakeRoot(files: string[]): string {
  const d = mkdtempSync(join(tmpdir(), "k8ts-cgroupfs-"))
  dirs.push(d)
  for (const f of files) {
    mkdirSync(join(d, f, ".."), { recursive: true })
    writeFileSync(join(d, f), "")
  }
  return d
}
/** Removes the stand-in's files: the kernel's own never keep a cgroup from being removed. */
function dropFiles(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) dropFiles(join(dir, e.name))
    else rmSync(join(dir, e.name))
  }
}
const read = (root: string, path: string) => readFileSync(join(root, path), "utf8")
const limits = { cpuRequestMilli: 250, cpuLimitMilli: 500, memoryLimitBytes: 33554432, pidsLimit: 64 }

test("the cgroup layout is v2 only when the root is the unified tree", () => {
  assert.equal(detectCgroupMode(fakeRoot(["cgroup.controllers"])), "v2")
  assert.equal(detectCgroupMode(fakeRoot(["memory/cgroup.procs"])), "v1")
})

test("CPU requests become shares and weights as the kubelet and runc convert them", () => {
  assert.equal(milliToShares(250), 256)
  assert.equal(milliToShares(1), 2)
  assert.equal(milliToShares(1000), 1024)
  assert.equal(sharesToWeight(2), 1)
  assert.equal(sharesToWeight(262_144), 10_000)
})

test("v1: limits are written per hierarchy, and the procs files name every hierarchy", () => {
  const root = fakeRoot([])
  const cg = new Cgroups("k8ts/n1", { fsRoot: root, mode: "v1" })
  cg.create("poda/c1", limits)
  assert.equal(read(root, "memory/k8ts/n1/poda/c1/memory.limit_in_bytes"), "33554432")
  assert.equal(read(root, "cpu/k8ts/n1/poda/c1/cpu.cfs_quota_us"), "50000")
  assert.equal(read(root, "cpu/k8ts/n1/poda/c1/cpu.cfs_period_us"), "100000")
  assert.equal(read(root, "cpu/k8ts/n1/poda/c1/cpu.shares"), "256")
  assert.equal(read(root, "pids/k8ts/n1/poda/c1/pids.max"), "64")
  assert.deepEqual(
    cg.procsFiles("poda/c1").map((f) => f.slice(root.length)),
    ["memory", "cpu", "cpuacct", "pids"].map((c) => `/${c}/k8ts/n1/poda/c1/cgroup.procs`),
  )
})

test("v1: an OOM kill is read from memory.oom_control", () => {
  const root = fakeRoot([])
  const cg = new Cgroups("k8ts/n1", { fsRoot: root, mode: "v1" })
  cg.create("poda/c1", undefined)
  const ctl = join(root, "memory/k8ts/n1/poda/c1/memory.oom_control")
  writeFileSync(ctl, "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n")
  assert.equal(cg.oomKilled("poda/c1"), false)
  writeFileSync(ctl, "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
  assert.equal(cg.oomKilled("poda/c1"), true)
})

test("v2: controllers are enabled down the tree, limits use the unified files, OOM from memory.events", () => {
  const root = fakeRoot(["cgroup.controllers"])
  const cg = new Cgroups("k8ts/n1", { fsRoot: root, mode: "v2" })
  cg.create("poda/c1", limits)
  for (const d of ["", "k8ts", "k8ts/n1", "k8ts/n1/poda"]) {
    assert.equal(read(root, join(d, "cgroup.subtree_control")), "+memory+cpu+pids")
  }
  assert.equal(read(root, "k8ts/n1/poda/c1/memory.max"), "33554432")
  assert.equal(read(root, "k8ts/n1/poda/c1/cpu.max"), "50000 100000")
  assert.equal(read(root, "k8ts/n1/poda/c1/cpu.weight"), String(sharesToWeight(256)))
  assert.equal(read(root, "k8ts/n1/poda/c1/pids.max"), "64")
  assert.deepEqual(cg.procsFiles("poda/c1"), [join(root, "k8ts/n1/poda/c1/cgroup.procs")])
  writeFileSync(join(root, "k8ts/n1/poda/c1/memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
  assert.equal(cg.oomKilled("poda/c1"), true)
})

test("usage: CPU time and working set (usage less inactive file pages) on v1 and v2", () => {
  const v1 = fakeRoot([])
  const cg1 = new Cgroups("k8ts/n1", { fsRoot: v1, mode: "v1" })
  cg1.create("poda/c1", undefined)
  assert.equal(cg1.usage("poda/gone"), undefined)
  writeFileSync(join(v1, "cpuacct/k8ts/n1/poda/c1/cpuacct.usage"), "2500000000\n")
  writeFileSync(join(v1, "memory/k8ts/n1/poda/c1/memory.usage_in_bytes"), "50000000\n")
  writeFileSync(
    join(v1, "memory/k8ts/n1/poda/c1/memory.stat"),
    "cache 30000000\nrss 20000000\ninactive_file 1\ntotal_rss 20000000\ntotal_inactive_file 10000000\n",
  )
  assert.deepEqual(cg1.usage("poda/c1"), {
    cpuNanos: 2_500_000_000,
    memoryBytes: 50_000_000,
    workingSetBytes: 40_000_000,
    rssBytes: 20_000_000,
  })

  const v2 = fakeRoot(["cgroup.controllers"])
  const cg2 = new Cgroups("k8ts/n1", { fsRoot: v2, mode: "v2" })
  cg2.create("poda/c1", undefined)
  writeFileSync(join(v2, "k8ts/n1/poda/c1/cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n")
  writeFileSync(join(v2, "k8ts/n1/poda/c1/memory.current"), "8000\n")
  writeFileSync(join(v2, "k8ts/n1/poda/c1/memory.stat"), "anon 3000\nfile 5000\ninactive_file 9000\n")
  assert.deepEqual(cg2.usage("poda/c1"), {
    cpuNanos: 1_500_000,
    memoryBytes: 8000,
    workingSetBytes: 0,
    rssBytes: 3000,
  })
})

test("removeParent() removes the parent, and the ancestors this run created when nothing else is in them", () => {
  for (const mode of ["v1", "v2"] as const) {
    const made = fakeRoot(mode === "v2" ? ["cgroup.controllers"] : [])
    const cg = new Cgroups("k8ts/n1", { fsRoot: made, mode })
    cg.create("poda/c1", undefined)
    const other = cg.dirs("").map((d) => join(d, "..", "n2"))
    other.forEach((d) => mkdirSync(d)) // another node's parent, made later, keeps k8ts
    cg.dirs("poda").forEach((d) => rmSync(d, { recursive: true, force: true }))
    dropFiles(made)
    cg.removeParent()
    for (const d of cg.dirs("")) assert.equal(existsSync(d), false, `${mode}: ${d}`)
    for (const d of other) assert.equal(existsSync(d), true, `${mode}: ${d}`)
    other.forEach((d) => rmSync(d, { recursive: true }))
    cg.removeParent()
    for (const d of cg.dirs("")) assert.equal(existsSync(join(d, "..")), false, `${mode}: k8ts is gone`)
    assert.equal(existsSync(made), true)

    // k8ts was there before: it stays, empty or not.
    const before = fakeRoot(mode === "v2" ? ["cgroup.controllers", "k8ts/x"] : ["pids/k8ts/x"])
    rmSync(join(before, mode === "v2" ? "k8ts/x" : "pids/k8ts/x"))
    const kept = new Cgroups("k8ts/n1", { fsRoot: before, mode })
    kept.create("", undefined)
    dropFiles(before)
    kept.removeParent()
    assert.equal(existsSync(join(before, mode === "v2" ? "k8ts" : "pids/k8ts")), true)
    for (const d of kept.dirs("")) assert.equal(existsSync(d), false)
  }
})

test("update() writes the limits given in place and leaves the others", () => {
  for (const mode of ["v1", "v2"] as const) {
    const root = fakeRoot(mode === "v2" ? ["cgroup.controllers"] : [])
    const cg = new Cgroups("k8ts/n1", { fsRoot: root, mode })
    cg.create("poda/c1", limits)
    cg.update("poda/c1", { cpuRequestMilli: 500, memoryLimitBytes: 67108864 })
    const at = (v1: string, v2: string) => read(root, mode === "v1" ? v1 : v2)
    assert.equal(at("memory/k8ts/n1/poda/c1/memory.limit_in_bytes", "k8ts/n1/poda/c1/memory.max"), "67108864")
    assert.equal(
      at("cpu/k8ts/n1/poda/c1/cpu.shares", "k8ts/n1/poda/c1/cpu.weight"),
      mode === "v1" ? "512" : String(sharesToWeight(512)),
    )
    // The CPU limit was not given: it stays.
    assert.equal(
      at("cpu/k8ts/n1/poda/c1/cpu.cfs_quota_us", "k8ts/n1/poda/c1/cpu.max"),
      mode === "v1" ? "50000" : "50000 100000",
    )
    cg.update("poda/c1", { cpuLimitMilli: 1500, memoryLimitBytes: 16777216 })
    assert.equal(
      at("cpu/k8ts/n1/poda/c1/cpu.cfs_quota_us", "k8ts/n1/poda/c1/cpu.max"),
      mode === "v1" ? "150000" : "150000 100000",
    )
    assert.equal(at("memory/k8ts/n1/poda/c1/memory.limit_in_bytes", "k8ts/n1/poda/c1/memory.max"), "16777216")
  }
})
