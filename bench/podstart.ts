/**
 * `npm run bench -- podstart`: pods (pause) created at once on one node — an API server on
 * SQLite and a kubelet with the process runtime in one process — timed from create to Running
 * as a watch sees it: p50, p99 and total, for 100 pods and then 1,000 (BENCH_PODS="100,1000").
 * Baseline in the same run: spawning the same processes directly from Node (create → spawned).
 * Last line: value = p99 create→Running in ms for the first size, ratio = that over the direct
 * spawn p99 of the same count.
 *
 * `--sandbox` (root): the same with full pod sandboxes on a bridge network of the run's own
 * (bench/_sandbox.ts), 100 pods by default; the baseline is then bare `unshare` + veth set-up of
 * the same count, and it also prints one container's start cost, loopback against sandbox, and
 * the CPU time the pods' start took (this process, the spawner, the pods' cgroups).
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../src/api/index.ts"
import { createApiServer } from "../src/apiserver/index.ts"
import { InProcessClient } from "../src/client/index.ts"
import { Kubelet, ProcessRuntime } from "../src/kubelet/index.ts"
import { SqliteStore } from "../src/storage/index.ts"
import { silentLogger } from "../src/util/index.ts"
import {
  bareSandboxes,
  benchNetwork,
  containerStarts,
  printTimeline,
  recordTimeline,
  startCpuMeter,
  type StartCpu,
} from "./_sandbox.ts"

const SANDBOX = process.argv.includes("--sandbox")
const SIZES = (process.env.BENCH_PODS ?? (SANDBOX ? "100" : "100,1000")).split(",").map(Number)
const NODE = "bench-node"

/** Processes forked on the machine since boot (/proc/stat). */
function forkCount(): number {
  return Number(/^processes (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1] ?? 0)
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0
}

/** Spawns `n` sleepers at once; ms from each spawn call to its spawn event. */
async function directSpawn(n: number): Promise<number[]> {
  const times: number[] = []
  const children = await Promise.all(
    Array.from({ length: n }, () => {
      const t = performance.now()
      const c = spawn("sleep", ["infinity"], { stdio: "ignore", detached: true })
      return new Promise<typeof c>((resolve) =>
        c.once("spawn", () => {
          times.push(performance.now() - t)
          resolve(c)
        }),
      )
    }),
  )
  for (const c of children) process.kill(-(c.pid as number), "SIGKILL")
  return times.sort((a, b) => a - b)
}

async function podStart(
  client: InProcessClient,
  n: number,
  round: number,
  syncs: () => Promise<number>,
  cpuMark?: () => () => StartCpu,
): Promise<{
  times: number[]
  totalMs: number
  createdByUid: Map<string, number>
  writes: number
  podSyncs: number
  cpu?: StartCpu
}> {
  const pods = client.resource(Pods)
  // Pod writes after the create (the kubelet's status writes) until the last pod runs.
  let writes = 0
  const created = new Map<string, number>()
  const createdByUid = new Map<string, number>()
  const running = new Map<string, number>()
  const ac = new AbortController()
  const all = new Promise<void>((resolve) => {
    void (async () => {
      for await (const e of pods.watch(
        { namespace: "default", labelSelector: `round=${round}` },
        ac.signal,
      )) {
        const name = e.object.metadata?.name ?? ""
        if (e.type === "MODIFIED" && running.size < n) writes++
        if (e.object.status?.phase === "Running" && !running.has(name)) {
          running.set(name, performance.now())
          if (running.size === n) resolve()
        }
      }
    })().catch(() => undefined)
  })
  await new Promise((r) => setTimeout(r, 50)) // the watch is open
  const syncs0 = await syncs()
  const t0 = performance.now()
  const cpuEnd = cpuMark?.()
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const name = `p${round}-${i}`
      const at = performance.now()
      created.set(name, at)
      const made = await pods.create({
        metadata: { name, namespace: "default", labels: { round: String(round) } },
        spec: {
          nodeName: NODE,
          terminationGracePeriodSeconds: 0,
          containers: [{ name: "pause", image: "registry.k8s.io/pause:3.10" }],
        },
      } as Pod & ApiObject)
      createdByUid.set(made.metadata?.uid ?? name, at)
    }),
  )
  await all
  const totalMs = performance.now() - t0
  const cpu = cpuEnd?.() // before the pods' cgroups go
  const podSyncs = (await syncs()) - syncs0
  ac.abort()
  const times = [...running].map(([name, at]) => at - (created.get(name) ?? at)).sort((a, b) => a - b)
  await Promise.all(
    [...created.keys()].map((name) =>
      pods.delete({ namespace: "default", name }, { gracePeriodSeconds: 0 }).catch(() => undefined),
    ),
  )
  return { times, totalMs, createdByUid, writes, podSyncs, ...(cpu ? { cpu } : {}) }
}

/** One container's start cost, one at a time: the loopback mode against the sandbox's. */
async function startCosts(sandboxed: ProcessRuntime, dir: string): Promise<void> {
  const loopback = new ProcessRuntime({ root: join(dir, "loopback"), podRange: "127.241.0.0/16" })
  const plain = await containerStarts(loopback, 20)
  await loopback.close(0)
  const boxed = await containerStarts(sandboxed, 20)
  const line = (t: number[]) =>
    `p50 ${percentile(t, 50).toFixed(1)} ms, p90 ${percentile(t, 90).toFixed(1)} ms`
  console.log(`container start until its program runs (20, one at a time): loopback ${line(plain)}`)
  console.log(`                                                            sandbox  ${line(boxed)}`)
}

/** Prints what the pods' start cost in CPU time, with the load average; returns the total (ms). */
function printCpu(start: StartCpu): number {
  const total = start.node + start.spawner + start.pods
  const parts = `this process ${start.node.toFixed(0)}, the spawner and its forks ${start.spawner.toFixed(0)}, the pods' cgroups ${start.pods.toFixed(0)}`
  console.log(
    `CPU until all Running: ${total.toFixed(0)} ms (${parts}); load average ${loadavg()[0]?.toFixed(2)}`,
  )
  return Math.round(total)
}

/** What one round of the benchmark uses, and the figures it adds to. */
interface Round {
  readonly client: InProcessClient
  readonly dir: string
  readonly bench: ReturnType<typeof benchNetwork> | undefined
  readonly meter: ReturnType<typeof startCpuMeter> | undefined
  /** The kubelet's pod syncs so far. */
  readonly syncs: () => Promise<number>
  readonly results: Record<string, number>
}

/** Starts `n` pods at once after the baseline of the same count, prints the figures; p99 and the baseline's. */
async function measure(r: Round, round: number, n: number): Promise<{ p99: number; direct: number }> {
  const { bench, results } = r
  const direct = bench ? await bareSandboxes(n, join(r.dir, "bare"), bench.base) : await directSpawn(n)
  // The kernel tears the baseline's namespaces down after they are gone: not during the pods' start.
  if (bench) await new Promise((res) => setTimeout(res, 1000))
  const timeline = bench ? recordTimeline() : undefined
  const cpu = process.cpuUsage()
  const forks = forkCount()
  const {
    times,
    totalMs,
    createdByUid,
    writes,
    podSyncs,
    cpu: start,
  } = await podStart(r.client, n, round, r.syncs, r.meter?.mark)
  const used = process.cpuUsage(cpu)
  if (timeline) printTimeline(timeline(), createdByUid)
  if (start) results[`cpu_ms_${n}`] = printCpu(start)
  console.log(
    `CPU of this process meanwhile: ${((used.user + used.system) / 1000).toFixed(0)} ms; processes forked on the machine (all users): ${forkCount() - forks}; pod writes per pod until all Running: ${(writes / n).toFixed(2)}, kubelet syncs per pod: ${(podSyncs / n).toFixed(2)}`,
  )
  results[`writes_per_pod_${n}`] = Number((writes / n).toFixed(2))
  results[`syncs_per_pod_${n}`] = Number((podSyncs / n).toFixed(2))
  const p50 = percentile(times, 50)
  const p99 = percentile(times, 99)
  const d99 = percentile(direct, 99)
  console.log(
    `${n} pods: create→Running p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, all Running in ${totalMs.toFixed(0)} ms`,
  )
  console.log(
    `${n} ${bench ? "bare unshare + veth set-ups" : "direct spawns"} (baseline): p50 ${percentile(direct, 50).toFixed(1)} ms, p99 ${d99.toFixed(1)} ms`,
  )
  results[`p50_ms_${n}`] = Math.round(p50)
  results[`p99_ms_${n}`] = Math.round(p99)
  results[`total_ms_${n}`] = Math.round(totalMs)
  results[`direct_p99_ms_${n}`] = Number(d99.toFixed(1))
  return { p99, direct: d99 }
}

/** The kubelet's pod syncs so far (its kubelet_pod_worker_duration_seconds observations). */
async function podSyncs(kubelet: Kubelet): Promise<number> {
  const text = await kubelet.metrics.registry.metrics()
  let n = 0
  for (const m of text.matchAll(/^kubelet_pod_worker_duration_seconds_count\{[^}]*\} (\d+)$/gm))
    n += Number(m[1])
  return n
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-bench-podstart-"))
  const store = SqliteStore.open(join(dir, "state.db"))
  const api = createApiServer({ store, log: silentLogger() })
  const stop = new AbortController()
  const apiDone = api.run(stop.signal)
  await api.ready()
  const client = new InProcessClient(api.handle, { userAgent: "bench" })
  if (SANDBOX && process.getuid?.() !== 0) throw new Error("podstart --sandbox needs root")
  const bench = SANDBOX ? benchNetwork(join(dir, "network")) : undefined
  const cgroupParent = `k8ts/bench-${process.pid}`
  const sandbox = bench ? { network: bench.network, cgroupParent } : {}
  const meter = bench ? startCpuMeter(cgroupParent) : undefined
  const runtime = new ProcessRuntime({ root: join(dir, "runtime"), podRange: "127.240.0.0/16", ...sandbox })
  if (bench) await startCosts(runtime, dir)
  const kubelet = new Kubelet({
    client,
    nodeName: NODE,
    address: "127.0.0.1",
    runtime,
    dataDir: dir,
    // 1,000 pods on one node: as upstream's kubelet needs --max-pods for it (default 110).
    maxPods: Math.max(110, ...SIZES),
  })
  const kubeletDone = kubelet.run(stop.signal)
  // Containers outlive a killed kubelet (to be adopted): stopped early, stop them first.
  const interrupted = (signal: NodeJS.Signals) => {
    console.error(`podstart: ${signal}; stopping the pods it started`)
    stop.abort()
    void kubeletDone.finally(() => {
      meter?.close()
      rmSync(dir, { recursive: true, force: true })
      process.exit(130)
    })
  }
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(sig, interrupted)
  const results: Record<string, number> = {}
  let first: { p99: number; direct: number } | undefined
  try {
    await new Promise((r) => setTimeout(r, 500)) // node registered, informers synced
    for (const [round, n] of SIZES.entries()) {
      const got = await measure(
        { client, dir, bench, meter, syncs: () => podSyncs(kubelet), results },
        round,
        n,
      )
      first ??= got
      await new Promise((r) => setTimeout(r, 1000)) // deletions settle
    }
  } finally {
    stop.abort()
    await kubeletDone.catch(() => undefined)
    await apiDone.catch(() => undefined)
    await store.close()
    meter?.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const value = Math.round(first?.p99 ?? 0)
  console.log(
    JSON.stringify({
      bench: SANDBOX ? "podstart-sandbox" : "podstart",
      value,
      unit: "ms",
      ratio: Number((value / Math.max(0.1, first?.direct ?? 1)).toFixed(2)),
      ...results,
    }),
  )
}

await main()
