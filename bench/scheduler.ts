/**
 * `npm run bench -- scheduler`: 10,000 pods (requests set, a spread of node selectors,
 * affinities, tolerations and anti-affinities) scheduled onto 1,000 and then 5,000 hollow nodes,
 * all in one process with the API server on the SQLite store. Reports pods/s from the first
 * create to the last binding the API accepted, and the p99 from a pod's create to its binding. Baseline in
 * the same run: the filter+score arithmetic alone (the framework over a cache of the same nodes,
 * assuming each pod, no API writes). Last line: value = pods/s on 5,000 nodes, ratio = that over
 * the arithmetic-only rate. Also: process CPU per pod up to the last binding and up to every
 * bound pod reported Running, and the API writes per pod by verb and resource (counted at the
 * API server's handler, so every component's writes are in).
 * Knobs: BENCH_PODS (default 10000), BENCH_NODES (default "1000,5000"), BENCH_CLIENTS (64),
 * BENCH_TIMEOUT_S (45 per run), BENCH_LEASE_MS (60000), BENCH_LOG (a log level), BENCH_THREADS
 * (component threads for the hollow nodes and the scheduler, started as `k8ts server` starts its
 * components; default as the server's, 0: on the API server's thread),
 * BENCH_PROFILE=<prefix>: a CPU profile (<prefix>-<nodes>.cpuprofile) and a sampled allocation
 * profile (<prefix>-<nodes>.heapprofile, collected objects included) of each run's burst alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { createApiServer } from "../src/apiserver/index.ts"
import { Registry } from "prom-client"
import { type ApiObject, Nodes, Pods } from "../src/api/index.ts"
import { InProcessClient, type InProcessHandler } from "../src/client/index.ts"
import type { HollowNodeSpec } from "../src/kubelet/index.ts"
import {
  CycleState,
  FitError,
  Framework,
  GenericScheduler,
  inTreePlugins,
  newPodInfo,
  resolveProfiles,
  SchedulerCache,
} from "../src/scheduler/index.ts"
import { SqliteStore } from "../src/storage/index.ts"
import { createLogger, silentLogger } from "../src/util/index.ts"
import { componentTask } from "../cmd/component-task.ts"
import { startComponentTasks, type StartedComponent } from "../cmd/component-threads.ts"
import { startScheduler } from "../cmd/components.ts"
import { defaultComponentThreads } from "../cmd/server-config.ts"
import { startHollowNodes } from "./_components.ts"
import { percentile } from "./_http.ts"

const PODS = Number(process.env.BENCH_PODS ?? 10_000)
const NODE_COUNTS = (process.env.BENCH_NODES ?? "1000,5000").split(",").map(Number)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64)
/** Component threads for the hollow nodes and the scheduler (as `k8ts server --component-threads`). */
const THREADS = Number(process.env.BENCH_THREADS ?? defaultComponentThreads())
/**
 * How often each hollow node renews its Lease. Kubelets do it every 10 s, which at 5,000 nodes is
 * 500 writes/s competing with the scheduler for the one process; the bench renews once a minute
 * (the renewals spread over the minute, as separate kubelets': about 83 a second at 5,000 nodes,
 * counted in the writes as PATCH leases).
 */
const LEASE_MS = Number(process.env.BENCH_LEASE_MS ?? 60_000)
/** Each run stops waiting for bindings after this long (the whole bench must stay under 2 minutes). */
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 45)
/** After the last binding, how long to wait for the kubelets' status writes before counting. */
const SETTLE_S = 10
const ZONES = 10

function nodeSpecs(n: number): HollowNodeSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `hollow-${i}`,
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    podCIDR: `10.${128 + ((i >> 8) & 63)}.${i & 255}.0/24`,
    capacity: { cpu: "8", memory: "32Gi", pods: "110", "ephemeral-storage": "100Gi" },
    labels: {
      "kubernetes.io/hostname": `hollow-${i}`,
      "topology.kubernetes.io/zone": `zone-${i % ZONES}`,
      ...(i % 2 === 0 ? { disk: "ssd" } : {}),
    },
    ...(i % 10 === 9 ? { taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }] } : {}),
  }))
}

/** The i-th pod of the mix: most plain, a fifth with a node selector, some with affinities. */
function benchPod(i: number): Pod & ApiObject {
  const spec: Pod["spec"] & Record<string, unknown> = {
    containers: [{ name: "app", image: "nginx", resources: { requests: { cpu: "100m", memory: "128Mi" } } }],
  }
  const app = `app-${i % 50}`
  if (i % 5 === 1) spec.nodeSelector = { disk: "ssd" }
  if (i % 10 === 2)
    spec.affinity = {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 10,
            preference: {
              matchExpressions: [
                { key: "topology.kubernetes.io/zone", operator: "In", values: [`zone-${i % ZONES}`] },
              ],
            },
          },
        ],
      },
    }
  if (i % 10 === 3)
    spec.tolerations = [{ key: "dedicated", operator: "Equal", value: "batch", effect: "NoSchedule" }]
  if (i % 100 === 4)
    spec.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 50,
            podAffinityTerm: {
              topologyKey: "kubernetes.io/hostname",
              labelSelector: { matchLabels: { app } },
            },
          },
        ],
      },
    }
  if (i % 200 === 5)
    spec.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: `solo-${i}` } } },
        ],
      },
    }
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `pod-${i}`,
      namespace: "default",
      labels: { app, ...(i % 200 === 5 ? { app: `solo-${i}` } : {}) },
    },
    spec,
  }
}

/**
 * With BENCH_PROFILE=<prefix>, profiles the CPU and samples allocations from the first create to
 * the last binding; returns the function that stops and writes both.
 */
async function startProfile(nodes: number): Promise<(() => Promise<void>) | undefined> {
  const prefix = process.env.BENCH_PROFILE
  if (!prefix) return undefined
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.start")
  await session.post("HeapProfiler.enable")
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 64 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
  return async () => {
    const { profile } = await session.post("Profiler.stop")
    writeFileSync(`${prefix}-${nodes}.cpuprofile`, JSON.stringify(profile))
    const heap = await session.post("HeapProfiler.stopSampling")
    writeFileSync(`${prefix}-${nodes}.heapprofile`, JSON.stringify(heap.profile))
    session.disconnect()
  }
}

/** The arithmetic alone: every pod through the framework over a cache of the same nodes. */
function arithmetic(nodes: Node[], pods: (Pod & ApiObject)[]): number {
  const cache = new SchedulerCache()
  for (const n of nodes) cache.setNode(n)
  const profile = resolveProfiles()[0]!
  const fwk = new Framework(profile, inTreePlugins, { snapshot: cache })
  const algo = new GenericScheduler()
  const infos = pods.map((p, i) =>
    newPodInfo({ ...p, metadata: { ...p.metadata, uid: `arith-${i}` }, spec: { ...p.spec!, priority: 0 } }),
  )
  const t0 = performance.now()
  for (const pi of infos) {
    const r = algo.schedule(fwk, { state: new CycleState(), pod: pi, snapshot: cache })
    if (r instanceof FitError) continue
    cache.assumePod(
      { ...pi, pod: { ...pi.pod, spec: { ...pi.pod.spec!, nodeName: r.suggestedHost } } },
      r.suggestedHost,
    )
  }
  return infos.length / ((performance.now() - t0) / 1000)
}

interface Run {
  readonly nodes: number
  readonly bound: number
  /** Nodes filtered per attempt, on average. */
  readonly evaluated: number
  /** Process CPU time per bound pod (API server, hollow nodes and scheduler together). */
  readonly cpuMsPerPod: number
  /** How busy the API server's thread was during the burst (0..1). */
  readonly apiBusy: number
  /** How busy the scheduler's thread was during the burst (0..1; the API server's with BENCH_THREADS=0). */
  readonly componentBusy: number
  /** The same until the hollow kubelets reported every bound pod Running (or SETTLE_S passed). */
  readonly cpuMsPerPodRunning: number
  readonly podsPerS: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly arithPerS: number
  readonly registerS: number
  /** API writes (non-GET requests) per bound pod, all components together. */
  readonly writesPerPod: number
  readonly writes: Readonly<Record<string, number>>
  /** The writes the API refused, by verb, resource and status code. */
  readonly failed: Readonly<Record<string, number>>
}

/** What the scheduler component's stats() gives. */
interface SchedulerFigures {
  readonly nodes: number
  readonly attempts: number
  readonly evaluatedNodes: number
}

/** A write's resource and subresource from its path: "/api/v1/namespaces/ns/pods/p/binding" → "pods/binding". */
function writeKind(path: string): string {
  const parts = path.split("/")
  const i = parts.indexOf("namespaces")
  const rest = i >= 0 ? parts.slice(i + 2) : parts.slice(parts[1] === "api" ? 3 : 4)
  return [rest[0], rest[2]].filter(Boolean).join("/")
}

/** The pod a binding path names: "/api/v1/namespaces/ns/pods/p/binding" → "p". */
function boundPod(path: string): string | undefined {
  // Without splitting every write's path: the bench's own counting runs on the measured thread.
  if (!path.endsWith("/binding")) return undefined
  const end = path.length - "/binding".length
  return path.slice(path.lastIndexOf("/", end - 1) + 1, end)
}

/** Polls `probe` every 50 ms until it holds. */
async function until(probe: () => Promise<boolean>): Promise<void> {
  while (!(await probe())) await new Promise((r) => setTimeout(r, 50))
}

async function run(nodeCount: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-bench-scheduler-"))
  const stop = new AbortController()
  const store = SqliteStore.open(join(dir, "state.db"), { compactIntervalMs: 0 })
  const log = process.env.BENCH_LOG
    ? createLogger({ level: process.env.BENCH_LOG, format: "text" })
    : silentLogger()
  const components: StartedComponent[] = []
  try {
    const api = createApiServer({ store, log })
    const apiDone = api.run(stop.signal)
    await api.ready()
    // Every write the run makes, by verb and resource (the pod's create, binding, status, events).
    const writes = new Map<string, number>()
    const failed = new Map<string, number>()
    let counting = false
    const created = new Map<string, number>()
    const bound: number[] = []
    let lastBound = 0
    // A pod counts as bound when the API server answered its binding (no extra watcher to slow things).
    const handle: InProcessHandler = (req) => {
      if (!counting || req.method === "GET") return api.handle(req)
      const k = `${req.method} ${writeKind(req.path)}`
      writes.set(k, (writes.get(k) ?? 0) + 1)
      return api.handle(req).then((res) => {
        if (res.status >= 400) failed.set(`${k} ${res.status}`, (failed.get(`${k} ${res.status}`) ?? 0) + 1)
        const at = res.status < 300 ? created.get(boundPod(req.path) ?? "") : undefined
        if (at !== undefined) {
          lastBound = performance.now()
          bound.push(lastBound - at)
        }
        return res
      })
    }
    const client = new InProcessClient(handle, { userAgent: "bench" })
    const nodeModule = new URL("./_components.ts", import.meta.url).href
    const cmdModule = new URL("../cmd/components.ts", import.meta.url).href
    const t0 = performance.now()
    // The hollow nodes and the scheduler run as `k8ts server` runs its components (one thread).
    components.push(
      ...(await startComponentTasks(
        [
          componentTask("nodes", nodeModule, startHollowNodes, {
            nodes: nodeSpecs(nodeCount),
            workers: 32,
            leaseRenewMs: LEASE_MS,
          }),
          componentTask("scheduler", cmdModule, startScheduler, {}),
        ],
        {
          handle,
          userAgent: "bench",
          threads: THREADS,
          log,
          logOptions: { level: process.env.BENCH_LOG ?? "silent", format: "text" },
          metrics: new Registry(),
          leaderElection: "off",
        },
      )),
    )
    const [nodes, scheduler] = components as [StartedComponent, StartedComponent]
    const schedulerStats = async () => (await scheduler.stats()) as SchedulerFigures
    await until(async () => (await schedulerStats()).nodes >= nodeCount)
    // The pods come once the nodes have created their Leases and posted their status, as on a
    // cluster whose nodes joined before the burst (not 10,000 node writes in the middle of it).
    await until(async () => ((await nodes.stats()) as { settled: boolean }).settled)
    const registerS = (performance.now() - t0) / 1000
    const pods = Array.from({ length: PODS }, (_, i) => benchPod(i))
    const arithPerS = arithmetic((await client.resource(Nodes).list()).items, pods)

    const profiling = await startProfile(nodeCount)
    counting = true
    const cpu0 = process.cpuUsage()
    const elu0 = performance.eventLoopUtilization()
    const celu0 = scheduler.eventLoopUtilization()
    const first = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < pods.length) {
          const pod = pods[next++]!
          created.set(pod.metadata!.name!, performance.now())
          // The answer is not decoded: the bench's own parsing would run on the measured thread.
          await client.request({
            method: "POST",
            ref: Pods,
            namespace: "default",
            body: pod,
            discardBody: true,
          })
        }
      }),
    )
    const deadline = first + TIMEOUT_S * 1000
    while (bound.length < PODS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    // Out of time: the rate over the pods bound so far, flagged as incomplete.
    const podsPerS = bound.length / ((lastBound - first) / 1000)
    const used = process.cpuUsage(cpu0)
    const apiBusy = performance.eventLoopUtilization(elu0).utilization
    const componentBusy = scheduler.eventLoopUtilization(celu0).utilization
    await profiling?.()
    // CPU per bound pod (every thread): what the figure would be on otherwise idle cores (the machine is shared).
    const cpuMsPerPod = (used.user + used.system) / 1000 / Math.max(1, bound.length)
    // The hollow kubelets' status writes trail the bindings: the pods' whole cost counts them too.
    const settleBy = performance.now() + SETTLE_S * 1000
    const running = () => (writes.get("PUT pods/status") ?? 0) + (writes.get("PATCH pods/status") ?? 0)
    while (running() < bound.length && performance.now() < settleBy)
      await new Promise((r) => setTimeout(r, 20))
    const usedAll = process.cpuUsage(cpu0)
    counting = false
    const cpuMsPerPodRunning = (usedAll.user + usedAll.system) / 1000 / Math.max(1, bound.length)
    const st = await schedulerStats()
    const evaluated = st.evaluatedNodes / Math.max(1, st.attempts)
    for (const c of components) c.stop.abort()
    await Promise.allSettled(components.map((c) => c.done))
    stop.abort()
    await Promise.allSettled([apiDone])
    return {
      nodes: nodeCount,
      bound: bound.length,
      evaluated,
      cpuMsPerPod,
      cpuMsPerPodRunning,
      apiBusy,
      componentBusy,
      podsPerS,
      p50Ms: percentile(bound, 50),
      p99Ms: percentile(bound, 99),
      arithPerS,
      registerS,
      writesPerPod: [...writes.values()].reduce((a, b) => a + b, 0) / Math.max(1, bound.length),
      writes: Object.fromEntries([...writes].sort((a, b) => b[1] - a[1])),
      failed: Object.fromEntries(failed),
    }
  } finally {
    for (const c of components) c.stop.abort()
    await Promise.allSettled(components.map((c) => c.done))
    stop.abort()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const runs: Run[] = []
for (const n of NODE_COUNTS) {
  const r = await run(n)
  runs.push(r)
  console.log(
    `${String(n).padStart(5)} nodes: ${r.podsPerS.toFixed(0).padStart(6)} pods/s bound   p50 ${r.p50Ms.toFixed(0)} ms   p99 ${r.p99Ms.toFixed(0)} ms   ${r.cpuMsPerPod.toFixed(2)} CPU ms/pod (${r.cpuMsPerPodRunning.toFixed(2)} until Running)   ` +
      `API server thread ${(r.apiBusy * 100).toFixed(0)}% busy${THREADS ? `, component thread ${(r.componentBusy * 100).toFixed(0)}%` : ""}   arithmetic alone ${r.arithPerS.toFixed(0)} pods/s   (${r.evaluated.toFixed(0)} nodes filtered per pod; nodes registered and heartbeating in ${r.registerS.toFixed(1)} s)` +
      `\n    writes per pod ${r.writesPerPod.toFixed(2)}: ${JSON.stringify(r.writes)}; refused ${JSON.stringify(r.failed)}` +
      (r.bound < PODS ? `   INCOMPLETE: ${r.bound}/${PODS} bound in ${TIMEOUT_S} s` : ""),
  )
}
const last = runs[runs.length - 1]!
const first = runs[0]!
console.log(`targets: ≥ 2000 pods/s on 5000 nodes, p99 create→bound < 1000 ms`)
console.log(
  `components (hollow nodes, scheduler): ${THREADS ? `${THREADS} component thread(s)` : "on the API server's thread"} (BENCH_THREADS=${THREADS})`,
)
console.log(
  JSON.stringify({
    bench: "scheduler",
    value: Math.round(last.podsPerS),
    unit: "pods/s",
    ratio: Number((last.podsPerS / last.arithPerS).toFixed(3)),
    nodes: last.nodes,
    pods: PODS,
    bound: last.bound,
    p50_ms: Math.round(last.p50Ms),
    p99_ms: Math.round(last.p99Ms),
    arithmetic_pods_per_s: Math.round(last.arithPerS),
    cpu_ms_per_pod: Number(last.cpuMsPerPod.toFixed(2)),
    cpu_ms_per_pod_until_running: Number(last.cpuMsPerPodRunning.toFixed(2)),
    writes_per_pod: Number(last.writesPerPod.toFixed(2)),
    component_threads: THREADS,
    api_thread_busy: Number(last.apiBusy.toFixed(2)),
    component_thread_busy: Number(last.componentBusy.toFixed(2)),
    [`pods_per_s_${first.nodes}_nodes`]: Math.round(first.podsPerS),
    [`p99_ms_${first.nodes}_nodes`]: Math.round(first.p99Ms),
    [`arithmetic_pods_per_s_${first.nodes}_nodes`]: Math.round(first.arithPerS),
  }),
)
