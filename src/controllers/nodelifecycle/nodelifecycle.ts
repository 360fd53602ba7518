/**
 * The node-lifecycle controller: records RegisteredNode on each Node it first sees ("Node <name>
 * event: Registered Node <name> in Controller", every Node again after a restart, as upstream's
 * knownNodeSet starts empty) and RemovingNode when one goes; watches each node's Lease in
 * kube-node-lease and its Ready heartbeat; a node silent for the grace period (40 s) gets Unknown conditions ("Kubelet
 * stopped posting node status."). It keeps the not-ready / unreachable NoExecute taints (paced
 * per zone, none while every node is down) and the condition NoSchedule taints in step with the
 * conditions, and marks the pods of a node that stops being Ready as not Ready. Evicting those
 * pods is the taint-eviction controller's job.
 */
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, isNotFound, Leases, Nodes, Pods } from "../../api/index.ts"
import {
  BY_NODE_NAME,
  type Client,
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  type EventRecorder,
  type KeyQueue,
  type Result,
} from "../../client/index.ts"
import { Disruption, zoneOf } from "./disruption.ts"
import {
  graceDeadline,
  type NodeHealth,
  observeHealth,
  readyCondition,
  silencedConditions,
} from "./health.ts"
import { desiredTaints, hasNoExecuteTaint, type NoExecuteMode, noExecuteKey } from "./taints.ts"
import { rfc3339 } from "../../util/index.ts"

/** The namespace of node heartbeat Leases. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease"
/** --node-monitor-period: how often zone states are recomputed. */
export const NODE_MONITOR_PERIOD_MS = 5_000

type N = Node & ApiObject
type P = Pod & ApiObject

/** Sets the Ready condition of each pod on the node to False (upstream's MarkPodsNotReady). */
async function markPodsNotReady(client: Client, recorder: EventRecorder, pods: readonly P[]): Promise<void> {
  for (const pod of pods) {
    const conditions = pod.status?.conditions ?? []
    const ready = conditions.find((c) => c.type === "Ready")
    if (!ready || ready.status === "False") continue
    const next = conditions.map((c) => (c.type === "Ready" ? { ...c, status: "False" } : c))
    try {
      await client
        .resource(Pods)
        .updateStatus({ ...structuredClone(pod), status: { ...pod.status, conditions: next } })
      recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready", Pods)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
}

/** The controller's memory: each node's health and the zones' disruption. */
class NodeLifecycle {
  readonly #deps: ControllerDeps
  readonly #health = new Map<string, NodeHealth>()
  /** The uid of each Node this controller has registered, by name (upstream's knownNodeSet). */
  readonly #known = new Map<string, string>()
  readonly #disruption = new Disruption()
  readonly #recorder: EventRecorder

  constructor(deps: ControllerDeps) {
    this.#deps = deps
    this.#recorder = new ClientEventRecorder(deps.client, {
      component: "node-controller",
      clock: deps.clock,
      log: deps.log,
    })
  }

  #nodes(): N[] {
    return this.#deps.informers.get(Nodes).cache.list() as N[]
  }

  /** Recomputes zone states every monitor period; re-examines every node on entering or leaving total disruption. */
  async run(queue: KeyQueue, signal: AbortSignal): Promise<void> {
    const { clock, log } = this.#deps
    let allDown = false
    while (!signal.aborted) {
      this.#disruption.update(this.#nodes())
      if (this.#disruption.allFullyDisrupted !== allDown) {
        allDown = this.#disruption.allFullyDisrupted
        if (allDown)
          log.warn({}, "Controller detected that all Nodes are not-Ready. Entering master disruption mode")
        else log.info({}, "Controller detected that some Nodes are Ready. Exiting master disruption mode")
        for (const n of this.#nodes()) queue.add(n.metadata?.name ?? "")
      }
      try {
        await clock.sleep(NODE_MONITOR_PERIOD_MS, signal)
      } catch {
        return
      }
    }
  }

  async reconcile(key: string): Promise<Result | void> {
    const { client, informers, clock } = this.#deps
    const node = informers.get(Nodes).cache.get(key) as N | undefined
    if (!node) {
      this.#health.delete(key)
      const uid = this.#known.get(key)
      if (uid !== undefined) this.#nodeEvent(key, uid, "RemovingNode", `Removing Node ${key} from Controller`)
      this.#known.delete(key)
      return
    }
    if (!this.#known.has(key)) {
      const uid = node.metadata?.uid ?? ""
      this.#known.set(key, uid)
      this.#nodeEvent(key, uid, "RegisteredNode", `Registered Node ${key} in Controller`)
    }
    const now = clock.now()
    const lease = informers.get(Leases).cache.get(`${NODE_LEASE_NAMESPACE}/${key}`)
    const h = observeHealth(this.#health.get(key), node, lease, now)
    this.#health.set(key, h)
    const deadline = graceDeadline(h)
    const current = now >= deadline ? await this.#silence(key, node, h, now) : node
    if (readyCondition(node)?.status === "True" && readyCondition(current)?.status !== "True") {
      this.#recorder.event(
        current,
        "Normal",
        "NodeNotReady",
        `Node ${key} status is now: NodeNotReady`,
        Nodes,
      )
      await markPodsNotReady(
        client,
        this.#recorder,
        informers.get(Pods).cache.byIndex(BY_NODE_NAME, key) as P[],
      )
    }
    const { mode, retryMs } = this.#noExecuteMode(key, current, now)
    const taints = desiredTaints(current, rfc3339(now), mode)
    if (taints)
      await client.resource(Nodes).update({ ...structuredClone(current), spec: { ...current.spec, taints } })
    // Look again when the grace period runs out (unless the kubelet speaks first) or the pace allows a taint.
    const next = Math.min(now < deadline ? deadline - now : Infinity, retryMs ?? Infinity)
    return next !== Infinity ? { requeueAfterMs: next } : undefined
  }

  /** An event on the Node `name` (uid `uid`), worded as upstream's RecordNodeEvent. */
  #nodeEvent(name: string, uid: string, reason: string, event: string): void {
    const ref = { apiVersion: "v1", kind: "Node", metadata: { name, uid } }
    this.#recorder.event(ref, "Normal", reason, `Node ${name} event: ${event}`)
  }

  /** Marks a silent node's conditions Unknown; returns the node as written. */
  async #silence(key: string, node: N, h: NodeHealth, now: number): Promise<N> {
    const conditions = silencedConditions(node, rfc3339(now))
    if (!conditions) return node
    const written = (await this.#deps.client
      .resource(Nodes)
      .updateStatus({ ...structuredClone(node), status: { ...node.status, conditions } })) as N
    // Our own write is not news from the kubelet.
    this.#health.set(key, { ...h, ready: readyCondition(written) })
    return written
  }

  /** Whether the node may get a new NoExecute taint now, and when to look again if not. */
  #noExecuteMode(key: string, node: N, now: number): { mode: NoExecuteMode; retryMs?: number } {
    // Zone states matter only to a node that is or should be tainted.
    if (!noExecuteKey(node) && !hasNoExecuteTaint(node)) return { mode: "taint" }
    this.#disruption.update(this.#nodes().map((n) => (n.metadata?.name === key ? node : n)))
    // Every node down: the fault is more likely ours than theirs, so evict nothing.
    if (this.#disruption.allFullyDisrupted) return { mode: "clear" }
    // Removing or swapping a taint is never held back; only new taints are paced.
    if (hasNoExecuteTaint(node)) return { mode: "taint" }
    const wait = this.#disruption.takeTaint(zoneOf(node), now)
    if (wait === 0) return { mode: "taint" }
    return { mode: "hold", ...(wait !== Infinity ? { retryMs: wait } : {}) }
  }
}

/** Judges node health from heartbeats and leases; see the module comment. */
export const nodeLifecycleController: ControllerSpec = {
  name: "node-lifecycle",
  for: Nodes,
  watches: [
    {
      ref: Leases,
      map: (lease) => (lease.metadata?.namespace === NODE_LEASE_NAMESPACE ? [lease.metadata.name ?? ""] : []),
    },
    { ref: Pods, map: () => [] },
  ],
  create: (deps) => {
    const c = new NodeLifecycle(deps)
    return { reconcile: (key) => c.reconcile(key), run: (queue, signal) => c.run(queue, signal) }
  },
}
