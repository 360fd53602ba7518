/**
 * A test harness for workload controllers: an in-process API server on a FakeClock, shared
 * informers and the controllers under test running through runController, plus what a kubelet
 * would do (mark pods ready) since none runs.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Namespaces, Pods } from "../api/index.ts"
import {
  type Client,
  type ControllerSpec,
  type InProcessClient,
  runController,
  SharedInformers,
} from "../client/index.ts"
import { settleUntil, startClientEnv, type ClientEnv } from "../testing/index.ts"
import { FakeClock, silentLogger, rfc3339 } from "../util/index.ts"

/** A running set of controllers against a fresh API server. */
export interface Harness {
  readonly env: ClientEnv
  readonly client: InProcessClient
  readonly clock: FakeClock
  readonly informers: SharedInformers
  /** A namespace created for the test. */
  readonly ns: string
  /** Lists the pods of the namespace (live, not from a cache). */
  pods(): Promise<(Pod & ApiObject)[]>
  /** Marks pods Running and Ready (as a kubelet would), at the clock's current time. */
  markReady(pods: readonly (Pod & ApiObject)[]): Promise<void>
  /** While true, every pod without a Ready condition is marked ready as soon as it appears. */
  autoReady: boolean
  /** Waits (on event-loop turns, not time) until `cond` holds, re-evaluated asynchronously. */
  until(cond: () => Promise<boolean>, what: string): Promise<void>
  stop(): Promise<void>
}

/** Starts the API server and `specs`; the namespace is named `ns`. */
export async function startHarness(
  specs: readonly ControllerSpec[],
  opts: { readonly ns?: string; readonly controllerClient?: (c: Client) => Client } = {},
): Promise<Harness> {
  const ns = opts.ns ?? "test"
  const clock = new FakeClock()
  const env = await startClientEnv({ clock })
  const client = env.inProcess
  await client.resource(Namespaces).create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
  const informers = new SharedInformers(client, { clock })
  const ac = new AbortController()
  // The controllers' writes may go through a wrapper (to inject failures); informers read directly.
  const deps = { client: opts.controllerClient?.(client) ?? client, informers, clock, log: silentLogger() }
  const running = Promise.all([
    informers.run(ac.signal),
    ...specs.map((s) => runController(s, deps, ac.signal)),
  ])
  const stamp = () => rfc3339(clock.now())
  const h: Harness = {
    autoReady: false,
    env,
    client,
    clock,
    informers,
    ns,
    async pods() {
      return (await client.resource(Pods).list({ namespace: ns })).items
    },
    async markReady(pods) {
      for (const p of pods) {
        const at = stamp()
        await client.resource(Pods).patch(
          { namespace: ns, name: p.metadata?.name ?? "" },
          {
            status: {
              phase: "Running",
              conditions: [
                { type: "Ready", status: "True", lastTransitionTime: at },
                { type: "ContainersReady", status: "True", lastTransitionTime: at },
              ],
            },
          },
          { type: "merge", subresource: "status" },
        )
      }
    },
    async until(cond, what) {
      let ok = false
      let pending: Promise<void> | undefined
      await settleUntil(() => {
        pending ??= cond().then((v) => {
          ok = v
          pending = undefined
        })
        return ok
      }, what)
    },
    async stop() {
      ac.abort()
      await running
      await env.stop()
    },
  }
  // A stand-in kubelet: pods turn ready the moment they are seen, while autoReady holds.
  const ready = (p: Pod & ApiObject) => {
    if (!h.autoReady || p.metadata?.deletionTimestamp) return
    if (p.status?.conditions?.some((c) => c.type === "Ready")) return
    h.markReady([p]).catch(() => {}) // gone already: nothing to mark
  }
  informers.get(Pods).addHandler({ onAdd: ready, onUpdate: (_old, p) => ready(p), onDelete: () => {} })
  return h
}
