/**
 * The scheduling loop (upstream's scheduleOne): pop a pod, pick a node over the cache, assume
 * the pod there at once, and bind in the background while the next pod is scheduled. A pod that
 * fits nowhere runs the post-filters (preemption), gets its condition and event, and waits in
 * the queue for a change.
 */
import { setMaxListeners } from "node:events"
import type { Pod } from "kubernetes-types/core/v1.js"
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js"
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js"
import {
  type ApiObject,
  findResource,
  Namespaces,
  Nodes,
  PersistentVolumeClaims,
  PersistentVolumes,
  Pods,
  type ResourceRef,
  selectorMatcher,
  StorageClasses,
} from "../api/index.ts"
import {
  BY_NAMESPACE,
  type Client,
  EventsV1Broadcaster,
  SharedInformers,
  stripManagedFields,
} from "../client/index.ts"
import { type Clock, type Logger, realClock, silentLogger } from "../util/index.ts"
import { SchedulerCache } from "./cache.ts"
import { DEFAULT_SCHEDULER_NAME, type KubeSchedulerConfiguration, resolveProfiles } from "./config.ts"
import { defaultSpreadSelector, SPREAD_SOURCES } from "./default-selector.ts"
import { CycleState } from "./framework/cycle-state.ts"
import { type PodInfo, withNewerPod } from "./framework/pod-info.ts"
import { Framework, type Registry } from "./framework/runner.ts"
import { isSuccess } from "./framework/status.ts"
import type { DisruptionBudget, QueuedPodInfo, VolumeLister } from "./framework/types.ts"
import { nodeHandler, podHandler } from "./handlers.ts"
import { inTreePlugins } from "./plugins/registry.ts"
import { SchedulingQueue } from "./queue.ts"
import { type ReporterDeps, reportFailure, reportScheduled } from "./report.ts"
import { FitError, GenericScheduler } from "./schedule-one.ts"

/** The PriorityClass resource. */
export const PriorityClasses = findResource("scheduling.k8s.io", "v1", "priorityclasses") as ResourceRef<
  PriorityClass & ApiObject
>

/** The PodDisruptionBudget resource. */
export const PodDisruptionBudgets = findResource("policy", "v1", "poddisruptionbudgets") as ResourceRef<
  PodDisruptionBudget & ApiObject
>

/** Options of Scheduler. */
export interface SchedulerOptions {
  readonly client: Client
  readonly clock?: Clock
  readonly log?: Logger
  readonly config?: KubeSchedulerConfiguration
  /** Plugin factories (default: the in-tree plugins). */
  readonly registry?: Registry
  /**
   * The host named in the Events' reportingInstance, `<scheduler name>-<hostname>` (default
   * os.hostname(), as upstream's).
   */
  readonly hostname?: string
}

/** Counters of a running scheduler. */
export interface SchedulerStats {
  attempts: number
  /** Nodes filtered over all successful attempts (their average shows the sampling at work). */
  evaluatedNodes: number
  scheduled: number
  unschedulable: number
  errors: number
}

/**
 * Yield to I/O after this much uninterrupted scheduling (ms), so binds and watches progress.
 * Upstream's scheduler has cores of its own; here one event loop also runs the API server and
 * the pods' creators, and one turn of theirs takes far longer than 5 ms of scheduling: with
 * short slices the scheduler fell behind a burst and pods waited seconds in its queue (p50
 * 4.5-7 s against 0.4-0.6 s with 30 ms, same bench minutes). A pod costs about 0.1-0.3 ms.
 */
const YIELD_EVERY_MS = 30

/** Schedules pods until its signal aborts. */
export class Scheduler {
  readonly cache = new SchedulerCache()
  readonly queue: SchedulingQueue
  readonly stats: SchedulerStats = {
    attempts: 0,
    evaluatedNodes: 0,
    scheduled: 0,
    unschedulable: 0,
    errors: 0,
  }
  readonly #clock: Clock
  readonly #log: Logger
  readonly #informers: SharedInformers
  readonly #frameworks = new Map<string, Framework>()
  readonly #algorithm = new GenericScheduler()
  /** Writes the Events of every profile (upstream's one broadcaster, a recorder per profile). */
  readonly #events: EventsV1Broadcaster
  /** What reports a pod's outcome, by the scheduler name of its profile. */
  readonly #reporters = new Map<string, ReporterDeps>()
  readonly #pending = new Set<Promise<void>>()
  /** The pods nominated to a node, for every cycle (one function, not a closure per pod). */
  readonly #nominated = (node: string) => this.queue.nominator.podsFor(node)

  constructor(opts: SchedulerOptions) {
    this.#clock = opts.clock ?? realClock
    this.#log = opts.log ?? silentLogger()
    // Without managedFields, as kube-scheduler's informers: nothing here reads them.
    this.#informers = new SharedInformers(opts.client, {
      clock: this.#clock,
      log: this.#log,
      transform: stripManagedFields,
    })
    this.#events = new EventsV1Broadcaster(opts.client, {
      clock: this.#clock,
      log: this.#log,
      ...(opts.hostname ? { hostname: opts.hostname } : {}),
    })
    const spread = defaultSpreadSelector(this.#informers)
    for (const profile of resolveProfiles(opts.config)) {
      const recorder = this.#events.newRecorder(profile.schedulerName)
      this.#reporters.set(profile.schedulerName, {
        client: opts.client,
        recorder,
        clock: this.#clock,
        log: this.#log,
      })
      const fwk = new Framework(profile, opts.registry ?? inTreePlugins, {
        snapshot: this.cache,
        client: opts.client,
        recorder,
        schedulerName: profile.schedulerName,
        clock: this.#clock,
        defaultSpreadSelector: spread,
        nominatedPods: (node) => this.queue.nominator.podsFor(node),
        forgetNomination: (uid) => this.queue.nominator.delete(uid),
        disruptionBudgets: (ns) => this.#disruptionBudgets(ns),
        namespaceLabels: (ns) => this.#namespaceLabels(ns),
        volumes: this.#volumeLister(),
      })
      this.#frameworks.set(profile.schedulerName, fwk)
    }
    const first = [...this.#frameworks.values()][0]
    const sort = first?.queueSort
    if (!sort) throw new TypeError("Cannot create the scheduler: its first profile has no QueueSort plugin")
    this.queue = new SchedulingQueue({
      clock: this.#clock,
      less: (a, b) => sort.less(a, b),
      ...(opts.config?.podInitialBackoffSeconds
        ? { initialBackoffMs: opts.config.podInitialBackoffSeconds * 1000 }
        : {}),
      ...(opts.config?.podMaxBackoffSeconds ? { maxBackoffMs: opts.config.podMaxBackoffSeconds * 1000 } : {}),
    })
  }

  /** Watches pods, nodes and priority classes, then schedules until `signal` aborts. */
  async run(outer: AbortSignal): Promise<void> {
    // Informers, the queue and binds each listen for the abort: allow that many listeners.
    const stop = new AbortController()
    setMaxListeners(100, stop.signal)
    const forward = () => stop.abort(outer.reason)
    outer.addEventListener("abort", forward, { once: true })
    if (outer.aborted) forward()
    try {
      await this.#run(stop.signal)
    } finally {
      outer.removeEventListener("abort", forward)
    }
  }

  async #run(signal: AbortSignal): Promise<void> {
    const targets = {
      cache: this.cache,
      queue: this.queue,
      isResponsible: (pod: Pod) => this.#frameworks.has(pod.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME),
      withPriority: (pod: Pod) => this.#withPriority(pod),
    }
    this.#informers.get(PriorityClasses)
    this.#informers.get(PodDisruptionBudgets)
    this.#informers.get(Namespaces)
    for (const ref of SPREAD_SOURCES) this.#informers.get<ApiObject>(ref as ResourceRef)
    // A claim, volume or class change may let a pod waiting on volumes fit.
    const retry = {
      onAdd: () => this.queue.moveAllToActiveOrBackoff(),
      onUpdate: () => this.queue.moveAllToActiveOrBackoff(),
      onDelete: () => {},
    }
    for (const ref of [PersistentVolumeClaims, PersistentVolumes, StorageClasses] as ResourceRef[]) {
      this.#informers.get<ApiObject>(ref).addHandler(retry)
    }
    this.#informers.get(Nodes).addHandler(nodeHandler(targets))
    this.#informers.get(Pods).addHandler(podHandler(targets))
    const informing = this.#informers.run(signal)
    const recording = this.#events.run(signal)
    try {
      if (!(await this.#informers.waitForSync(signal))) return
      this.#log.info(
        { nodes: this.cache.list().length, profiles: [...this.#frameworks.keys()] },
        "Scheduler started",
      )
      const flushing = this.queue.run(signal)
      await this.#loop(signal)
      await flushing
    } finally {
      this.queue.close()
      await Promise.allSettled([...this.#pending])
      await informing
      await recording
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let since = performance.now()
    for (;;) {
      const q = await this.queue.pop(signal)
      if (!q) return
      await this.#scheduleOne(q, signal)
      if (performance.now() - since > YIELD_EVERY_MS) {
        await new Promise((r) => setImmediate(r))
        since = performance.now()
      }
    }
  }

  #volumeLister(): VolumeLister {
    const informers = this.#informers
    return {
      claim: (ns, name) => informers.get(PersistentVolumeClaims).cache.get(`${ns}/${name}`),
      volume: (name) => informers.get(PersistentVolumes).cache.get(name),
      volumes: () => informers.get(PersistentVolumes).cache.list(),
      storageClass: (name) => informers.get(StorageClasses).cache.get(name),
    }
  }

  #disruptionBudgets(namespace: string): DisruptionBudget[] {
    return this.#informers
      .get(PodDisruptionBudgets)
      .cache.byIndex(BY_NAMESPACE, namespace)
      .map((pdb) => {
        const sel = pdb.spec?.selector
        // An empty selector selects no pod here, as upstream's preemption reads it.
        const empty = !sel || (!sel.matchLabels && !sel.matchExpressions?.length)
        return {
          matches: empty ? () => false : selectorMatcher(sel),
          disruptionsAllowed: pdb.status?.disruptionsAllowed ?? 0,
          disrupted: new Set(Object.keys(pdb.status?.disruptedPods ?? {})),
        }
      })
  }

  #namespaceLabels(name: string): Readonly<Record<string, string>> | undefined {
    const ns = this.#informers.get(Namespaces).cache.get(name)
    return ns ? (ns.metadata?.labels ?? {}) : undefined
  }

  #withPriority(pod: Pod): Pod {
    if (pod.spec?.priority !== undefined && pod.spec.priority !== null) return pod
    const classes = this.#informers.get(PriorityClasses).cache
    const name = pod.spec?.priorityClassName
    const pc = name
      ? classes.list().find((c) => c.metadata?.name === name)
      : classes.list().find((c) => c.globalDefault)
    return { ...pod, spec: { ...(pod.spec ?? { containers: [] }), priority: pc?.value ?? 0 } }
  }

  async #scheduleOne(q: QueuedPodInfo, signal: AbortSignal): Promise<void> {
    const pi = q.podInfo
    const fwk = this.#frameworks.get(pi.pod.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME)
    if (!fwk || this.cache.has(pi.uid)) return this.queue.done(pi.uid)
    this.stats.attempts++
    const cycle = this.queue.schedulingCycle
    const state = new CycleState()
    let result
    try {
      result = this.#algorithm.schedule(fwk, {
        state,
        pod: pi,
        snapshot: this.cache,
        nominated: this.#nominated,
      })
    } catch (err) {
      return this.#fail(q, cycle, { reason: "SchedulerError", message: String(err) })
    }
    if (result instanceof FitError) {
      q.unschedulablePlugins = new Set(
        [...result.statuses.values()].map((s) => s.plugin).filter((p): p is string => !!p),
      )
      const post = await fwk.runPostFilter(state, pi, result.statuses, signal)
      if (!isSuccess(post.status)) result.postFilterMsg = post.status.reasons.join(", ")
      const nominated = post.nominatedNodeName
      if (nominated) this.queue.nominator.add(pi, nominated)
      else if (nominated === "") this.queue.nominator.delete(pi.uid)
      // An empty nomination clears one the pod has.
      const write = nominated || (nominated === "" && pi.pod.status?.nominatedNodeName)
      return this.#fail(q, cycle, {
        reason: "Unschedulable",
        message: result.message,
        ...(write ? { nominatedNodeName: nominated } : {}),
      })
    }
    this.stats.evaluatedNodes += result.evaluatedNodes
    const host = result.suggestedHost
    const assumed = withNewerPod(pi, {
      ...pi.pod,
      spec: { ...(pi.pod.spec ?? { containers: [] }), nodeName: host },
    })
    this.cache.assumePod(assumed, host)
    this.queue.nominator.delete(pi.uid)
    const reserved = fwk.runReserve(state, assumed, host)
    if (!isSuccess(reserved)) {
      fwk.runUnreserve(state, assumed, host)
      this.cache.forgetPod(pi.uid)
      return this.#fail(q, cycle, { reason: "SchedulerError", message: reserved.reasons.join(", ") })
    }
    this.#track(this.#bind(fwk, state, q, assumed, host, signal))
  }

  /** Keeps a background write until it settles, so run() can wait for it when stopping. */
  #track(work: Promise<void>): void {
    const tracked = work
      .catch((err: unknown) => this.#log.error({ err: String(err) }, "Background scheduler write failed"))
      .finally(() => this.#pending.delete(tracked))
    this.#pending.add(tracked)
  }

  async #bind(
    fwk: Framework,
    state: CycleState,
    q: QueuedPodInfo,
    pi: PodInfo,
    host: string,
    signal: AbortSignal,
  ): Promise<void> {
    const pre = await fwk.runPreBind(state, pi, host, signal)
    const s = isSuccess(pre) ? await fwk.runBind(state, pi, host, signal) : pre
    if (isSuccess(s)) {
      this.stats.scheduled++
      this.cache.finishBinding(pi.uid, this.#clock.now())
      this.queue.done(pi.uid)
      reportScheduled(this.#reporterOf(pi.pod), pi.pod, host)
      return
    }
    fwk.runUnreserve(state, pi, host)
    this.cache.forgetPod(pi.uid)
    // Another pod may fit where this one was assumed.
    this.queue.moveAllToActiveOrBackoff()
    if (signal.aborted) return
    this.#log.warn({ pod: pi.key, node: host, err: s.reasons.join(", ") }, "Binding failed")
    await this.#fail(q, this.queue.schedulingCycle, {
      reason: "SchedulerError",
      message: `binding rejected: ${s.reasons.join(", ")}`,
    })
  }

  async #fail(
    q: QueuedPodInfo,
    cycle: number,
    opts: { reason: "Unschedulable" | "SchedulerError"; message: string; nominatedNodeName?: string },
  ): Promise<void> {
    if (opts.reason === "Unschedulable") {
      this.stats.unschedulable++
      this.queue.addUnschedulable(q, cycle)
    } else {
      this.stats.errors++
      this.queue.addBackoff(q)
    }
    // The latest version of the pod, for its conditions; gone means nothing to report.
    const current = this.#informers.get(Pods).cache.get(q.podInfo.key)
    if (!current || current.spec?.nodeName) return
    // Written in the background: the next pod need not wait for this one's status.
    this.#track(reportFailure(this.#reporterOf(current), current, opts))
  }

  /** The reporter of the profile that schedules `pod` (#scheduleOne found it). */
  #reporterOf(pod: Pod): ReporterDeps {
    const reporter = this.#reporters.get(pod.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME)
    if (!reporter) throw new TypeError(`Cannot report on pod: no profile "${pod.spec?.schedulerName}"`)
    return reporter
  }
}
