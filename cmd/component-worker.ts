/**
 * The entry of a component thread (see component-threads.ts): starts the tasks it was given,
 * each with its own PortClient on the port it was handed (one for the thread), and reports to the parent thread when
 * each has started, how it is (health, stats) when asked, and when it is done or failed.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads"
import { Registry } from "prom-client"
import { PortClient } from "../src/client/index.ts"
import { createLogger, type LogOptions, realClock } from "../src/util/index.ts"
import { type ComponentTask, startTask } from "./component-task.ts"
import type { LeaderElection, Running } from "./components.ts"

/** What a component thread is started with (its workerData). */
export interface ThreadInit {
  readonly tasks: readonly ComponentTask[]
  /** The port every task's client talks to the API server through. */
  readonly port: MessagePort
  /** Each task's User-Agent, by task name. */
  readonly userAgents: Readonly<Record<string, string>>
  readonly log: Pick<LogOptions, "level" | "format">
  readonly leaderElection: LeaderElection
}

/** What the parent thread posts: stop a component, or ask how it is. */
export type ToThread =
  | { readonly t: "stop"; readonly name: string }
  | { readonly t: "ask"; readonly id: number; readonly name: string; readonly what: ThreadQuestion }

/** What the parent thread may ask: a component's health or stats, or the thread's metrics (JSON). */
export type ThreadQuestion = "health" | "stats" | "metrics"

/** What a component thread posts. */
export type FromThread =
  | { readonly t: "started"; readonly name: string; readonly health: boolean }
  | { readonly t: "failed"; readonly name: string; readonly error: string }
  | { readonly t: "done"; readonly name: string; readonly error?: string }
  | { readonly t: "reply"; readonly id: number; readonly value?: unknown; readonly error?: string }

const errorText = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err))

/** Runs the tasks of `init`, talking to the parent over `parent`. */
function serve(parent: MessagePort, init: ThreadInit): void {
  const log = createLogger(init.log)
  const metrics = new Registry()
  const running = new Map<string, Running>()
  const stopped = new Set<string>()
  const post = (msg: FromThread) => parent.postMessage(msg)
  const answer = async (msg: Extract<ToThread, { t: "ask" }>) => {
    const r = running.get(msg.name)
    try {
      const value =
        msg.what === "metrics"
          ? await metrics.getMetricsAsJSON()
          : msg.what === "health"
            ? await r?.health?.()
            : r?.stats?.()
      post({ t: "reply", id: msg.id, value })
    } catch (err) {
      post({ t: "reply", id: msg.id, error: errorText(err) })
    }
  }
  parent.on("message", (msg: ToThread) => {
    if (msg.t === "ask") return void answer(msg)
    stopped.add(msg.name)
    running.get(msg.name)?.stop.abort()
  })
  for (const task of init.tasks) {
    const client = new PortClient(init.port, {
      userAgent: init.userAgents[task.name] ?? "k8ts",
      from: task.name,
    })
    const deps = { client, clock: realClock, log, metrics, leaderElection: init.leaderElection }
    startTask(task, deps).then(
      (r) => {
        running.set(task.name, r)
        post({ t: "started", name: task.name, health: r.health !== undefined })
        if (stopped.has(task.name)) r.stop.abort()
        r.done.then(
          () => post({ t: "done", name: task.name }),
          (err: unknown) => post({ t: "done", name: task.name, error: errorText(err) }),
        )
      },
      (err: unknown) => post({ t: "failed", name: task.name, error: errorText(err) }),
    )
  }
}

if (parentPort) serve(parentPort, workerData as ThreadInit)
