import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { fileURLToPath } from "node:url"
import type { Pod } from "kubernetes-types/core/v1.js"
import { Pods } from "../api/index.ts"
import { type ClientEnv, nodePod, startClientEnv, until } from "../testing/index.ts"
import { Kubelet } from "./kubelet.ts"
import { ProcessRuntime } from "./runtime/process/process-runtime.ts"
import { KubeletServer } from "./server.ts"

const CHILD = fileURLToPath(new URL("./_kubelet-child.ts", import.meta.url))
const NODE = "node-adopt"
const RANGE = "127.245.7.0/24"

/** Whether `pid` is a live process (not gone, not a zombie). */
function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+[ZX]/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))
  } catch {
    return false
  }
}

/** Live processes whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  const out: string[] = []
  for (const p of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " ")
      if (cmd.includes(text) && isRunning(Number(p))) out.push(`${p}: ${cmd}`)
    } catch {
      // gone
    }
  }
  return out
}

const pod = (name: string, spec: Partial<Pod["spec"]> & object) => nodePod(NODE, name, spec)

describe("a restarted kubelet adopts the containers of the one that crashed", () => {
  let env: ClientEnv
  let dir: string
  let child: ChildProcess | undefined
  const stop = new AbortController()
  let running: Promise<void> | undefined
  let server: KubeletServer | undefined
  let runtime: ProcessRuntime
  const pods = () => env.inProcess.resource(Pods)
  const get = (name: string) => pods().get({ namespace: "default", name })
  const log = (name: string) =>
    env.inProcess.request<string>({
      method: "GET",
      ref: Pods,
      namespace: "default",
      name,
      subresource: "log",
    })
  /** The PIDs the first kubelet's runtime recorded, by container name. */
  const pidsOf = () => {
    const out = new Map<string, { pid: number; shimPid: number }>()
    const stateDir = join(dir, "runtime", "state")
    for (const f of readdirSync(stateDir).filter((f) => f.endsWith(".json"))) {
      const s = JSON.parse(readFileSync(join(stateDir, f), "utf8")) as {
        info: { name: string }
        pid: number
        shimPid: number
      }
      out.set(s.info.name, { pid: s.pid, shimPid: s.shimPid })
    }
    return out
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-adopt-"))
    env = await startClientEnv()
  })

  after(async () => {
    child?.kill("SIGKILL")
    stop.abort()
    await running
    await server?.close()
    await env.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const started = new Map<string, Pod>()
  let ticker = { pid: 0, shimPid: 0 }
  let sleeper = { pid: 0, shimPid: 0 }

  test("a kubelet runs pods, then crashes: its containers outlive it", async () => {
    child = spawn(process.execPath, ["--import", "tsx", CHILD, env.url, dir, RANGE, NODE], {
      stdio: ["ignore", "pipe", "inherit"],
    })
    await new Promise<void>((resolve) => child?.stdout?.once("data", () => resolve()))
    await pods().create(
      pod("keep", {
        containers: [
          {
            name: "ticker",
            image: "busybox",
            command: ["sh", "-c", "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.05; done"],
          },
        ],
      }),
    )
    await pods().create(
      pod("later", {
        restartPolicy: "Never",
        containers: [{ name: "seven", image: "busybox", command: ["sh", "-c", "sleep 2; exit 7"] }],
      }),
    )
    await pods().create(
      pod("last-words", {
        restartPolicy: "Never",
        containers: [
          {
            name: "file",
            image: "busybox",
            command: ["sh", "-c", "sleep 2; printf 'bye from the file' > /dev/termination-log; exit 3"],
          },
          {
            name: "logs",
            image: "busybox",
            command: ["sh", "-c", "echo last words; sleep 2; exit 4"],
            terminationMessagePolicy: "FallbackToLogsOnError",
          },
        ],
      }),
    )
    await pods().create(pod("gone", { containers: [{ name: "sleeper", image: "pause" }] }))
    for (const name of ["keep", "later", "last-words", "gone"]) {
      started.set(
        name,
        await until(`${name} running`, async () => {
          const p = await get(name)
          return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined
        }),
      )
    }
    const pids = pidsOf()
    ticker = pids.get("ticker") ?? ticker
    sleeper = pids.get("sleeper") ?? sleeper
    assert.ok(ticker.pid && sleeper.pid && pids.get("seven"))

    // The kubelet crashes: nothing stops its containers, which now belong to no one.
    child.kill("SIGKILL")
    await new Promise((resolve) => child?.once("exit", resolve))
    child = undefined
    assert.ok(isRunning(ticker.pid), "the container outlives the kubelet")
    assert.ok(isRunning(ticker.shimPid), "so does its shim")
    // Meanwhile a pod is deleted for good (no kubelet confirms it).
    await pods().delete({ namespace: "default", name: "gone" }, { gracePeriodSeconds: 0 })
    await until("gone deleted", async () => !(await get("gone").catch(() => undefined)))
  })

  test("a new kubelet on the same data dir adopts the running processes", async () => {
    // A new kubelet starts on the same data dir.
    runtime = new ProcessRuntime({ root: join(dir, "runtime"), podRange: RANGE })
    const holder: { kubelet?: Kubelet } = {}
    server = new KubeletServer({
      records: (ns, name) => holder.kubelet?.record(ns, name),
      runtime,
      host: "127.0.0.1",
      port: 0,
    })
    const port = await server.listen()
    holder.kubelet = new Kubelet({
      client: env.inProcess,
      nodeName: NODE,
      address: "127.0.0.1",
      runtime,
      dataDir: dir,
      kubeletPort: port,
    })
    running = holder.kubelet.run(stop.signal)

    const adopted = runtime.list().find((c) => c.name === "ticker")
    assert.equal(adopted?.pid, ticker.pid)
    assert.equal(adopted?.state, "running")
  })

  test("the adopted pod keeps its container id, start, restart count, address and log", async () => {
    const was = started.get("keep")?.status?.containerStatuses?.[0]
    const lines = (await until("the log through the new kubelet", () => log("keep"))).split("\n").length
    assert.match(await log("keep"), /^tick 0\n/, "the log from before the crash is kept")
    await until("more log lines", async () => (await log("keep")).split("\n").length > lines + 3)
    const keep = await get("keep")
    const now = keep.status?.containerStatuses?.[0]
    assert.equal(now?.containerID, was?.containerID)
    assert.equal(now?.restartCount, 0)
    assert.equal(now?.state?.running?.startedAt, was?.state?.running?.startedAt)
    assert.equal(keep.status?.podIP, started.get("keep")?.status?.podIP)
    assert.ok(isRunning(ticker.pid), "the same process still runs")
  })

  test("exec reaches the adopted container's environment", async () => {
    const keep = await get("keep")
    const adopted = runtime.list().find((c) => c.name === "ticker")
    const exec = await runtime.exec(adopted?.id ?? "", ["sh", "-c", "echo $K8TS_POD_IP"], { timeoutMs: 5000 })
    assert.deepEqual([exec.exitCode, exec.stdout], [0, `${keep.status?.podIP}\n`])
  })

  test("the deleted pod's container is killed; an exit while no kubelet ran is reported with its code", async () => {
    await until("the deleted pod's process killed", async () => !isRunning(sleeper.pid))
    const later = await until("later terminated", async () => {
      const p = await get("later")
      return p.status?.containerStatuses?.[0]?.state?.terminated ? p : undefined
    })
    const st = later.status?.containerStatuses?.[0]
    assert.equal(st?.state?.terminated?.exitCode, 7)
    assert.equal(st?.restartCount, 0)
    assert.equal(st?.containerID, started.get("later")?.status?.containerStatuses?.[0]?.containerID)
    await until("later Failed", async () => (await get("later")).status?.phase === "Failed")
  })

  test("the termination messages of containers that exited while no kubelet ran are reported", async () => {
    const done = await until("last-words terminated", async () => {
      const p = await get("last-words")
      return p.status?.containerStatuses?.every((s) => s.state?.terminated) ? p : undefined
    })
    const byName = new Map(done.status?.containerStatuses?.map((s) => [s.name, s.state?.terminated]))
    assert.equal(byName.get("logs")?.exitCode, 4)
    assert.equal(byName.get("logs")?.message, "last words\n", "FallbackToLogsOnError: the log's tail")
    assert.equal(byName.get("file")?.exitCode, 3)
    // The file at terminationMessagePath reaches the container where the runtime can mount it.
    if (!runtime.mountsUnavailable?.()) assert.equal(byName.get("file")?.message, "bye from the file")
  })

  test("the node shuts down: every container stops, and nothing is left behind", async () => {
    stop.abort()
    await running
    for (const pid of [ticker.pid, ticker.shimPid]) assert.ok(!isRunning(pid), `process ${pid} left`)
    assert.deepEqual(processesMentioning(dir), [])
  })
})
