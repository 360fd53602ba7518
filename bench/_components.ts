/**
 * The benches' own components, started like `k8ts server`'s through the component runner
 * (cmd/component-threads.ts): on the API server's thread by default (as `k8ts server`), in
 * BENCH_THREADS component threads when set. Each reaches the cluster only through the client it is given.
 */
import { readlinkSync } from "node:fs"
import { Pods } from "../src/api/index.ts"
import type { Client } from "../src/client/index.ts"
import { HollowNodes, type HollowNodeSpec } from "../src/kubelet/index.ts"
import type { ComponentDeps, Running } from "../cmd/components.ts"

/** The id of the calling thread (Linux: its task in /proc), or undefined elsewhere. */
export function threadTid(): number | undefined {
  try {
    return Number(readlinkSync("/proc/thread-self").split("/").at(-1))
  } catch {
    return undefined
  }
}

/**
 * Many hollow nodes; stats() says once they have all registered and posted their status, and their
 * thread. They record no events about their Nodes (four per node at start, written while the
 * measured load begins), so the figures stay comparable with earlier runs.
 */
export function startHollowNodes(
  deps: ComponentDeps,
  opts: { nodes: HollowNodeSpec[]; workers?: number; leaseRenewMs?: number },
): Running {
  const stop = new AbortController()
  const nodes = new HollowNodes({
    client: deps.client,
    clock: deps.clock,
    log: deps.log,
    nodeEvents: false,
    ...opts,
  })
  const done = nodes.run(stop.signal)
  let settled = false
  void nodes.settled().then(() => (settled = true))
  const tid = threadTid()
  return { name: "nodes", done, stop, stats: () => ({ settled, tid }) }
}

/** Runs `fn` for 0..n-1, `concurrency` at a time. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++)
    }),
  )
}

/**
 * The controllers bench's baseline: `n` pod creates, then their deletes (pods no scheduler
 * binds, so each delete removes its pod in the one request), `concurrency` at a time, twice: a
 * first round on a cold process (code not yet optimised, heap and database growing), then the
 * measured one, as warm as the rollout it is compared with. stats() gives the seconds of both once
 * done; it then waits to be stopped.
 */
export function startBareWrites(deps: ComponentDeps, opts: { n: number; concurrency: number }): Running {
  const stop = new AbortController()
  const rounds: number[] = []
  const done = (async () => {
    const pods = deps.client.resource(Pods)
    for (const round of ["cold", "warm"]) {
      const t = performance.now()
      const names: string[] = []
      await pool(opts.n, opts.concurrency, async (i) => {
        const p = await pods.create({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: `bare-${round}-${i}`, namespace: "default", labels: { app: "bare" } },
          spec: { containers: [{ name: "c", image: "nginx:1" }] },
        })
        names.push(p.metadata?.name ?? "")
      })
      await pool(names.length, opts.concurrency, (i) =>
        pods.delete({ namespace: "default", name: names[i] ?? "" }),
      )
      rounds.push((performance.now() - t) / 1000)
    }
    if (!stop.signal.aborted)
      await new Promise((r) => stop.signal.addEventListener("abort", r, { once: true }))
  })()
  return {
    name: "bench",
    done,
    stop,
    stats: () => (rounds.length === 2 ? { cold: rounds[0], seconds: rounds[1] } : {}),
  }
}

/** Binds every pending pod to a node, round robin, until `signal` aborts (a stand-in scheduler). */
async function bindPods(client: Client, nodes: number, signal: AbortSignal): Promise<void> {
  let n = 0
  try {
    for await (const e of client.resource(Pods).watch({ fieldSelector: "spec.nodeName=" }, signal)) {
      const m = e.object.metadata
      if (e.type !== "ADDED" || m?.deletionTimestamp) continue
      const node = `hollow-${n++ % nodes}`
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

/** A stand-in scheduler: one watch, one binding per pod onto hollow-0..nodes-1, no filtering or scoring. */
export function startStandinScheduler(deps: ComponentDeps, opts: { nodes: number }): Running {
  const stop = new AbortController()
  return { name: "scheduler", done: bindPods(deps.client, opts.nodes, stop.signal), stop }
}
