/**
 * Runs control-plane components beside the API server either on this thread or in component
 * threads (workers), as upstream runs kube-scheduler and kube-controller-manager as processes
 * of their own: each component's Client talks to the API server's handler over a MessagePort
 * (PortClient, servePort) with the loopback identity, so the API server, the store and the
 * components' informers and loops share two cores rather than one. Stopping a component, its
 * end, its failure and its health cross the thread boundary; a thread that dies fails the
 * `done` of every component it ran.
 */
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads"
import type { EventLoopUtilization } from "node:perf_hooks"
import type { Metric, MetricObjectWithValues, MetricValue, Registry } from "prom-client"
import type { ComponentHealth } from "../src/apiserver/index.ts"
import { InProcessClient, type InProcessHandler, servePort } from "../src/client/index.ts"
import { type Clock, type Logger, type LogOptions, realClock } from "../src/util/index.ts"
import { type ComponentTask, startTask } from "./component-task.ts"
import type { FromThread, ThreadInit, ThreadQuestion, ToThread } from "./component-worker.ts"
import type { LeaderElection, Running } from "./components.ts"

/** Options of startComponentTasks. */
export interface ComponentRunnerOptions {
  /** The API server's handler the components' requests go to. */
  readonly handle: InProcessHandler
  /** The handler for one component's requests (e.g. one that counts them); default `handle`. */
  readonly handleFor?: (component: string) => InProcessHandler
  /** The User-Agent of the components' requests (it names their field manager); default `k8ts`. */
  readonly userAgent?: string
  /** One component's User-Agent (upstream's binary name, e.g. kube-scheduler); default `userAgent`. */
  readonly userAgentFor?: (component: string) => string | undefined
  /** Component threads to spread the tasks over; 0 runs them on this thread. */
  readonly threads: number
  readonly log: Logger
  /** How the component threads log (their own loggers, to standard error). */
  readonly logOptions?: Pick<LogOptions, "level" | "format">
  /** Where components on this thread register their metrics. */
  readonly metrics: Registry
  readonly leaderElection: LeaderElection
  /** Components on this thread only (threads run on the real clock). */
  readonly clock?: Clock
}

/** A started component, wherever it runs. */
export interface StartedComponent extends Running {
  /** Where it runs: "main" or "thread <n>". */
  readonly thread: string
  /** Its `stats()`, if it has one (structured-cloned when it comes from a thread). */
  stats(): Promise<unknown>
  /** How busy its thread's event loop has been (since `since`), as performance.eventLoopUtilization. */
  eventLoopUtilization(since?: EventLoopUtilization): EventLoopUtilization
}

/**
 * Starts `tasks` on this thread or over `opts.threads` component threads (round robin, in
 * order); resolves once every one has started, in the order of `tasks`.
 * @throws Error when a task fails to start (its thread is then stopped)
 */
export async function startComponentTasks(
  tasks: readonly ComponentTask[],
  opts: ComponentRunnerOptions,
): Promise<StartedComponent[]> {
  if (opts.threads <= 0 || tasks.length === 0) return Promise.all(tasks.map((t) => startHere(t, opts)))
  const groups: ComponentTask[][] = Array.from({ length: Math.min(opts.threads, tasks.length) }, () => [])
  tasks.forEach((t, i) => groups[i % groups.length]?.push(t))
  const started = (await Promise.all(groups.map((g, i) => startThread(g, i + 1, opts)))).flat()
  return tasks.flatMap((t) => started.find((s) => s.name === t.name) ?? [])
}

function userAgentOf(component: string, opts: ComponentRunnerOptions): string {
  return opts.userAgentFor?.(component) ?? opts.userAgent ?? "k8ts"
}

async function startHere(task: ComponentTask, opts: ComponentRunnerOptions): Promise<StartedComponent> {
  const client = new InProcessClient(opts.handleFor?.(task.name) ?? opts.handle, {
    userAgent: userAgentOf(task.name, opts),
  })
  const deps = {
    client,
    clock: opts.clock ?? realClock,
    log: opts.log,
    metrics: opts.metrics,
    leaderElection: opts.leaderElection,
  }
  const r = await startTask(task, deps)
  const stats = r.stats
  return {
    ...r,
    thread: "main",
    stats: async () => stats?.(),
    eventLoopUtilization: (since) => performance.eventLoopUtilization(since),
  }
}

/** Settles later: a promise with its resolve and reject. */
function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (err: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/**
 * A worker whose entry loads the TypeScript sources as this thread does: through tsx, which a
 * worker does not inherit (neither bin/k8ts.js's register() nor `--import tsx` reaches it).
 */
function newWorker(init: ThreadInit, transfer: MessagePort[], name: string): Worker {
  const tsx = import.meta.resolve("tsx/esm/api")
  const entry = new URL("./component-worker.ts", import.meta.url).href
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry)})`
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), {
    workerData: init,
    transferList: transfer,
    name,
  })
}

type ThreadMetric = MetricObjectWithValues<MetricValue<string>>

/**
 * Serves the metrics a component thread registered (e.g. the controller manager's workqueue
 * metrics) from `registry` too: each scrape asks the thread once for all of them; a thread
 * that ended serves none.
 */
async function forwardMetrics(registry: Registry, fetch: () => Promise<ThreadMetric[]>): Promise<void> {
  let last: { at: number; metrics: Promise<ThreadMetric[]> } | undefined
  const snapshot = () => {
    const now = performance.now()
    if (!last || now - last.at > 100) last = { at: now, metrics: fetch().catch(() => []) }
    return last.metrics
  }
  for (const m of await fetch().catch((): ThreadMetric[] => [])) {
    if (registry.getSingleMetric(m.name)) continue
    const empty = { name: m.name, help: m.help, type: m.type, aggregator: m.aggregator, values: [] }
    const proxy = { ...empty, get: async () => (await snapshot()).find((s) => s.name === m.name) ?? empty }
    registry.registerMetric(proxy as unknown as Metric)
  }
}

/** Starts `tasks` in a new component thread. */
async function startThread(
  tasks: readonly ComponentTask[],
  n: number,
  opts: ComponentRunnerOptions,
): Promise<StartedComponent[]> {
  const thread = `thread ${n}`
  const log = opts.log.child({ thread: `component-${n}` })
  // One port for the thread: its components' clients share it (and the watch lines it carries).
  const channel = new MessageChannel()
  const handlers = new Map(tasks.map((t) => [t.name, opts.handleFor?.(t.name) ?? opts.handle]))
  const stopServing = servePort(channel.port1, opts.handle, {
    handlerFor: (from) => handlers.get(from) ?? opts.handle,
  })
  const init: ThreadInit = {
    tasks,
    port: channel.port2,
    userAgents: Object.fromEntries(tasks.map((t) => [t.name, userAgentOf(t.name, opts)])),
    log: opts.logOptions ?? {},
    leaderElection: opts.leaderElection,
  }
  const worker = newWorker(init, [channel.port2], `k8ts components ${n}`)
  const starts = new Map(tasks.map((t) => [t.name, deferred<boolean>()]))
  const dones = new Map(tasks.map((t) => [t.name, deferred<void>()]))
  const asks = new Map<number, ReturnType<typeof deferred<unknown>>>()
  let nextAsk = 1
  let ended: Error | undefined
  const post = (msg: ToThread) => {
    if (!ended) worker.postMessage(msg)
  }
  const ask = (name: string, what: ThreadQuestion): Promise<unknown> => {
    if (ended) return Promise.reject(ended)
    const id = nextAsk++
    const d = deferred<unknown>()
    asks.set(id, d)
    post({ t: "ask", id, name, what })
    return d.promise
  }
  const fail = (err: Error) => {
    ended ??= err
    for (const d of [...starts.values(), ...dones.values(), ...asks.values()]) d.reject(err)
    stopServing()
  }
  let left = tasks.length
  worker.on("message", (msg: FromThread) => {
    switch (msg.t) {
      case "started":
        return starts.get(msg.name)?.resolve(msg.health)
      case "failed":
        return starts.get(msg.name)?.reject(new Error(msg.error))
      case "done": {
        const d = dones.get(msg.name)
        if (msg.error) d?.reject(new Error(msg.error))
        else d?.resolve()
        // The thread's work is over once every component is: end it (and its ports).
        if (--left === 0) void worker.terminate()
        return
      }
      case "reply": {
        const d = asks.get(msg.id)
        asks.delete(msg.id)
        return msg.error ? d?.reject(new Error(msg.error)) : d?.resolve(msg.value)
      }
    }
  })
  worker.on("error", (err) => {
    log.error({ err: err.stack ?? String(err) }, "Component thread failed")
    fail(new Error(`The component thread failed: ${err.message}`))
  })
  worker.on("exit", (code) => {
    if (left > 0) log.error({ code }, "Component thread exited")
    fail(new Error(`The component thread exited (code ${code})`))
  })
  // A component whose done nobody awaits yet must not fail the process as unhandled.
  for (const d of dones.values()) d.promise.catch(() => {})
  let health: boolean[]
  try {
    health = await Promise.all(tasks.map((t) => starts.get(t.name)!.promise))
  } catch (err) {
    await worker.terminate()
    throw err
  }
  await forwardMetrics(
    opts.metrics,
    () => ask("", "metrics") as Promise<MetricObjectWithValues<MetricValue<string>>[]>,
  )
  return tasks.map((task, i): StartedComponent => {
    const stop = new AbortController()
    stop.signal.addEventListener("abort", () => post({ t: "stop", name: task.name }), { once: true })
    const stopped = (): ComponentHealth => ({
      status: "False",
      message: `the ${task.name} has stopped: ${ended?.message ?? ""}`,
      error: "",
    })
    return {
      name: task.name,
      thread,
      done: dones.get(task.name)!.promise,
      stop,
      stats: () => ask(task.name, "stats"),
      eventLoopUtilization: (since) => worker.performance.eventLoopUtilization(since),
      ...(health[i]
        ? { health: async () => (ended ? stopped() : ((await ask(task.name, "health")) as ComponentHealth)) }
        : {}),
    }
  })
}
