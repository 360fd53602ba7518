/**
 * CPU per pod write of the API server, in process on the SQLite store:
 * `node --import tsx bench/_pod-writes-cpu.ts [pods] [rounds]` sends the writes control-plane
 * components make of a pod's life (the create, the scheduler's binding and Scheduled Event, the
 * first status write (a PUT of the whole pod as the hollow kubelet's on half the pods, a merge
 * patch of status as the kubelet's on the other half), a strategic status patch, the ReplicaSet
 * controller's graceful delete and the kubelet's final delete), each phase over every pod with 64 requests in flight, straight to the
 * server's handler (bodies encoded beforehand, answers not decoded), and prints the process's CPU
 * µs per request of each phase. BENCH_WATCHERS (default 2) pod watches are open and drained (as
 * the scheduler's and the kubelets' informers), so the watch cache's and fan-out's share counts.
 * BENCH_PROFILE_DIR=<dir> writes a CPU profile and a sampled allocation profile (collected
 * objects included) of each phase's last round (<dir>/<phase>.cpuprofile, .heapprofile).
 * BENCH_COMPARE=<checkout> also runs the API server of another checkout (its src/, e.g. the code
 * before a change) in the same process, the two taking turns phase by phase, so both see the same
 * load on a shared machine: compare their figures, not figures of runs minutes apart.
 * BENCH_PHASES=create,binding runs only those phases (each needs the ones before it: list them
 * from create on). BENCH_POD=api creates the `npm run bench -- api` pod (4.6 KB: ten env vars, a
 * 1.2 KB annotation, limits) instead of a ReplicaSet's small one, so its per-create CPU can be
 * taken apart here without the HTTP layer.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Pod } from "kubernetes-types/core/v1.js"
import { pathToFileURL } from "node:url"
import type * as ApiServerModule from "../src/apiserver/index.ts"
import type { InProcessRequest, InProcessResponse } from "../src/client/index.ts"
import type * as StorageModule from "../src/storage/index.ts"
import type * as UtilModule from "../src/util/index.ts"
import { runningStatus } from "../src/kubelet/index.ts"
import { podJson } from "./_http.ts"
import { schedStat } from "./_proc-stat.ts"

const PODS = Number(process.argv[2] ?? 3000)
const ROUNDS = Number(process.argv[3] ?? 3)
const CLIENTS = 64
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 2)
/** The phases BENCH_PHASES names, when it is set. */
const ONLY = process.env.BENCH_PHASES?.split(",")
const NS = "default"

interface Req {
  readonly method: string
  readonly path: string
  readonly query?: string
  readonly body?: string
  readonly agent: string
  readonly contentType?: string
}

function podBody(name: string): string {
  if (process.env.BENCH_POD === "api") return podJson(name, NS)
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: NS,
      labels: { app: "web", "pod-template-hash": "5d4f8b7c9" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web-5d4f8b7c9",
          uid: "6c0f1d2e-0000-4000-8000-000000000001",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [
        { name: "app", image: "nginx", resources: { requests: { cpu: "100m", memory: "128Mi" } } },
      ],
    },
  })
}

/** One API server under test: its handler, and how to stop it. */
interface Server {
  readonly label: string
  call(r: Req): Promise<InProcessResponse>
  close(): Promise<void>
}

/** Starts the API server of the checkout at `root` on a new SQLite store, with WATCHERS pod watches drained. */
async function startServer(label: string, root: string): Promise<Server> {
  const at = (p: string) => pathToFileURL(join(root, p)).href
  const { createApiServer } = (await import(at("src/apiserver/index.ts"))) as typeof ApiServerModule
  const { SqliteStore } = (await import(at("src/storage/index.ts"))) as typeof StorageModule
  const { silentLogger } = (await import(at("src/util/index.ts"))) as typeof UtilModule
  const dir = mkdtempSync(join(tmpdir(), "k8ts-pod-writes-"))
  const store = SqliteStore.open(join(dir, "state.db"), { compactIntervalMs: 0 })
  const stop = new AbortController()
  const api = createApiServer({ store, log: silentLogger() })
  const done = api.run(stop.signal)
  await api.ready()
  const signal = stop.signal
  const call = (r: Req): Promise<InProcessResponse> => {
    const body = Buffer.from(r.body ?? "")
    const headers: Record<string, string> = {
      "user-agent": r.agent,
      accept: "application/json",
      ...(r.body ? { "content-type": r.contentType ?? "application/json" } : {}),
    }
    const req: InProcessRequest = {
      method: r.method,
      path: r.path,
      query: new URLSearchParams(r.query ?? ""),
      header: (n) => headers[n.toLowerCase()],
      body: () => Promise.resolve(body),
      signal,
      user: { name: "system:apiserver", groups: ["system:masters", "system:authenticated"] },
    }
    return api.handle(req) as Promise<InProcessResponse>
  }
  const drain = async (res: InProcessResponse) => {
    for await (const _ of res.stream ?? []) if (signal.aborted) break
  }
  const watches = await Promise.all(
    Array.from({ length: WATCHERS }, () =>
      call({ method: "GET", path: `/api/v1/pods`, query: "watch=1&resourceVersion=0", agent: "bench" }),
    ),
  )
  const drained = watches.map((w) => drain(w).catch(() => undefined))
  return {
    label,
    call,
    close: async () => {
      stop.abort()
      await Promise.allSettled([done, ...drained])
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function main(): Promise<void> {
  const servers = [await startServer("", join(import.meta.dirname, ".."))]
  const other = process.env.BENCH_COMPARE
  if (other) servers.unshift(await startServer("compared: ", other))
  for (let round = 0; round <= ROUNDS; round++) {
    // Turns alternate who goes first, so neither is always right after the other's garbage.
    const order = round % 2 ? [...servers].reverse() : servers
    await runRound(order, round)
  }
  for (const s of servers) await s.close()
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")
  for (const [phase, runs] of [...figures].sort(([a], [b]) => phaseOrder(a) - phaseOrder(b))) {
    const sorted = [...runs].sort((a, b) => a - b)
    const main = [...(mainFigures.get(phase) ?? [])].sort((a, b) => a - b)
    console.log(
      `${phase.padEnd(26)} ${sorted[0]!.toFixed(1).padStart(6)} µs CPU/op min (runs ${runs.map((r) => r.toFixed(0)).join(" ")}); main thread ${main[0]!.toFixed(1)} min (runs ${mainFigures
        .get(phase)!
        .map((r) => r.toFixed(0))
        .join(" ")})`,
    )
  }
  console.log(`${PODS} pods × ${ROUNDS} rounds, ${WATCHERS} watchers, load ${load}`)
}

const PHASES = [
  "create",
  "binding",
  "event",
  "status PUT",
  "status merge PATCH",
  "status PATCH",
  "graceful delete",
  "final delete",
]

function phaseOrder(label: string): number {
  const phase = label.replace(/^compared: /, "")
  return PHASES.indexOf(phase) * 2 + (label === phase ? 1 : 0)
}

/** The main thread's CPU µs per request of each phase, by label (see mainThreadCpuMs). */
const mainFigures = new Map<string, number[]>()
/** CPU µs per request of each phase, by label (a compared server's prefixed). */
const figures = new Map<string, number[]>()
const profileDir = process.env.BENCH_PROFILE_DIR
let session: Session | undefined

async function profiler(): Promise<Session | undefined> {
  if (!profileDir || session) return session
  mkdirSync(profileDir, { recursive: true })
  session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: 100 })
  return session
}

/** Sends `reqs` with CLIENTS in flight; each answer's status must be one of `expect`. */
async function all(server: Server, reqs: Req[], expect: number[]): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < reqs.length) {
        const r = reqs[next++]!
        const res = await server.call(r)
        if (!expect.includes(res.status)) {
          const text = String(res.body ?? Buffer.concat(res.chunks ?? []))
          throw new Error(`${r.method} ${r.path}: ${res.status} ${text.slice(0, 300)}`)
        }
      }
    }),
  )
}

/** all(), measured (and profiled under BENCH_PROFILE_DIR: the last round's profile is kept). */
async function measure(server: Server, phase: string, reqs: Req[], expect: number[]): Promise<void> {
  const s = await profiler()
  await s?.post("Profiler.start")
  await s?.post("HeapProfiler.startSampling", {
    samplingInterval: 16 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
  const c0 = process.cpuUsage()
  const m0 = mainThreadCpuMs()
  await all(server, reqs, expect)
  const c = process.cpuUsage(c0)
  const mainMs = mainThreadCpuMs() - m0
  if (s && profileDir) {
    const file = join(profileDir, `${server.label.replace(/: $/, "-")}${phase.replace(/ /g, "-")}`)
    const { profile } = await s.post("Profiler.stop")
    writeFileSync(`${file}.cpuprofile`, JSON.stringify(profile))
    const heap = await s.post("HeapProfiler.stopSampling")
    writeFileSync(`${file}.heapprofile`, JSON.stringify(heap.profile))
  }
  const label = server.label + phase
  const list = figures.get(label) ?? []
  list.push((c.user + c.system) / reqs.length)
  figures.set(label, list)
  const main = mainFigures.get(label) ?? []
  main.push((mainMs * 1000) / reqs.length)
  mainFigures.set(label, main)
}

/**
 * The CPU ms of this process's main thread (the event loop's, which bounds the requests/s; the
 * process's figure adds its other threads': the garbage collector's helpers, the store's writer).
 * From /proc's schedstat, in nanoseconds.
 */
function mainThreadCpuMs(): number {
  return schedStat(process.pid).runMs
}

/** One round: each server in turn goes through each phase over PODS new pods (round 0 warms up). */
async function runRound(servers: Server[], round: number): Promise<void> {
  const names = Array.from({ length: PODS }, (_, i) => `pod-${round}-${i}`)
  const ph = async (phase: string, reqs: (s: Server) => Promise<Req[]> | Req[], expect: number[]) => {
    if (ONLY && !ONLY.includes(phase)) return
    for (const s of servers) {
      const list = await reqs(s)
      if (round === 0) await all(s, list, expect)
      else await measure(s, phase, list, expect)
    }
  }
  const podPath = (n: string) => `/api/v1/namespaces/${NS}/pods/${n}`
  const get = async (s: Server, n: string): Promise<Pod> => {
    const res = await s.call({ method: "GET", path: podPath(n), agent: "bench" })
    return JSON.parse(String(res.body ?? Buffer.concat(res.chunks ?? []))) as Pod
  }
  await ph(
    "create",
    () =>
      names.map((n) => ({
        method: "POST",
        path: `/api/v1/namespaces/${NS}/pods`,
        body: podBody(n),
        agent: "kube-controller-manager/v1.35.0",
      })),
    [201],
  )
  await ph(
    "binding",
    () =>
      names.map((n, i) => ({
        method: "POST",
        path: `${podPath(n)}/binding`,
        body: JSON.stringify({
          kind: "Binding",
          apiVersion: "v1",
          metadata: { name: n, namespace: NS },
          target: { kind: "Node", name: `node-${i % 100}` },
        }),
        agent: "kube-scheduler/v1.35.0",
      })),
    [201],
  )
  await ph(
    "event",
    () =>
      names.map((n, i) => ({
        method: "POST",
        path: `/api/v1/namespaces/${NS}/events`,
        body: JSON.stringify({
          metadata: { name: `${n}.18${i.toString(16)}`, namespace: NS },
          involvedObject: { kind: "Pod", namespace: NS, name: n, uid: "u", apiVersion: "v1" },
          reason: "Scheduled",
          message: `Successfully assigned ${NS}/${n} to node-${i % 100}`,
          type: "Normal",
          source: { component: "default-scheduler" },
          reportingComponent: "default-scheduler",
          reportingInstance: "",
          firstTimestamp: "2026-12-01T06:00:00Z",
          lastTimestamp: "2026-12-01T06:00:00Z",
          count: 1,
        }),
        agent: "kube-scheduler/v1.35.0",
      })),
    [201],
  )
  const now = Date.now()
  const running = (p: Pod, i: number) =>
    runningStatus(p, `10.0.0.${i % 100}`, `10.1.${i >> 8}.${i & 255}`, now)
  const read = (s: Server) => Promise.all(names.map((n) => get(s, n)))
  await ph(
    "status PUT",
    async (s) =>
      (await read(s))
        .filter((_, i) => i % 2 === 0)
        .map((p, i) => ({
          method: "PUT",
          path: `${podPath(p.metadata!.name!)}/status`,
          body: JSON.stringify({ ...p, status: running(p, i * 2) }),
          agent: "kubelet/v1.35.0",
        })),
    [200],
  )
  await ph(
    "status merge PATCH",
    async (s) =>
      (await read(s))
        .filter((_, i) => i % 2 === 1)
        .map((p, i) => ({
          method: "PATCH",
          path: `${podPath(p.metadata!.name!)}/status`,
          contentType: "application/merge-patch+json",
          body: JSON.stringify({ metadata: { uid: p.metadata!.uid }, status: running(p, i * 2 + 1) }),
          agent: "kubelet/v1.35.0",
        })),
    [200],
  )
  const at = new Date(now + 1000).toISOString().replace(/\.\d+Z$/, "Z")
  await ph(
    "status PATCH",
    async (s) =>
      (await read(s)).map((p) => ({
        method: "PATCH",
        path: `${podPath(p.metadata!.name!)}/status`,
        contentType: "application/strategic-merge-patch+json",
        body: JSON.stringify({
          metadata: { uid: p.metadata!.uid },
          status: {
            "$setElementOrder/conditions": [
              { type: "PodReadyToStartContainers" },
              { type: "Initialized" },
              { type: "Ready" },
              { type: "ContainersReady" },
              { type: "PodScheduled" },
            ],
            conditions: [
              { type: "Ready", status: "False", reason: "ContainersNotReady", lastTransitionTime: at },
              {
                type: "ContainersReady",
                status: "False",
                reason: "ContainersNotReady",
                lastTransitionTime: at,
              },
            ],
          },
        }),
        agent: "kubelet/v1.35.0",
      })),
    [200],
  )
  const uids = new Map<Server, Pod[]>()
  const withUid = async (s: Server) => uids.get(s) ?? (uids.set(s, await read(s)).get(s) as Pod[])
  await ph(
    "graceful delete",
    async (s) =>
      (await withUid(s)).map((p) => ({
        method: "DELETE",
        path: podPath(p.metadata!.name!),
        body: JSON.stringify({
          kind: "DeleteOptions",
          apiVersion: "v1",
          preconditions: { uid: p.metadata!.uid },
        }),
        agent: "kube-controller-manager/v1.35.0",
      })),
    [200, 202],
  )
  await ph(
    "final delete",
    async (s) =>
      (await withUid(s)).map((p) => ({
        method: "DELETE",
        path: podPath(p.metadata!.name!),
        body: JSON.stringify({
          kind: "DeleteOptions",
          apiVersion: "v1",
          gracePeriodSeconds: 0,
          preconditions: { uid: p.metadata!.uid },
        }),
        agent: "kubelet/v1.35.0",
      })),
    [200],
  )
}

await main()
