import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { skipUnless } from "../../../../testing/index.ts"
import type { ContainerConfig, ContainerInfo, Sandbox, SandboxConfig } from "../../runtime.ts"
import { ProcessRuntime } from "../process-runtime.ts"
import { removeSandboxTestState } from "./_test-cleanup.ts"
import { LoopbackOnlyNetwork } from "./_test-network.ts"
import { mountsUnder } from "./mounts.ts"

const isRoot = process.getuid?.() === 0

const node = process.execPath

function container(name: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return { name, image: "k8ts.test/host", command, args: [], env: {}, attempt: 0, ...extra }
}

const sleeper = (name: string, extra: Partial<ContainerConfig> = {}) =>
  container(name, ["sleep", "infinity"], extra)

describe("process runtime sandboxes", skipUnless(isRoot, "pod sandboxes need root"), () => {
  let dir: string
  let runtime: ProcessRuntime
  let network: LoopbackOnlyNetwork
  // Two levels of this test's own, like a node's k8ts/<node>: the runtime made both and removes both.
  const cgroupTop = `k8ts-test-${randomBytes(4).toString("hex")}`
  const cgroupParent = `${cgroupTop}/node`
  const pids: number[] = []
  let n = 0

  async function pod(extra: Partial<SandboxConfig> = {}): Promise<Sandbox> {
    n++
    return runtime.runSandbox({
      podUid: `uid-${n}-${randomBytes(3).toString("hex")}`,
      namespace: "default",
      name: `pod-${n}`,
      hostname: `pod-${n}`,
      ...extra,
    })
  }

  async function start(sb: Sandbox, c: ContainerConfig): Promise<ContainerInfo> {
    const info = await runtime.start(sb, c)
    if (info.pid) pids.push(info.pid)
    return info
  }

  function waitExit(id: string): Promise<ContainerInfo> {
    return new Promise((resolve) => {
      const now = runtime.list().find((c) => c.id === id)
      if (now?.state === "exited") return resolve(now)
      const off = runtime.onExit((c) => {
        if (c.id !== id) return
        off()
        resolve(c)
      })
    })
  }

  /** Runs `sh -c script` in a container until it succeeds (its process may still be starting). */
  async function sh(id: string, script: string) {
    for (let i = 0; ; i++) {
      const r = await runtime.exec(id, ["sh", "-c", script], { timeoutMs: 10_000 })
      if (r.exitCode !== 126 || i > 100) return r
      await new Promise((res) => setTimeout(res, 10))
    }
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "k8ts-sandbox-"))
    network = new LoopbackOnlyNetwork()
    runtime = new ProcessRuntime({ root: dir, network, cgroupParent })
  })

  after(async () => {
    try {
      await runtime?.close(0)
    } finally {
      for (const pid of pids) {
        try {
          process.kill(-pid, "SIGKILL")
        } catch {
          // gone
        }
      }
      await removeSandboxTestState(dir, cgroupTop)
    }
  })

  test("containers of a pod share the network and IPC namespaces, other pods do not", async () => {
    const a = await pod()
    const b = await pod()
    assert.match(a.ip, /^10\.252\./)
    assert.ok(a.netnsPath && existsSync(a.netnsPath))
    const server = `require("net").createServer((s) => s.end("hi")).listen(7070, "127.0.0.1")`
    await start(a, container("server", [node, "-e", server]))
    const client = await start(a, sleeper("client"))
    const other = await start(b, sleeper("other"))
    const connect = `${node} -e 'require("net").connect(7070, "127.0.0.1").on("data", (d) => process.stdout.write(d)).on("error", (e) => { console.log(e.code); process.exit(1) })'`
    let r = await sh(client.id, `for i in $(seq 100); do ${connect} && exit 0; sleep 0.05; done; exit 1`)
    // Tries while the server starts (each refused one prints ECONNREFUSED) until it answers.
    assert.equal(r.exitCode, 0, r.stdout)
    assert.equal(r.stdout.split("\n").at(-1), "hi")
    r = await sh(other.id, connect)
    assert.equal(r.stdout.trim(), "ECONNREFUSED")

    r = await sh(client.id, "echo shared > /dev/shm/k8ts-test && ipcmk -M 4096 | grep -o '[0-9]*$'")
    assert.equal(r.exitCode, 0, r.stderr)
    const shmid = r.stdout.trim()
    const server2 = await start(a, sleeper("third"))
    r = await sh(server2.id, `cat /dev/shm/k8ts-test; ipcs -m | grep -c " ${shmid} " || true`)
    assert.equal(r.stdout, "shared\n1\n")
    r = await sh(other.id, `cat /dev/shm/k8ts-test 2>/dev/null; ipcs -m | grep -c " ${shmid} " || true`)
    assert.equal(r.stdout, "0\n")
    assert.ok(!existsSync("/dev/shm/k8ts-test"), "the node's /dev/shm is untouched")
  })

  test("the hostname is the pod's, and the container has its own PID namespace", async () => {
    const sb = await pod({ hostname: "my-host" })
    const c = await start(sb, sleeper("main"))
    const all =
      "for p in /proc/[0-9]*; do [ $p = /proc/$$ ] || { tr '\\0' ' ' < $p/cmdline; echo; }; done 2>/dev/null"
    assert.equal((await sh(c.id, "cat /etc/hostname")).stdout, "my-host\n")
    const script = `hostname; tr '\\0' ' ' < /proc/1/cmdline; echo; ${all}`
    let r = await sh(c.id, script)
    for (let i = 0; i < 200 && !r.stdout.includes("sleep infinity"); i++) r = await sh(c.id, script)
    const [hostname, init, ...procs] = r.stdout.split("\n").filter(Boolean)
    assert.equal(hostname, "my-host")
    // PID 1 is the launcher, which runs the container's program as its child.
    assert.match(init ?? "", /^k8ts-launcher|launcher\.sh root/)
    assert.ok(
      procs.some((p) => p.endsWith("sleep infinity ")),
      r.stdout,
    )
    // The launcher, the program, and this exec's own processes: nothing of the node's.
    assert.ok(procs.length <= 5, `processes seen: ${procs.join(", ")}`)
  })
  test("the container's root has the node's /dev and /sys, its own /proc and the pod's /dev/shm", async () => {
    const sb = await pod({ hostname: "mounts" })
    const c = await start(sb, sleeper("main"))
    const r = await sh(c.id, "cat /proc/self/mountinfo")
    // mount point → filesystem type (the first field after " - ")
    const points = new Map(
      r.stdout.split("\n").map((l) => [l.split(" ")[4], l.split(" - ")[1]?.split(" ")[0]]),
    )
    for (const p of ["/", "/dev", "/sys", "/dev/shm"]) assert.ok(points.has(p), `${p} missing: ${r.stdout}`)
    assert.equal(points.get("/proc"), "proc")
    assert.equal(points.get("/dev/shm"), "tmpfs")
    assert.ok(!points.has("/.oldroot"), "the node's root is unmounted")
  })

  test("shareProcessNamespace puts the pod's containers in one PID namespace", async () => {
    const sb = await pod({ shareProcessNamespace: true })
    await start(sb, container("a", ["sleep", "12345"]))
    const b = await start(sb, sleeper("b"))
    const r = await sh(b.id, "cat /proc/[0-9]*/cmdline | tr '\\0' ' '")
    assert.match(r.stdout, /sleep 12345/)
    assert.match(r.stdout, /sleep infinity/)
  })

  test("mounts appear at their containerPath, read-only when asked, and the node gains no directory", async () => {
    // Under the suite's folder, so the after() removes them should the test fail.
    const host = mkdtempSync(join(dir, "vol-"))
    writeFileSync(join(host, "f"), "data")
    const rw = mkdtempSync(join(dir, "vol-"))
    const top = `/k8ts-test-${randomBytes(4).toString("hex")}`
    const sb = await pod()
    const c = await start(
      sb,
      sleeper("main", {
        mounts: [
          { hostPath: host, containerPath: `${top}/ro`, readOnly: true },
          { hostPath: rw, containerPath: `${top}/rw`, readOnly: false },
          { hostPath: join(host, "f"), containerPath: "/etc/k8ts-test-file", readOnly: true },
        ],
      }),
    )
    const r = await sh(
      c.id,
      `cat ${top}/ro/f /etc/k8ts-test-file; touch ${top}/ro/x 2>/dev/null || echo ro; echo w > ${top}/rw/y`,
    )
    assert.equal(r.stdout, "datadataro\n")
    assert.ok(!existsSync(top), "no directory on the node")
    assert.ok(!existsSync("/etc/k8ts-test-file"), "no file on the node")
    assert.ok(existsSync(join(rw, "y")), "writes reach a read-write mount")
    rmSync(host, { recursive: true })
    rmSync(rw, { recursive: true })
  })

  test("the root's writes land on the node's disk under layers/<id>, the pods' folders in a tmpfs", async () => {
    const sb = await pod()
    const c = await start(sb, sleeper("main"))
    // Without a workingDir the program starts in its root, as an OCI runtime starts it.
    const r = await sh(c.id, "pwd && echo hi >/written && cat /written")
    assert.equal(r.stdout, "/\nhi\n")
    assert.equal(readFileSync(join(dir, "layers", c.id, "upper", "written"), "utf8"), "hi\n")
    assert.ok(!existsSync("/written"))
    const pods = readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .find((l) => l.split(" ")[4] === join(dir, "pods"))
    assert.match(pods ?? "", / - tmpfs k8ts-pods /)
    await runtime.removeSandbox(sb.id)
    assert.ok(!existsSync(join(dir, "layers", c.id)))
  })

  test("a container over its memory limit is OOMKilled", async () => {
    const sb = await pod()
    const c = await start(
      sb,
      container("hog", ["sh", "-c", "x=0123456789; while :; do x=$x$x; done"], {
        resources: { memoryLimitBytes: 32 * 1024 * 1024 },
      }),
    )
    const done = await waitExit(c.id)
    assert.equal(done.exitCode, 137)
    assert.equal(done.reason, "OOMKilled")
  })

  test("the pids limit holds, also for exec", async () => {
    const sb = await pod()
    const c = await start(sb, sleeper("main", { resources: { pidsLimit: 6 } }))
    const r = await sh(c.id, "for i in 1 2 3 4 5 6 7 8; do sleep 5 >/dev/null 2>&1 & done; echo started")
    assert.match(r.stderr, /fork|Resource temporarily unavailable/)
  })

  for (const shareProcessNamespace of [false, true]) {
    test(`stop gives the program its SIGTERM and grace (shareProcessNamespace: ${shareProcessNamespace})`, async () => {
      const sb = await pod({ shareProcessNamespace })
      const script = 'trap "echo bye; exit 0" TERM; while :; do sleep 0.05; done'
      const c = await start(sb, container("main", ["sh", "-c", script]))
      await sh(c.id, "true")
      await runtime.stop(c.id, 20_000)
      const done = runtime.list().find((x) => x.id === c.id)
      assert.equal(done?.exitCode, 0)
      assert.match(readFileSync(c.logPath, "utf8"), /stdout F bye/)
    })
  }

  test("a hostNetwork pod has the node's network, hostname and address", async () => {
    const sb = await pod({ hostNetwork: true })
    assert.equal(sb.ip, "127.0.0.1")
    assert.equal(sb.netnsPath, undefined)
    const c = await start(sb, sleeper("main"))
    const r = await sh(c.id, "hostname")
    assert.equal(r.stdout.trim(), hostname())
  })

  test("removing sandboxes and closing leaves no namespace, mount, cgroup or process", async () => {
    const sb = await pod()
    const c = await start(sb, sleeper("main", { resources: { memoryLimitBytes: 64 * 1024 * 1024 } }))
    await sh(c.id, "true")
    const launcher = c.pid as number
    await runtime.removeSandbox(sb.id)
    assert.ok(!existsSync(join(dir, "pods", sb.podUid)))
    await runtime.close(0)
    assert.deepEqual(mountsUnder(dir), [])
    assert.deepEqual(readdirSync(join(dir, "pods")), [])
    for (const ctrl of ["memory", "cpu", "cpuacct", "pids"]) {
      assert.ok(!existsSync(`/sys/fs/cgroup/${ctrl}/${cgroupTop}`), `${ctrl} cgroup left`)
    }
    assert.equal(network.attached.size, 0)
    for (const pid of [launcher, ...pids]) assert.ok(!existsSync(`/proc/${pid}`), `process ${pid} left`)
    mkdirSync(join(dir, "pods"), { recursive: true })
  })
})

describe("process runtime sandboxes after a crash", skipUnless(isRoot, "pod sandboxes need root"), () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-sandbox-crash-"))
  const cgroupParent = `k8ts-test-${randomBytes(4).toString("hex")}`
  const pids = new Set<number>()

  after(async () => {
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // gone
      }
    }
    await removeSandboxTestState(dir, cgroupParent)
  })

  function cgroupPids(): number[] {
    const out: number[] = []
    const walk = (d: string) => {
      if (!existsSync(d)) return
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name))
      out.push(...readFileSync(join(d, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number))
    }
    walk(`/sys/fs/cgroup/pids/${cgroupParent}`)
    return out
  }

  test("a new runtime removes what the previous one left: processes, mounts, cgroups", async () => {
    const crashed = new ProcessRuntime({ root: dir, network: new LoopbackOnlyNetwork(), cgroupParent })
    const sb = await crashed.runSandbox({
      podUid: "left",
      namespace: "default",
      name: "left",
      hostname: "left",
      shareProcessNamespace: true,
    })
    const c = await crashed.start(sb, sleeper("main"))
    for (let i = 0; i < 200 && cgroupPids().length < 3; i++) await new Promise((r) => setTimeout(r, 10))
    for (const pid of cgroupPids()) pids.add(pid)
    assert.ok(pids.size >= 3, "the holder, its sleep and the container run in the pod's cgroups")
    // The pod's mounts (its /dev/shm) live in its own mount namespace; the node's has only the
    // tmpfs of the pods' folders.
    assert.deepEqual(mountsUnder(dir), [join(dir, "pods")])
    // The process "crashes": nothing is stopped. A new runtime starts on the same root.
    const next = new ProcessRuntime({ root: dir, network: new LoopbackOnlyNetwork(), cgroupParent })
    await next.close(0)
    assert.deepEqual(mountsUnder(dir), [])
    assert.ok(!existsSync(join(dir, "pods", "left")))
    for (const ctrl of ["memory", "cpu", "cpuacct", "pids"]) {
      assert.ok(!existsSync(`/sys/fs/cgroup/${ctrl}/${cgroupParent}`), `${ctrl} cgroup left`)
    }
    for (let i = 0; i < 300 && [...pids, c.pid as number].some(isRunning); i++) {
      await new Promise((r) => setTimeout(r, 10))
    }
    for (const pid of [...pids, c.pid as number]) {
      const what = isRunning(pid) ? readFileSync(`/proc/${pid}/cmdline`, "utf8") : ""
      assert.ok(!isRunning(pid), `process ${pid} left: ${what}`)
    }
  })
})

/** Whether `pid` is a live process (not gone, not a zombie). */
function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+[ZX]/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))
  } catch {
    return false
  }
}

describe("process runtime sandboxes after a restart", skipUnless(isRoot, "pod sandboxes need root"), () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-sandbox-restart-"))
  const cgroupParent = `k8ts-test-${randomBytes(4).toString("hex")}`
  let next: ProcessRuntime | undefined

  after(async () => {
    try {
      await next?.close(0)
    } finally {
      await removeSandboxTestState(dir, cgroupParent)
    }
  })

  test("a new runtime adopts the pods a released one left: namespaces, address, containers", async () => {
    const network = new LoopbackOnlyNetwork()
    const first = new ProcessRuntime({ root: dir, network, cgroupParent })
    const sb = await first.runSandbox({
      podUid: "kept",
      namespace: "default",
      name: "kept",
      hostname: "kept",
    })
    const c = await first.start(sb, sleeper("main"))
    const gone = await first.runSandbox({
      podUid: "gone",
      namespace: "default",
      name: "gone",
      hostname: "gone",
    })
    const other = await first.start(gone, sleeper("main"))
    await first.release(0)
    // A pod whose holder died meanwhile is not adopted: its containers are stopped.
    const holder = readFileSync(join(dir, "pods", "gone", "sandbox.json"), "utf8")
    process.kill((JSON.parse(holder) as { pod: { ns: { holder: number } } }).pod.ns.holder, "SIGKILL")
    for (let i = 0; i < 200 && isRunning(JSON.parse(holder).pod.ns.holder); i++)
      await new Promise((r) => setTimeout(r, 5))

    next = new ProcessRuntime({ root: dir, network, cgroupParent })
    assert.deepEqual(
      next.sandboxes().map((s) => [s.id, s.ip, s.netnsPath]),
      [[sb.id, sb.ip, sb.netnsPath]],
    )
    const kept = next.list().find((x) => x.id === c.id)
    assert.equal(kept?.state, "running")
    assert.equal(kept?.pid, c.pid)
    const r = await next.exec(c.id, ["sh", "-c", "hostname; pwd"], { timeoutMs: 10_000 })
    assert.equal(r.stdout, "kept\n/\n")
    const pid = (id: string) => next?.list().find((x) => x.id === id)?.pid
    assert.equal(pid(other.id), undefined)
    for (let i = 0; i < 300 && isRunning(other.pid as number); i++)
      await new Promise((r) => setTimeout(r, 10))
    assert.ok(!isRunning(other.pid as number), "the container of the pod not adopted is stopped")
    // The new runtime removes what the other pod left once it is ready.
    await next.runSandbox({ podUid: "new", namespace: "default", name: "new", hostname: "new" })
    assert.ok(!existsSync(join(dir, "pods", "gone")))
    assert.ok(existsSync(`/sys/fs/cgroup/pids/${cgroupParent}/podkept`))
    assert.ok(!existsSync(`/sys/fs/cgroup/pids/${cgroupParent}/podgone`))

    await next.close(0)
    next = undefined
    assert.ok(!isRunning(c.pid as number))
    assert.deepEqual(mountsUnder(dir), [])
    for (const ctrl of ["memory", "cpu", "cpuacct", "pids"]) {
      assert.ok(!existsSync(`/sys/fs/cgroup/${ctrl}/${cgroupParent}`), `${ctrl} cgroup left`)
    }
    assert.equal(network.attached.size, 0)
  })
})
