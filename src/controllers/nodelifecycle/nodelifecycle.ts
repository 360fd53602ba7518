/**
 * The node-lifecycle controller: watches each node's Lease in kube-node-lease and its Ready
 * heartbeat; a node silent for the grace period (40 s) gets Unknown conditions ("Kubelet
 * stopped posting node status."). It keeps the not-ready / unreachable NoExecute taints and the
 * condition NoSchedule taints in step with the conditions, and marks the pods of a node that
 * stops being Ready as not Ready. Evicting those pods is the taint-eviction controller's job.
 */
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, isNotFound, Leases, Nodes, Pods } from "../../api/index.ts"
import {
  BY_NODE_NAME,
  ClientEventRecorder,
  type ControllerSpec,
  type EventRecorder,
} from "../../client/index.ts"
import type { Client } from "../../client/index.ts"
import {
  graceDeadline,
  type NodeHealth,
  observeHealth,
  readyCondition,
  silencedConditions,
} from "./health.ts"
import { desiredTaints } from "./taints.ts"

/** The namespace of node heartbeat Leases. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease"

type N = Node & ApiObject
type P = Pod & ApiObject

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z")
}

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
  create: ({ client, informers, clock, log }) => {
    const health = new Map<string, NodeHealth>()
    const recorder = new ClientEventRecorder(client, { component: "node-controller", clock, log })
    return {
      async reconcile(key) {
        const node = informers.get(Nodes).cache.get(key) as N | undefined
        if (!node) {
          health.delete(key)
          return
        }
        const lease = informers.get(Leases).cache.get(`${NODE_LEASE_NAMESPACE}/${key}`)
        const now = clock.now()
        const h = observeHealth(health.get(key), node, lease, now)
        health.set(key, h)
        let current = node
        const deadline = graceDeadline(h)
        const conditions = now >= deadline ? silencedConditions(node, rfc3339(now)) : undefined
        if (conditions) {
          current = (await client
            .resource(Nodes)
            .updateStatus({ ...structuredClone(node), status: { ...node.status, conditions } })) as N
          // Our own write is not news from the kubelet.
          health.set(key, { ...h, ready: readyCondition(current) })
        }
        if (readyCondition(node)?.status === "True" && readyCondition(current)?.status !== "True") {
          recorder.event(current, "Normal", "NodeNotReady", `Node ${key} status is now: NodeNotReady`, Nodes)
          await markPodsNotReady(
            client,
            recorder,
            informers.get(Pods).cache.byIndex(BY_NODE_NAME, key) as P[],
          )
        }
        const taints = desiredTaints(current, rfc3339(now))
        if (taints) {
          await client
            .resource(Nodes)
            .update({ ...structuredClone(current), spec: { ...current.spec, taints } })
        }
        // Look again when the grace period runs out, unless the kubelet speaks first.
        return now < deadline ? { requeueAfterMs: deadline - now } : undefined
      },
    }
  },
}
