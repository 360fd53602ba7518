/**
 * `npm run bench -- controllers`: a Deployment of 1,000 replicas on hollow nodes in one process
 * (API server on SQLite, in-process client, the Deployment and ReplicaSet controllers, 20 hollow
 * nodes): seconds until all are available, then seconds for a full rolling update (maxSurge 25%).
 * Until k8ts has a scheduler, a stand-in binds pending pods to the nodes round robin.
 * Baseline: the same number of pod creates and deletes issued directly through the client.
 * Last line: value = rolling update seconds, ratio = rollout time over the bare writes' time.
 * BENCH_REPLICAS changes the size.
 */
import { setMaxListeners } from "node:events"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Deployment } from "kubernetes-types/apps/v1.js"
import { type ApiObject, Deployments, Pods } from "../src/api/index.ts"
import { createApiServer } from "../src/apiserver/index.ts"
import { type Client, InProcessClient, runController, SharedInformers } from "../src/client/index.ts"
import { allControllers } from "../src/controllers/index.ts"
import { HollowNodes } from "../src/kubelet/index.ts"
import { SqliteStore } from "../src/storage/index.ts"
import { realClock, silentLogger } from "../src/util/index.ts"

const N = Number(process.env.BENCH_REPLICAS ?? 1000)
const NODES = 20
const CONCURRENCY = 32

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
  const client = new InProcessClient(api.handle)
  const bareS = await bareWrites(client)

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
  const running = [
    informers.run(stop.signal),
    ...allControllers({ rootCaPem: "" })
      .filter((c) => c.name === "replicaset" || c.name === "deployment")
      .map((c) => runController(c, deps, stop.signal)),
    nodes.run(stop.signal),
    bindPods(client, stop.signal),
  ]
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
  let t = performance.now()
  await client.resource(Deployments).create(d)
  await until("all available", rolledOut(client, 1))
  const availableS = (performance.now() - t) / 1000
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
  stop.abort()
  await Promise.allSettled([...running, serving])
  await store.close()

  console.log(`bare writes: ${N} pod creates + ${N} deletes   ${bareS.toFixed(2)} s (baseline)`)
  console.log(`Deployment of ${N} to all available           ${availableS.toFixed(2)} s`)
  console.log(`rolling update of ${N} (maxSurge 25%)         ${rollingS.toFixed(2)} s   target < 2x baseline`)
  console.log(
    JSON.stringify({
      bench: "controllers",
      value: Number(rollingS.toFixed(3)),
      unit: "s",
      ratio: Number((rollingS / bareS).toFixed(3)),
      available_s: Number(availableS.toFixed(3)),
      bare_s: Number(bareS.toFixed(3)),
      replicas: N,
    }),
  )
} finally {
  stop.abort()
  rmSync(dir, { recursive: true, force: true })
}
