/**
 * A harness for the batch controllers' tests: an in-process API server on a FakeClock, the
 * controllers under test running against it in a fresh namespace, and helpers that play the
 * kubelet's part (pod phases set through status patches) and read the resulting state.
 */
import { Events, Namespaces, Pods } from "../../api/index.ts"
import { Controller, type ControllerSpec, SharedInformers } from "../../client/index.ts"
import { type ClientEnv, startClientEnv } from "../../testing/index.ts"
import { FakeClock, createLogger, silentLogger } from "../../util/index.ts"
import type { Pod } from "./types.ts"

/** The start of every test's clock: a whole minute, 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1)

/** A running harness. */
export interface BatchEnv {
  readonly env: ClientEnv
  readonly clock: FakeClock
  readonly ns: string
  readonly client: ClientEnv["inProcess"]
  /** The namespace's pods, by name. */
  pods(): Promise<Pod[]>
  /** Sets a pod's phase (and more status) as a kubelet would. */
  setPhase(pod: Pod | string, phase: string, status?: Record<string, unknown>): Promise<void>
  /** Reasons and messages of the Events in the namespace about `name`. */
  events(name?: string): Promise<{ reason: string; message: string; kind: string }[]>
  /** Retries `check` (each turn lets the event loop run) until it returns true. */
  eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void>
  /** Lets the controllers go idle, moves the clock, and lets what it woke settle. */
  advance(ms: number): Promise<void>
  stop(): Promise<void>
}

let n = 0

/** Starts `specs` against a fresh API server, in namespace `batch-<n>`. */
export async function startBatchEnv(specs: readonly ControllerSpec[], start = T0): Promise<BatchEnv> {
  const clock = new FakeClock(start)
  const env = await startClientEnv({ clock })
  const client = env.inProcess
  const ns = `batch-${++n}`
  await client.resource(Namespaces).create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
  const informers = new SharedInformers(client, { clock })
  const ac = new AbortController()
  const deps = {
    client,
    informers,
    clock,
    log: process.env.BATCH_TEST_LOG ? createLogger({ level: process.env.BATCH_TEST_LOG }) : silentLogger(),
  }
  const controllers = specs.map((s) => new Controller(s, deps))
  const running = Promise.all([informers.run(ac.signal), ...controllers.map((c) => c.run(ac.signal))])
  const turn = () => new Promise((r) => setImmediate(r))
  // Idle: no key queued or being reconciled (delayed keys wait for the clock).
  const settle = async () => {
    for (let i = 0; i < 3000; i++) {
      await turn()
      if (controllers.every((c) => c.stats().depth === 0 && c.stats().processing === 0)) return
    }
  }
  const h: BatchEnv = {
    env,
    clock,
    ns,
    client,
    async pods() {
      const list = await client.resource(Pods).list({ namespace: ns })
      return list.items.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))
    },
    async setPhase(pod, phase, status = {}) {
      const name = typeof pod === "string" ? pod : (pod.metadata?.name ?? "")
      await client
        .resource(Pods)
        .patch(
          { namespace: ns, name },
          { status: { phase, ...status } },
          { type: "merge", subresource: "status" },
        )
    },
    async events(name) {
      const list = await client.resource(Events).list({ namespace: ns })
      return list.items
        .filter((e) => !name || e.involvedObject?.name === name)
        .map((e) => ({
          reason: e.reason ?? "",
          message: e.message ?? "",
          kind: e.involvedObject?.kind ?? "",
        }))
    },
    async eventually(check, what) {
      for (let i = 0; i < 3000; i++) {
        if (await check()) return
        await turn()
      }
      throw new Error(`Timed out waiting for ${what}`)
    },
    async advance(ms) {
      // Let every reconcile under way finish (and set its timers) before time moves.
      await settle()
      await clock.advance(ms)
      await settle()
    },
    async stop() {
      ac.abort()
      await running
      await env.stop()
    },
  }
  return h
}
