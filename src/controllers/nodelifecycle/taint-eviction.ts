/**
 * The taint-eviction-controller (upstream's NoExecute taint manager): a pod on a node with
 * NoExecute taints it does not tolerate is deleted at once; one tolerating them for a while
 * (tolerationSeconds) is deleted when the shortest toleration runs out, counted from when the
 * controller first saw the taints; a pod whose taints go away is spared.
 */
import type { Node, Pod, Taint } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  isNotFound,
  keyOf,
  Nodes,
  observedGenerationOf,
  parseKey,
  Pods,
} from "../../api/index.ts"
import { whenAborted, rfc3339 } from "../../util/index.ts"
import { BY_NODE_NAME, ClientEventRecorder, type ControllerSpec } from "../../client/index.ts"
import { minTolerationMs, usedTolerations } from "./tolerations.ts"

type P = Pod & ApiObject

function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === "NoExecute")
}

/** Evicts pods from NoExecute-tainted nodes; see the module comment. */
export const taintEvictionController: ControllerSpec = {
  name: "taint-eviction-controller",
  for: Pods,
  // Node events are mapped to the pods on the node in run(); this only syncs the node cache.
  watches: [{ ref: Nodes, map: () => [] }],
  create: ({ client, informers, clock, log }) => {
    /** pod key → when its eviction was scheduled (ms). */
    const scheduled = new Map<string, number>()
    const recorder = new ClientEventRecorder(client, { component: "taint-eviction-controller", clock, log })
    const pods = informers.get(Pods)
    const cancel = (key: string, pod: P | undefined) => {
      if (!scheduled.delete(key) || !pod) return
      recorder.event(pod, "Normal", "TaintManagerEviction", `Cancelling deletion of Pod ${key}`, Pods)
    }
    return {
      async run(queue, signal) {
        // A node's taints concern every pod on it.
        const onNode = (node: ApiObject) => {
          for (const p of pods.cache.byIndex(BY_NODE_NAME, node.metadata?.name ?? "")) queue.add(keyOf(p))
        }
        const off = informers.get(Nodes).addHandler({ onAdd: onNode, onUpdate: (_old, node) => onNode(node) })
        await whenAborted(signal)
        off()
      },
      async reconcile(key) {
        const pod = pods.cache.get(key) as P | undefined
        if (!pod || !pod.spec?.nodeName || pod.metadata?.deletionTimestamp) {
          scheduled.delete(key)
          return
        }
        const taints = noExecuteTaints(informers.get(Nodes).cache.get(pod.spec.nodeName))
        if (taints.length === 0) return cancel(key, pod)
        const used = usedTolerations(pod.spec.tolerations ?? [], taints)
        // A taint not tolerated: a pending eviction is cancelled (with its event) for one at once.
        if (!used) cancel(key, pod)
        const stayMs = used ? minTolerationMs(used) : 0
        if (stayMs === Infinity) return cancel(key, pod)
        const now = clock.now()
        const since = scheduled.get(key) ?? now
        if (now < since + stayMs) {
          scheduled.set(key, since)
          return { requeueAfterMs: since + stayMs - now }
        }
        // Told when the pod is deleted, not when its deletion is scheduled, as upstream's deletePodHandler tells it.
        recorder.event(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${key}`, Pods)
        await evict(pod, key)
        scheduled.delete(key)
        return undefined
      },
    }

    async function evict(pod: P, key: string): Promise<void> {
      const ref = parseKey(key)
      const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "DisruptionTarget")
      conditions.push({
        type: "DisruptionTarget",
        ...observedGenerationOf(pod),
        status: "True",
        reason: "DeletionByTaintManager",
        message: "Taint manager: deleting due to NoExecute taint",
        lastTransitionTime: rfc3339(clock.now()),
      })
      try {
        await client
          .resource(Pods)
          .patch(ref, { status: { conditions } }, { type: "merge", subresource: "status" })
        await client.resource(Pods).delete(ref)
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    }
  },
}
