/**
 * The scheduling queue (upstream's PriorityQueue, simplified): activeQ ordered by the profile's
 * queue sort (priority, then queue time), backoffQ for pods that failed recently (1 s doubling to
 * 10 s per pod), and the unschedulable pods, moved back when something happens that may let
 * them fit (a node added or changed, a pod deleted) or after 5 minutes regardless. Entries are
 * keyed by pod uid; the latest PodInfo of a pod replaces the older one wherever it waits.
 * A pod with scheduling gates never enters the active queue or backoff (upstream's
 * SchedulingGates PreEnqueue plugin): it waits with the unschedulable pods, is never attempted,
 * and goes to the active queue as soon as an update clears its gates.
 */
import type { Clock } from "../util/index.ts"
import type { PodInfo } from "./framework/pod-info.ts"
import type { QueuedPodInfo } from "./framework/types.ts"
import { Heap } from "./heap.ts"
import { Nominator } from "./nominator.ts"

/** Options of SchedulingQueue. */
export interface SchedulingQueueOptions {
  readonly clock: Clock
  /** The active queue's order (the profile's QueueSort plugin). */
  readonly less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean
  readonly initialBackoffMs?: number
  readonly maxBackoffMs?: number
  /** Unschedulable pods go back to the active queue after this long (default 5 minutes). */
  readonly maxUnschedulableMs?: number
}

type Where = "active" | "backoff" | "unschedulable" | "inFlight"

interface Entry {
  q: QueuedPodInfo
  where: Where
  /** When an unschedulable or backing-off pod was put there. */
  since: number
  /** Bumped on each move, so stale heap entries are skipped. */
  version: number
}

interface HeapItem {
  readonly entry: Entry
  readonly version: number
}

/** Queue lengths. */
export interface QueueStats {
  readonly active: number
  readonly backoff: number
  /** Including the pods held back by their scheduling gates. */
  readonly unschedulable: number
}

/** Pods waiting to be scheduled. */
export class SchedulingQueue {
  readonly #opts: Required<SchedulingQueueOptions>
  readonly #entries = new Map<string, Entry>()
  readonly #active: Heap<HeapItem>
  readonly #backoff: Heap<HeapItem>
  #waiters: (() => void)[] = []
  /** The signals whose abort wakes the waiters (see #wakeOnAbort). */
  readonly #hooked = new WeakSet<AbortSignal>()
  #closed = false
  #cycle = 0
  #moveRequestCycle = -1
  /** The cycle of the last move for pods rejected by plugins that watch bound pods. */
  #podMoveRequestCycle = -1
  readonly #unschedulable = new Set<Entry>()
  /** Pods nominated to nodes by preemption, forgotten when they leave the queue. */
  readonly nominator = new Nominator()
  #counts: Record<Where, number> = { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 }

  constructor(opts: SchedulingQueueOptions) {
    this.#opts = { initialBackoffMs: 1000, maxBackoffMs: 10_000, maxUnschedulableMs: 300_000, ...opts }
    this.#active = new Heap((a, b) => this.#opts.less(a.entry.q, b.entry.q))
    this.#backoff = new Heap((a, b) => this.#backoffEnd(a.entry) < this.#backoffEnd(b.entry))
  }

  /** How many pods wait where. */
  stats(): QueueStats {
    const c = this.#counts
    return { active: c.active, backoff: c.backoff, unschedulable: c.unschedulable }
  }

  /** The number of scheduling cycles started so far. */
  get schedulingCycle(): number {
    return this.#cycle
  }

  /** True when the pod waits anywhere or is being scheduled. */
  has(uid: string): boolean {
    return this.#entries.has(uid)
  }

  /** Adds a new pod to the active queue; an existing one gets the newer PodInfo. */
  add(pi: PodInfo): void {
    const have = this.#entries.get(pi.uid)
    if (have) return this.update(pi)
    const now = this.#opts.clock.now()
    const entry: Entry = {
      q: {
        podInfo: pi,
        initialAttemptTimestamp: now,
        timestamp: now,
        attempts: 0,
        unschedulablePlugins: new Set(),
      },
      where: "inFlight",
      since: now,
      version: 0,
    }
    this.#entries.set(pi.uid, entry)
    this.#counts.inFlight++
    this.#moveTo(entry, "active")
  }

  /** The pod changed: keep the newer PodInfo; an unschedulable pod gets another chance. */
  update(pi: PodInfo): void {
    const entry = this.#entries.get(pi.uid)
    if (!entry) return this.add(pi)
    const old = entry.q.podInfo
    entry.q = { ...entry.q, podInfo: pi }
    if (entry.where === "unschedulable" && specChanged(old, pi))
      this.#moveTo(entry, this.#isBackingOff(entry) ? "backoff" : "active")
    else if (entry.where === "active" && old.priority !== pi.priority) this.#moveTo(entry, "active")
  }

  /** Forgets the pod (deleted, or bound by someone else). */
  delete(uid: string): void {
    const entry = this.#entries.get(uid)
    if (!entry) return
    this.#counts[entry.where]--
    this.#unschedulable.delete(entry)
    entry.version++
    this.#entries.delete(uid)
    this.nominator.delete(uid)
  }

  /** Waits for the next pod to schedule; undefined once closed or aborted. */
  async pop(signal: AbortSignal): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (this.#closed || signal.aborted) return undefined
      const item = this.#popActive()
      if (item) {
        this.#cycle++
        item.q.attempts++
        return item.q
      }
      this.#wakeOnAbort(signal)
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  /**
   * Wakes the waiting pops when `signal` aborts: one listener per signal for the queue's life
   * rather than one added and removed per wait (removal walks every listener of the signal, and
   * the scheduler's signal carries one per binding in flight).
   */
  #wakeOnAbort(signal: AbortSignal): void {
    if (this.#hooked.has(signal)) return
    this.#hooked.add(signal)
    signal.addEventListener("abort", () => this.#wake(), { once: true })
  }

  #popActive(): Entry | undefined {
    for (;;) {
      const item = this.#active.pop()
      if (!item) return undefined
      const e = item.entry
      if (e.version !== item.version || e.where !== "active" || this.#entries.get(e.q.podInfo.uid) !== e)
        continue
      this.#counts.active--
      e.where = "inFlight"
      this.#counts.inFlight++
      return e
    }
  }

  /**
   * Puts back a pod that failed in cycle `cycle`: to backoff when a move request came in since
   * (the cluster changed while it was being scheduled), else to the unschedulable pods.
   */
  addUnschedulable(q: QueuedPodInfo, cycle: number): void {
    const entry = this.#entries.get(q.podInfo.uid)
    if (!entry || entry.where !== "inFlight") return
    entry.q = { ...q, podInfo: entry.q.podInfo }
    entry.since = this.#opts.clock.now()
    const moved =
      this.#moveRequestCycle >= cycle || (this.#podMoveRequestCycle >= cycle && watchesPods(entry.q))
    this.#moveTo(entry, moved ? "backoff" : "unschedulable")
  }

  /** Puts back a pod after an error: to backoff. */
  addBackoff(q: QueuedPodInfo): void {
    const entry = this.#entries.get(q.podInfo.uid)
    if (!entry || entry.where !== "inFlight") return
    entry.since = this.#opts.clock.now()
    this.#moveTo(entry, "backoff")
  }

  /** The pod left the scheduling cycle for good (assumed and binding). */
  done(uid: string): void {
    const entry = this.#entries.get(uid)
    if (entry?.where === "inFlight") this.delete(uid)
  }

  /** Something changed that may let unschedulable pods fit: move them all back. */
  moveAllToActiveOrBackoff(): void {
    // Called on every pod deletion and node change: no copy when nothing waits (the common case).
    if (this.#unschedulable.size > 0)
      for (const e of [...this.#unschedulable]) this.#moveTo(e, this.#isBackingOff(e) ? "backoff" : "active")
    this.#moveRequestCycle = this.#cycle
  }

  /**
   * A pod was bound: move back the pods that inter-pod affinity or topology spreading rejected
   * (a pod they wait for may now exist). Others stay: a new pod only takes room.
   */
  movePodsWaitingForPods(): void {
    this.#podMoveRequestCycle = this.#cycle
    if (this.#unschedulable.size === 0) return
    for (const e of [...this.#unschedulable]) {
      if (watchesPods(e.q)) this.#moveTo(e, this.#isBackingOff(e) ? "backoff" : "active")
    }
  }

  /** Moves pods whose backoff ended to active, and long-unschedulable pods back (call every second). */
  flush(): void {
    const now = this.#opts.clock.now()
    for (;;) {
      const item = this.#backoff.peek()
      if (!item) break
      const e = item.entry
      if (e.version !== item.version || e.where !== "backoff") {
        this.#backoff.pop()
        continue
      }
      if (this.#backoffEnd(e) > now) break
      this.#backoff.pop()
      this.#moveTo(e, "active")
    }
    for (const e of [...this.#unschedulable]) {
      if (now - e.since >= this.#opts.maxUnschedulableMs) {
        this.#moveTo(e, this.#isBackingOff(e) ? "backoff" : "active")
      }
    }
  }

  /** Runs flush() every second until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.#opts.clock.sleep(1000, signal).catch(() => {})
      this.flush()
    }
  }

  /** Wakes every pop() with undefined. */
  close(): void {
    this.#closed = true
    this.#wake()
  }

  #backoffMs(e: Entry): number {
    const n = Math.max(0, e.q.attempts - 1)
    return Math.min(this.#opts.initialBackoffMs * 2 ** Math.min(n, 30), this.#opts.maxBackoffMs)
  }

  #backoffEnd(e: Entry): number {
    return e.since + this.#backoffMs(e)
  }

  #isBackingOff(e: Entry): boolean {
    return e.q.attempts > 0 && this.#backoffEnd(e) > this.#opts.clock.now()
  }

  #moveTo(e: Entry, to: Where): void {
    // The PreEnqueue check: a gated pod stays with the unschedulable pods, whatever moved it.
    const where = (to === "active" || to === "backoff") && isGated(e.q.podInfo) ? "unschedulable" : to
    if (where !== to) e.since = this.#opts.clock.now()
    if (e.where === "unschedulable") this.#unschedulable.delete(e)
    if (where === "unschedulable") this.#unschedulable.add(e)
    this.#counts[e.where]--
    this.#counts[where]++
    e.where = where
    e.version++
    if (where === "active") {
      e.q.timestamp = this.#opts.clock.now()
      this.#active.push({ entry: e, version: e.version })
      this.#wake()
    } else if (where === "backoff") this.#backoff.push({ entry: e, version: e.version })
  }

  #wake(): void {
    const w = this.#waiters
    this.#waiters = []
    for (const f of w) f()
  }
}

/** True while the pod has scheduling gates: it may not be attempted. */
export function isGated(pi: PodInfo): boolean {
  return !!pi.pod.spec?.schedulingGates?.length
}

/** Plugins whose verdict can change when another pod is bound. */
const POD_WATCHERS = ["InterPodAffinity", "PodTopologySpread"]

function watchesPods(q: QueuedPodInfo): boolean {
  return POD_WATCHERS.some((p) => q.unschedulablePlugins.has(p))
}

/** True when an update may change where the pod fits (its spec or labels), not only its status. */
function specChanged(a: PodInfo, b: PodInfo): boolean {
  return (
    (a.pod.spec !== b.pod.spec && JSON.stringify(a.pod.spec) !== JSON.stringify(b.pod.spec)) ||
    JSON.stringify(a.pod.metadata?.labels) !== JSON.stringify(b.pod.metadata?.labels)
  )
}
