/**
 * `npm run bench -- controllers`: a Deployment of 1,000 replicas on hollow nodes in one process
 * (API server on SQLite, in-process client, the Deployment and ReplicaSet controllers, the
 * scheduler, 20 hollow nodes): seconds until all are available, then seconds for a full rolling
 * update (maxSurge 25%).
 * The real scheduler binds the pods, as in a cluster (a pod is only available once some scheduler
 * bound it). BENCH_SCHEDULER=standin binds round robin instead (one watch, one binding per pod, no
 * filtering or scoring), to see the controllers' share alone.
 * Baseline: the same number of pod creates and deletes issued directly through the client (pods
 * no scheduler binds, so each delete removes its pod in the one request). A rollout's deletes
 * cost more by nature: the controller's graceful delete of a running pod, then the kubelet's
 * final delete once its containers stopped; with the binding and the kubelet's status write that
 * is five pod writes per replacement against the baseline's two, which the 2x target allows for.
 * Besides seconds it prints the API writes of each phase by kind and the process's CPU seconds,
 * steadier figures than wall time on a shared machine.
 * Last line: value = rolling update seconds, ratio = rollout time over the bare writes' time.
 * BENCH_REPLICAS changes the size; BENCH_PROFILE=<file> writes a CPU profile of the rolling update.
 */
import { setMaxListeners } from "node:events"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Deployment } from "kubernetes-types/apps/v1.js"
import { type ApiObject, Deployments, Nodes, Pods } from "../src/api/index.ts"
import { createApiServer } from "../src/apiserver/index.ts"
import {
  type Client,
  type InProcessHandler,
  InProcessClient,
  Controller,
  SharedInformers,
} from "../src/client/index.ts"
import { allControllers } from "../src/controllers/index.ts"
import { HollowNodes } from "../src/kubelet/index.ts"
import { Scheduler } from "../src/scheduler/index.ts"
import { SqliteStore } from "../src/storage/index.ts"
import { realClock, silentLogger } from "../src/util/index.ts"

const N = Number(process.env.BENCH_REPLICAS ?? 1000)
const NODES = 20
const CONCURRENCY = 32
const STANDIN = process.env.BENCH_SCHEDULER === "standin"

/** API writes by "VERB resource[/subresource]" since the last `phase()`. */
let writes = new Map<string, number>()

/** Counts the writes `handle` serves. */
function counting(handle: InProcessHandler): InProcessHandler {
  return (req) => {
    if (req.method !== "GET") {
      const parts = req.path.split("/") // "", api, v1 | "", apis, group, version
      let at = parts[1] === "api" ? 3 : 4
      if (parts[at] === "namespaces" && parts.length > at + 2) at += 2
      const [resource, , sub] = parts.slice(at)
      const what = `${req.method} ${resource ?? ""}${sub ? `/${sub}` : ""}`
      return handle(req).then((res) => {
        const w = what + " " + res.status
        writes.set(w, (writes.get(w) ?? 0) + 1)
        return res
      })
    }
    return handle(req)
  }
}

/** Ends a phase: its writes by kind, their total and the CPU seconds the process spent. */
function phase(cpuFrom: NodeJS.CpuUsage): { writes: Record<string, number>; total: number; cpu: number } {
  const sorted = [...writes].sort((a, b) => b[1] - a[1])
  writes = new Map()
  const cpu = process.cpuUsage(cpuFrom)
  return {
    writes: Object.fromEntries(sorted),
    total: sorted.reduce((n, [, c]) => n + c, 0),
    cpu: (cpu.user + cpu.system) / 1e6,
  }
}

function show(name: string, p: ReturnType<typeof phase>): string {
  const kinds = Object.entries(p.writes).map(([k, n]) => `${k} ${n}`)
  return `  ${name}: ${p.total} writes, ${p.cpu.toFixed(2)} s CPU (${kinds.join(", ")})`
}

/** Runs `fn` for 0..n-1, `CONCURRENCY` at a time. */
async function pool(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await fn(next++)
    }),
  )
}

async function bareWrites(client: Client): Promise<number> {
  const pods = client.resource(Pods)
  const t = performance.now()
  const names: string[] = []
  await pool(N, async (i) => {
    const p = await pods.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `bare-${i}`, namespace: "default", labels: { app: "bare" } },
      spec: { containers: [{ name: "c", image: "nginx:1" }] },
    })
    names.push(p.metadata?.name ?? "")
  })
  await pool(names.length, (i) => pods.delete({ namespace: "default", name: names[i] ?? "" }))
  return (performance.now() - t) / 1000
}

/** Binds every pending pod to a node, round robin, until `signal` aborts (a stand-in scheduler). */
async function bindPods(client: Client, signal: AbortSignal): Promise<void> {
  let n = 0
  try {
    for await (const e of client.resource(Pods).watch({ fieldSelector: "spec.nodeName=" }, signal)) {
      const m = e.object.metadata
      if (e.type !== "ADDED" || m?.deletionTimestamp) continue
      const node = `hollow-${n++ % NODES}`
      void client
        .request({
          method: "POST",
          ref: Pods,
          namespace: m?.namespace ?? "",
          name: m?.name ?? "",
          subresource: "binding",
          body: {
            apiVersion: "v1",
            kind: "Binding",
            metadata: { name: m?.name },
            target: { kind: "Node", name: node },
          },
        })
        .catch(() => {}) // gone or bound meanwhile
    }
  } catch {
    // stopped
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
  await session.post("Profiler.start")
  return async () => {
    const { profile } = await session.post("Profiler.stop")
    writeFileSync(file, JSON.stringify(profile))
    session.disconnect()
  }
}

async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 600_000
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

function rolledOut(client: Client, generation: number) {
  return async () => {
    const d = await client.resource(Deployments).get({ namespace: "default", name: "bench" })
    const s = d.status
    return (
      (s?.observedGeneration ?? 0) >= generation &&
      s?.updatedReplicas === N &&
      s.replicas === N &&
      s.availableReplicas === N
    )
  }
}

const dir = mkdtempSync(join(tmpdir(), "k8ts-bench-controllers-"))
const stop = new AbortController()
setMaxListeners(64, stop.signal)
try {
  const store = SqliteStore.open(join(dir, "state.db"))
  const api = createApiServer({ store })
  const serving = api.run(stop.signal)
  await api.ready()
  const client = new InProcessClient(counting(api.handle))
  let cpu = process.cpuUsage()
  const bareS = await bareWrites(client)
  const bare = phase(cpu)

  const log = silentLogger()
  const informers = new SharedInformers(client, { log })
  const deps = { client, informers, clock: realClock, log }
  const nodes = new HollowNodes({
    client,
    nodes: Array.from({ length: NODES }, (_, i) => ({
      name: `hollow-${i}`,
      address: `10.0.${i}.1`,
      podCIDR: `10.244.${i}.0/24`,
    })),
    log,
  })
  const scheduler = new Scheduler({ client, log })
  const controllers = allControllers({ rootCaPem: "" })
    .filter((c) => c.name === "replicaset" || c.name === "deployment")
    .map((c) => new Controller(c, deps))
  const running = [
    informers.run(stop.signal),
    ...controllers.map((c) => c.run(stop.signal)),
    nodes.run(stop.signal),
    STANDIN ? bindPods(client, stop.signal) : scheduler.run(stop.signal),
  ]
  // Start timing once every node is registered and, with the real scheduler, in its cache.
  await until("the nodes", async () =>
    STANDIN
      ? (await client.resource(Nodes).list()).items.length === NODES
      : scheduler.cache.list().length === NODES,
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
  phase(cpu) // the nodes' registration and the informers' start
  cpu = process.cpuUsage()
  let t = performance.now()
  await client.resource(Deployments).create(d)
  await until("all available", rolledOut(client, 1))
  const availableS = (performance.now() - t) / 1000
  const available = phase(cpu)
  const profiling = await startProfile()
  cpu = process.cpuUsage()
  t = performance.now()
  await client
    .resource(Deployments)
    .patch(
      { namespace: "default", name: "bench" },
      { spec: { template: { spec: { containers: [{ name: "c", image: "nginx:2" }] } } } },
      { type: "merge" },
    )
  await until("the rolling update", rolledOut(client, 2))
  const rollingS = (performance.now() - t) / 1000
  const rolling = phase(cpu)
  await profiling?.()
  stop.abort()
  await Promise.allSettled([...running, serving])
  await store.close()

  console.log(`bare writes: ${N} pod creates + ${N} deletes   ${bareS.toFixed(2)} s (baseline)`)
  console.log(`Deployment of ${N} to all available           ${availableS.toFixed(2)} s`)
  console.log(`rolling update of ${N} (maxSurge 25%)         ${rollingS.toFixed(2)} s   target < 2x baseline`)
  console.log(`scheduler: ${STANDIN ? "stand-in (round robin)" : "kube-scheduler"}`)
  console.log(show("bare", bare))
  console.log(show("to available", available))
  console.log(show("rolling update", rolling))
  for (const c of controllers) {
    const st = c.stats()
    console.log(`  ${c.name}: ${st.reconciles} reconciles (${st.failures} failed), ${st.adds} adds`)
  }
  console.log(
    JSON.stringify({
      bench: "controllers",
      value: Number(rollingS.toFixed(3)),
      unit: "s",
      ratio: Number((rollingS / bareS).toFixed(3)),
      available_s: Number(availableS.toFixed(3)),
      bare_s: Number(bareS.toFixed(3)),
      replicas: N,
      rollout_writes: rolling.total,
      rollout_cpu_s: Number(rolling.cpu.toFixed(2)),
      bare_cpu_s: Number(bare.cpu.toFixed(2)),
    }),
  )
} finally {
  stop.abort()
  rmSync(dir, { recursive: true, force: true })
}
