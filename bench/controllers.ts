/**
 * `npm run bench -- controllers`: a Deployment of 1,000 replicas on hollow nodes in one process
 * (API server on SQLite; the Deployment and ReplicaSet controllers, the scheduler and 20 hollow
 * nodes started as `k8ts server` starts its components, on the API server's thread by default,
 * in a component thread with BENCH_THREADS=1): seconds until all are available, then seconds for a
 * full rolling update (maxSurge 25%).
 * The real scheduler binds the pods, as in a cluster (a pod is only available once some scheduler
 * bound it). BENCH_SCHEDULER=standin binds round robin instead (one watch, one binding per pod, no
 * filtering or scoring), to see the controllers' share alone.
 * Baseline: the same number of pod creates and deletes issued directly through a client (pods
 * no scheduler binds, so each delete removes its pod in the one request), before anything else
 * runs; that client runs where the components do (a component thread, or the API server's), so
 * both sides take the same path. The baseline is the second of two such rounds: the first runs on
 * a cold process (code not yet optimised, heap and database still growing) and took ~1.6x as long
 * as the second; the rolling update runs warm, after the Deployment became available. The first
 * round is printed too (bare_cold_s). A rollout's pods cost more by nature: the binding, the kubelet's status write, the
 * controller's graceful delete of a running pod, the kubelet's final status once its containers
 * stopped and its final delete make six pod writes per replacement against the baseline's two, plus the
 * scheduler's Scheduled Event for each pod and the controllers' status writes; and every write
 * reaches three watchers (controllers, scheduler, kubelets). At the bare writes' cost per write
 * that alone is over 3x the baseline, so the 2x target is out of reach without cheaper writes.
 * Besides seconds it prints the API writes of each phase by kind and by component and the
 * process's CPU seconds (every thread; until the rollout is done also by thread: the API server's,
 * the component thread's, and the others, mostly V8's garbage collection helpers), steadier
 * figures than wall time on a shared machine, its minor page faults (costly on some virtual
 * machines: memory the caches keep growing into), and
 * how busy the API server's event loop was (near 100%: the phase is bound by CPU, not by waiting). A phase's writes and CPU
 * include what it left running in the background (Events still being written, the kubelets' last
 * deletes): the next phase starts once no write happened for a moment, so it is not charged
 * with them; its seconds stop when the Deployment reports the phase done. Event writes are
 * rate-limited (50 a second after a burst of 100, as upstream's event clients), so most of the
 * scheduler's Scheduled Events trail a fast phase: rollout_done_cpu_s is the CPU until the
 * rollout is done, rollout_cpu_s the CPU until the writes settled, idle seconds included.
 * BENCH_TRACE=<ms> prints, per bin of that many ms, the pod transitions and ReplicaSet changes
 * an informer of the bench saw, and each component's write latencies.
 * Last line: value = rolling update seconds, ratio = rollout time over the bare writes' time.
 * BENCH_REPLICAS changes the size; BENCH_PROFILE=<file> writes a CPU profile of the rolling update
 * (BENCH_PROFILE_US=<microseconds> samples it more often than the default 1,000).
 */
import { setMaxListeners } from "node:events"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Deployment } from "kubernetes-types/apps/v1.js"
import { Registry } from "prom-client"
import { type ApiObject, Deployments, Nodes, Pods, ReplicaSets } from "../src/api/index.ts"
import { createApiServer } from "../src/apiserver/index.ts"
import {
  type InProcessHandler,
  InProcessClient,
  type ControllerHealth,
  SharedInformers,
} from "../src/client/index.ts"
import { SqliteStore } from "../src/storage/index.ts"
import { silentLogger } from "../src/util/index.ts"
import { componentTask } from "../cmd/component-task.ts"
import { type ComponentRunnerOptions, startComponentTasks } from "../cmd/component-threads.ts"
import { startControllerManager, startScheduler } from "../cmd/components.ts"
import { defaultComponentThreads } from "../cmd/server-config.ts"
import { startBareWrites, startHollowNodes, startStandinScheduler } from "./_components.ts"
import { cpuByThread } from "./_proc-stat.ts"

const N = Number(process.env.BENCH_REPLICAS ?? 1000)
const NODES = 20
const CONCURRENCY = 32
const STANDIN = process.env.BENCH_SCHEDULER === "standin"
const TRACE = process.env.BENCH_TRACE ? Number(process.env.BENCH_TRACE) : 0
/** Component threads for every client of the bench (as `k8ts server --component-threads`). */
const THREADS = Number(process.env.BENCH_THREADS ?? defaultComponentThreads())
const COMPONENTS = new URL("../cmd/components.ts", import.meta.url).href
const BENCH_COMPONENTS = new URL("./_components.ts", import.meta.url).href

/** With BENCH_TRACE=<ms>: pod transitions seen by the controllers' informer, per bin. */
function trace(informers: SharedInformers, t0: () => number) {
  const bins: Record<string, number>[] = []
  const bump = (what: string) => {
    const b = Math.floor((performance.now() - t0()) / TRACE)
    if (b < 0) return
    const row = (bins[b] ??= {})
    row[what] = (row[what] ?? 0) + 1
  }
  const ready = (p: ApiObject & { status?: { conditions?: { type: string; status: string }[] } }) =>
    !!p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")
  informers.get(Pods).addHandler({
    onAdd: () => bump("add"),
    onUpdate(o, n) {
      const on = (o as { spec?: { nodeName?: string } }).spec?.nodeName
      const nn = (n as { spec?: { nodeName?: string } }).spec?.nodeName
      if (!on && nn) bump("bind")
      if (!ready(o) && ready(n)) bump("ready")
      if (!o.metadata?.deletionTimestamp && n.metadata?.deletionTimestamp) bump("term")
    },
    onDelete: () => bump("gone"),
  })
  informers.get(ReplicaSets).addHandler({
    onUpdate(o, n) {
      const a = o as { spec?: { replicas?: number }; status?: { availableReplicas?: number } }
      const b = n as typeof a
      if (a.spec?.replicas !== b.spec?.replicas) bump(`scale:${n.metadata?.name}=${b.spec?.replicas}`)
      if (a.status?.availableReplicas !== b.status?.availableReplicas) bump("rs-status")
      else if (JSON.stringify(a.status) !== JSON.stringify(b.status)) bump("rs-status-other")
    },
  })
  return () => {
    for (const [k, l] of Object.entries(latency).sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(`  ${k}: ${l.n} writes, mean ${(l.ms / l.n).toFixed(1)} ms, max ${l.max.toFixed(0)} ms`)
    }
    latency = {}
    bins.forEach((row, i) => {
      if (row) console.log(`  ${String(i * TRACE).padStart(6)} ms ${JSON.stringify(row)}`)
    })
    bins.length = 0
  }
}

/** API writes by "VERB resource[/subresource] code" since the last `phase()`. */
let writes = new Map<string, number>()
/** API writes by the component that sent them, since the last `phase()`. */
let bySource = new Map<string, number>()
/** With BENCH_TRACE: each source's write latencies by kind. */
let latency: Record<string, { n: number; ms: number; max: number }> = {}
/** When the last write finished (performance.now()). */
let lastWrite = 0

/** Counts the writes `handle` serves for `source` (a component). */
function counting(handle: InProcessHandler, source: string): InProcessHandler {
  return (req) => {
    if (req.method !== "GET") {
      const parts = req.path.split("/") // "", api, v1 | "", apis, group, version
      let at = parts[1] === "api" ? 3 : 4
      if (parts[at] === "namespaces" && parts.length > at + 2) at += 2
      const [resource, , sub] = parts.slice(at)
      const what = `${req.method} ${resource ?? ""}${sub ? `/${sub}` : ""}`
      const began = performance.now()
      return handle(req).then((res) => {
        if (TRACE) {
          const l = (latency[`${source} ${what}`] ??= { n: 0, ms: 0, max: 0 })
          const ms = performance.now() - began
          l.n++
          l.ms += ms
          l.max = Math.max(l.max, ms)
        }
        const w = what + " " + res.status
        writes.set(w, (writes.get(w) ?? 0) + 1)
        bySource.set(source, (bySource.get(source) ?? 0) + 1)
        lastWrite = performance.now()
        return res
      })
    }
    return handle(req)
  }
}

/**
 * Waits until no write finished for `quietMs`: work a phase left behind in the background
 * (Events the recorders still write, the kubelets' last deletes) is not charged to the next one.
 */
async function settle(quietMs = 500): Promise<void> {
  const deadline = performance.now() + 30_000
  while (performance.now() - lastWrite < quietMs && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Where a phase starts: the process's CPU use and minor page faults so far. */
interface Mark {
  readonly cpu: NodeJS.CpuUsage
  readonly faults: number
}

function mark(): Mark {
  return { cpu: process.cpuUsage(), faults: process.resourceUsage().minorPageFault }
}

/**
 * Ends a phase: its writes by kind, their total, the CPU seconds the process spent and its minor
 * page faults (memory touched for the first time: on some virtual machines each costs ~10 us).
 */
function phase(from: Mark): {
  writes: Record<string, number>
  sources: Record<string, number>
  total: number
  cpu: number
  faults: number
} {
  const sorted = [...writes].sort((a, b) => b[1] - a[1])
  const sources = Object.fromEntries([...bySource].sort((a, b) => b[1] - a[1]))
  writes = new Map()
  bySource = new Map()
  const cpu = process.cpuUsage(from.cpu)
  return {
    writes: Object.fromEntries(sorted),
    sources,
    total: sorted.reduce((n, [, c]) => n + c, 0),
    cpu: (cpu.user + cpu.system) / 1e6,
    faults: process.resourceUsage().minorPageFault - from.faults,
  }
}

function show(name: string, p: ReturnType<typeof phase>): string {
  const kinds = Object.entries(p.writes).map(([k, n]) => `${k} ${n}`)
  const sources = Object.entries(p.sources).map(([k, n]) => `${k} ${n}`)
  return `  ${name}: ${p.total} writes [${sources.join(", ")}], ${p.cpu.toFixed(2)} s CPU, ${p.faults} page faults (${kinds.join(", ")})`
}

/**
 * The CPU seconds since `from` (a cpuByThread()) of the API server's thread, of the components'
 * thread `tid` (0 when they run on the API server's) and of the process's other threads (the
 * store's fsyncs and checkpoints, the garbage collector's helpers, the module loader).
 */
function threadCpu(from: Map<number, number>, tid: number | undefined) {
  const now = cpuByThread()
  let api = 0
  let components = 0
  let other = 0
  for (const [t, s] of now) {
    const used = s - (from.get(t) ?? 0)
    if (t === process.pid) api += used
    else if (t === tid) components += used
    else other += used
  }
  return { api, components, other }
}

function showThreadCpu(c: ReturnType<typeof threadCpu>): string {
  return `API server thread ${c.api.toFixed(2)} s, component thread ${c.components.toFixed(2)} s, other threads ${c.other.toFixed(2)} s`
}

/** Polls `probe` every 25 ms until it holds. */
async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 600_000
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/**
 * With BENCH_PROFILE=<file>, profiles the CPU during the rolling update alone (the Chrome
 * .cpuprofile format); returns the function that stops and writes it.
 */
async function startProfile(): Promise<(() => Promise<void>) | undefined> {
  const file = process.env.BENCH_PROFILE
  if (!file) return undefined
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  if (process.env.BENCH_PROFILE_US)
    await session.post("Profiler.setSamplingInterval", { interval: Number(process.env.BENCH_PROFILE_US) })
  await session.post("Profiler.start")
  return async () => {
    const { profile } = await session.post("Profiler.stop")
    writeFileSync(file, JSON.stringify(profile))
    session.disconnect()
  }
}

function isRolledOut(d: Deployment | undefined, generation: number): boolean {
  const s = d?.status
  return (
    (s?.observedGeneration ?? 0) >= generation &&
    s?.updatedReplicas === N &&
    s.replicas === N &&
    s.availableReplicas === N
  )
}

/**
 * Resolves when the Deployment reports generation `generation` rolled out, as the controllers'
 * informer delivers it: the moment its status is written, without polling the API meanwhile.
 */
function rolledOut(informers: SharedInformers, generation: number): Promise<void> {
  const deployments = informers.get(Deployments)
  return new Promise((resolve, reject) => {
    let done = false
    const timer = setTimeout(
      () => finish(new Error(`Timed out waiting for generation ${generation}`)),
      600_000,
    )
    const finish = (err?: Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      queueMicrotask(() => off())
      if (err) reject(err)
      else resolve()
    }
    const check = (d: Deployment & ApiObject) => {
      if (d.metadata?.name === "bench" && isRolledOut(d, generation)) finish()
    }
    const off = deployments.addHandler({ onAdd: check, onUpdate: (_old, d) => check(d) })
  })
}

const dir = mkdtempSync(join(tmpdir(), "k8ts-bench-controllers-"))
const stop = new AbortController()
setMaxListeners(64, stop.signal)
try {
  const store = SqliteStore.open(join(dir, "state.db"))
  const api = createApiServer({ store })
  const serving = api.run(stop.signal)
  await api.ready()
  const client = new InProcessClient(counting(api.handle, "bench"))
  const log = silentLogger()
  // Every client below runs as `k8ts server` runs its components: through the component runner.
  const runner: ComponentRunnerOptions = {
    handle: api.handle,
    handleFor: (name) => counting(api.handle, name),
    threads: THREADS,
    log,
    logOptions: { level: "silent" },
    metrics: new Registry(),
    leaderElection: "off",
  }
  let cpu = mark()
  let threads = cpuByThread()
  const [bareWriter] = await startComponentTasks(
    [componentTask("bench", BENCH_COMPONENTS, startBareWrites, { n: N, concurrency: CONCURRENCY })],
    runner,
  )
  let bareS = 0
  let bareColdS = 0
  await until("the bare writes", async () => {
    const st = (await bareWriter!.stats()) as { seconds?: number; cold?: number }
    bareS = st.seconds ?? 0
    bareColdS = st.cold ?? 0
    return bareS > 0
  })
  bareWriter!.stop.abort()
  await bareWriter!.done
  const bare = phase(cpu)
  // The bare writes' thread: every thread but the API server's (the only other busy one).
  const bareThreads = threadCpu(threads, undefined)

  const components = await startComponentTasks(
    [
      componentTask("controllers", COMPONENTS, startControllerManager, {
        enabled: ["replicaset", "deployment"],
        rootCaPem: "",
      }),
      componentTask("nodes", BENCH_COMPONENTS, startHollowNodes, {
        nodes: Array.from({ length: NODES }, (_, i) => ({
          name: `hollow-${i}`,
          address: `10.0.${i}.1`,
          podCIDR: `10.244.${i}.0/24`,
        })),
      }),
      STANDIN
        ? componentTask("scheduler", BENCH_COMPONENTS, startStandinScheduler, { nodes: NODES })
        : componentTask("scheduler", COMPONENTS, startScheduler, {}),
    ],
    runner,
  )
  const [controllers, nodes, scheduler] = components
  const tid = THREADS ? ((await nodes!.stats()) as { tid?: number }).tid : undefined
  // The bench's own view: the Deployment's status as an informer delivers it (and with
  // BENCH_TRACE, the pods and ReplicaSets), on this thread.
  const informers = new SharedInformers(client, { log })
  informers.get(Deployments)
  let tStart = Infinity
  const dump = TRACE ? trace(informers, () => tStart) : undefined
  const running = [informers.run(stop.signal), ...components.map((c) => c.done)]
  // Start timing once every node is registered and, with the real scheduler, in its cache.
  await until("the nodes", async () =>
    STANDIN
      ? (await client.resource(Nodes).list()).items.length === NODES
      : ((await scheduler!.stats()) as { nodes: number }).nodes === NODES,
  )
  const d: Deployment & ApiObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "bench", namespace: "default" },
    spec: {
      replicas: N,
      selector: { matchLabels: { app: "bench" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: "bench" } },
        spec: { containers: [{ name: "c", image: "nginx:1" }] },
      },
    },
  }
  await settle()
  phase(cpu) // the nodes' registration and the informers' start
  cpu = mark()
  let elu = performance.eventLoopUtilization()
  let celu = controllers!.eventLoopUtilization()
  let t = performance.now()
  tStart = t
  await client.resource(Deployments).create(d)
  await rolledOut(informers, 1)
  const availableS = (performance.now() - t) / 1000
  const availableElu = performance.eventLoopUtilization(elu).utilization
  const availableCelu = controllers!.eventLoopUtilization(celu).utilization
  dump?.()
  await settle()
  const available = phase(cpu)
  const profiling = await startProfile()
  cpu = mark()
  threads = cpuByThread()
  elu = performance.eventLoopUtilization()
  celu = controllers!.eventLoopUtilization()
  t = performance.now()
  tStart = t
  await client
    .resource(Deployments)
    .patch(
      { namespace: "default", name: "bench" },
      { spec: { template: { spec: { containers: [{ name: "c", image: "nginx:2" }] } } } },
      { type: "merge" },
    )
  await rolledOut(informers, 2)
  const rollingS = (performance.now() - t) / 1000
  const rollingDone = process.cpuUsage(cpu.cpu)
  const rollingThreads = threadCpu(threads, tid)
  const rollingElu = performance.eventLoopUtilization(elu).utilization
  const rollingCelu = controllers!.eventLoopUtilization(celu).utilization
  dump?.()
  await profiling?.()
  await settle()
  const rolling = phase(cpu)
  const health = (await controllers!.stats()) as ControllerHealth[]
  for (const c of components) c.stop.abort()
  stop.abort()
  await Promise.allSettled([...running, serving])
  await store.close()

  console.log(
    `bare writes: ${N} pod creates + ${N} deletes   ${bareS.toFixed(2)} s (baseline; the cold round before it ${bareColdS.toFixed(2)} s)`,
  )
  console.log(`Deployment of ${N} to all available           ${availableS.toFixed(2)} s`)
  console.log(`rolling update of ${N} (maxSurge 25%)         ${rollingS.toFixed(2)} s   target < 2x baseline`)
  console.log(
    `event loop busy: ${(availableElu * 100).toFixed(0)}% to available, ${(rollingElu * 100).toFixed(0)}% rolling` +
      (THREADS
        ? `; component thread ${(availableCelu * 100).toFixed(0)}% to available, ${(rollingCelu * 100).toFixed(0)}% rolling`
        : ""),
  )
  console.log(`scheduler: ${STANDIN ? "stand-in (round robin)" : "kube-scheduler"}`)
  console.log(
    `components and the bare writes' client: ${THREADS ? `${THREADS} component thread(s)` : "on the API server's thread"} (BENCH_THREADS=${THREADS}); event loop figures are the API server's thread`,
  )
  console.log(`CPU until rolled out: ${showThreadCpu(rollingThreads)}`)
  console.log(
    `CPU of the bare writes (both rounds): API server thread ${bareThreads.api.toFixed(2)} s, the others (the client's) ${bareThreads.other.toFixed(2)} s`,
  )
  console.log(show("bare (both rounds)", bare))
  console.log(show("to available", available))
  console.log(show("rolling update", rolling))
  for (const st of health) {
    console.log(`  ${st.name}: ${st.reconciles} reconciles (${st.failures} failed), ${st.adds} adds`)
  }
  console.log(
    JSON.stringify({
      bench: "controllers",
      value: Number(rollingS.toFixed(3)),
      unit: "s",
      ratio: Number((rollingS / bareS).toFixed(3)),
      available_s: Number(availableS.toFixed(3)),
      bare_s: Number(bareS.toFixed(3)),
      bare_cold_s: Number(bareColdS.toFixed(3)),
      replicas: N,
      rollout_writes: rolling.total,
      rollout_busy: Number(rollingElu.toFixed(2)),
      rollout_component_busy: Number(rollingCelu.toFixed(2)),
      rollout_cpu_s: Number(rolling.cpu.toFixed(2)),
      rollout_done_cpu_s: Number(((rollingDone.user + rollingDone.system) / 1e6).toFixed(2)),
      rollout_page_faults: rolling.faults,
      bare_both_rounds_cpu_s: Number(bare.cpu.toFixed(2)),
      bare_both_rounds_page_faults: bare.faults,
      bare_both_rounds_api_thread_cpu_s: Number(bareThreads.api.toFixed(2)),
      rollout_done_api_thread_cpu_s: Number(rollingThreads.api.toFixed(2)),
      rollout_done_component_thread_cpu_s: Number(rollingThreads.components.toFixed(2)),
      component_threads: THREADS,
    }),
  )
} finally {
  stop.abort()
  rmSync(dir, { recursive: true, force: true })
}
