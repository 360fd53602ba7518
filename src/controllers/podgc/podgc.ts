/**
 * The pod-garbage-collector (upstream's PodGC): every 20 s it force-deletes terminated pods
 * beyond the terminated-pod-gc-threshold (oldest first, evicted ones before), pods bound to
 * nodes that have been gone for the 40 s quarantine, terminating pods on not-ready nodes
 * tainted out-of-service, and terminating pods that were never scheduled. Pods not yet in a
 * terminal phase are first marked Failed, so no pod is left Running with nobody to finish it.
 */
import type { Node, Pod, PodCondition } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  isNotFound,
  isPodTerminal,
  keyOf,
  Nodes,
  observedGenerationOf,
  Pods,
} from "../../api/index.ts"
import type { Client, ControllerSpec, KeyQueue } from "../../client/index.ts"
import { type Clock, type Logger, rfc3339 } from "../../util/index.ts"

/** kube-controller-manager's default --terminated-pod-gc-threshold. */
export const DEFAULT_TERMINATED_POD_THRESHOLD = 12_500
/** How often the collector looks. */
export const GC_CHECK_PERIOD_MS = 20_000
/** How long a node must be missing before its pods are collected. */
export const QUARANTINE_MS = 40_000
/** The taint that says a node is out of service and its terminating pods may go. */
export const OUT_OF_SERVICE_TAINT = "node.kubernetes.io/out-of-service"

/** Options of podGcController. */
export interface PodGcOptions {
  /** Terminated pods kept before the oldest are deleted; 0 disables that part. */
  readonly terminatedPodThreshold?: number
}

type P = Pod & ApiObject
type N = Node & ApiObject

/** The queue key of a pass (no node is named with a colon). */
const GC_KEY = ":gc"

function isTerminated(pod: P): boolean {
  const phase = pod.status?.phase
  return phase !== "Pending" && phase !== "Running" && phase !== "Unknown"
}

function isEvicted(pod: P): boolean {
  return pod.status?.phase === "Failed" && pod.status.reason === "Evicted"
}

/** Evicted first, then oldest, then by name (upstream's byEvictionAndCreationTimestamp). */
export function byEvictionAndCreation(a: P, b: P): number {
  const ea = isEvicted(a)
  if (ea !== isEvicted(b)) return ea ? -1 : 1
  const ta = a.metadata?.creationTimestamp ?? ""
  const tb = b.metadata?.creationTimestamp ?? ""
  if (ta !== tb) return ta < tb ? -1 : 1
  return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1
}

function isNodeReady(node: N): boolean {
  return !!node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")
}

/** The collector's state across passes: nodes in quarantine and when they come out. */
class PodGc {
  readonly #client: Client
  readonly #clock: Clock
  readonly #log: Logger
  readonly #threshold: number
  readonly #quarantine = new Map<string, number>()

  constructor(client: Client, clock: Clock, log: Logger, threshold: number) {
    this.#client = client
    this.#clock = clock
    this.#log = log
    this.#threshold = threshold
  }

  /** One pass over every pod; failures are collected and thrown together at the end. */
  async gc(pods: readonly P[], nodes: readonly N[]): Promise<void> {
    const failures: string[] = []
    const run = async (pod: P, condition?: PodCondition) => {
      try {
        await this.#markFailedAndDelete(pod, condition)
      } catch (err) {
        if (!isNotFound(err)) failures.push(`${keyOf(pod)}: ${String(err)}`)
      }
    }
    const byName = new Map(nodes.map((n) => [n.metadata?.name ?? "", n]))
    if (this.#threshold > 0) {
      const terminated = pods.filter(isTerminated)
      const excess = terminated.length - this.#threshold
      if (excess > 0) {
        this.#log.info({ numPods: excess }, "Garbage collecting pods")
        await Promise.all(
          [...terminated]
            .sort(byEvictionAndCreation)
            .slice(0, excess)
            .map((p) => run(p)),
        )
      }
    }
    const outOfService = pods.filter((p) => {
      const node = p.metadata?.deletionTimestamp ? byName.get(p.spec?.nodeName ?? "") : undefined
      return !!node && !isNodeReady(node) && !!node.spec?.taints?.some((t) => t.key === OUT_OF_SERVICE_TAINT)
    })
    await Promise.all([...outOfService].sort(byEvictionAndCreation).map((p) => run(p)))
    const deleted = await this.#deletedNodes(pods, byName)
    const gone: PodCondition = {
      type: "DisruptionTarget",
      status: "True",
      reason: "DeletionByPodGC",
      message: "PodGC: node no longer exists",
    }
    for (const pod of pods) if (deleted.has(pod.spec?.nodeName ?? "")) await run(pod, gone)
    for (const pod of pods) if (pod.metadata?.deletionTimestamp && !pod.spec?.nodeName) await run(pod)
    if (failures.length) throw new Error(`Failed to collect pods: ${failures.join(", ")}`)
  }

  /** Nodes pods are bound to that are missing, quarantined long enough, and absent on a live read. */
  async #deletedNodes(pods: readonly P[], existing: ReadonlyMap<string, N>): Promise<Set<string>> {
    const now = this.#clock.now()
    for (const pod of pods) {
      const name = pod.spec?.nodeName
      if (name && !existing.has(name) && !this.#quarantine.has(name))
        this.#quarantine.set(name, now + QUARANTINE_MS)
    }
    const deleted = new Set<string>()
    for (const [name, until] of this.#quarantine) {
      if (until > now) continue
      this.#quarantine.delete(name)
      if (existing.has(name)) continue
      try {
        await this.#client.resource(Nodes).get({ name })
      } catch (err) {
        if (isNotFound(err)) deleted.add(name)
        else this.#log.error({ node: name, err: String(err) }, "Error while getting node")
      }
    }
    return deleted
  }

  async #markFailedAndDelete(pod: P, condition?: PodCondition): Promise<void> {
    this.#log.info({ pod: keyOf(pod) }, "PodGC is force deleting Pod")
    const key = { namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" }
    // Nobody else may ever finish this pod: record that it failed before it goes.
    if (!isPodTerminal(pod)) {
      const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== condition?.type)
      if (condition)
        conditions.push({ ...condition, ...observedGenerationOf(pod), lastTransitionTime: this.#now() })
      await this.#client
        .resource(Pods)
        .patch(
          key,
          { status: { phase: "Failed", ...(condition ? { conditions } : {}) } },
          { type: "merge", subresource: "status" },
        )
    }
    await this.#client.resource(Pods).delete(key, { gracePeriodSeconds: 0 })
  }

  #now(): string {
    return rfc3339(this.#clock.now())
  }
}

/** The pod garbage collector; see the module comment. */
export function podGcController(opts: PodGcOptions = {}): ControllerSpec {
  const threshold = opts.terminatedPodThreshold ?? DEFAULT_TERMINATED_POD_THRESHOLD
  return {
    name: "pod-garbage-collector",
    // One pass covers every pod: node events only give the controller its queue.
    for: Nodes,
    watches: [{ ref: Pods, map: () => [] }],
    create: ({ client, informers, clock, log }) => {
      const gc = new PodGc(client, clock, log, threshold)
      return {
        async reconcile(key) {
          if (key !== GC_KEY) return
          await gc.gc(informers.get(Pods).cache.list(), informers.get(Nodes).cache.list())
        },
        async run(queue: KeyQueue, signal: AbortSignal) {
          while (!signal.aborted) {
            queue.add(GC_KEY)
            try {
              await clock.sleep(GC_CHECK_PERIOD_MS, signal)
            } catch {
              return
            }
          }
        },
      }
    },
  }
}
