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
import { setTimeout as sleep } from "node:timers/promises"
import { BY_NODE_NAME, ClientEventRecorder, type ControllerSpec } from "../../client/index.ts"
import { minTolerationMs, usedTolerations } from "./tolerations.ts"

type P = Pod & ApiObject

function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === "NoExecute")
}

/**
 * A pending eviction (when it was scheduled and when it is due, ms), or one carried out (of the
 * pod with that uid).
 */
type Eviction = { since: number; due: number } | { done: string }

/** The reference upstream's events name a pod by: kind, name and namespace, no uid. */
function podRef(key: string): ApiObject {
  const { namespace, name } = parseKey(key)
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace } }
}

/** Evicts pods from NoExecute-tainted nodes; see the module comment. */
export const taintEvictionController: ControllerSpec = {
  name: "taint-eviction-controller",
  for: Pods,
  // Node events are mapped to the pods on the node in run(); this only syncs the node cache.
  watches: [{ ref: Nodes, map: () => [] }],
  create: ({ client, informers, clock, log }) => {
    /**
     * Pod key → its eviction. One carried out stays done (so the pod's later updates do not
     * evict it again) until it is called off, as upstream's timed worker queue keeps a fired key.
     */
    const evictions = new Map<string, Eviction>()
    const recorder = new ClientEventRecorder(client, { component: "taint-eviction-controller", clock, log })
    const pods = informers.get(Pods)
    /** Calls off a pod's eviction: told only when one was still pending. */
    const cancel = (key: string) => {
      const e = evictions.get(key)
      if (!e) return
      evictions.delete(key)
      if (!("done" in e)) {
        recorder.event(
          podRef(key),
          "Normal",
          "TaintManagerEviction",
          `Cancelling deletion of Pod ${key}`,
          Pods,
        )
      }
    }
    /** Evicts a pod whose pending eviction is due; otherwise when to look again. */
    const whenDue = async (key: string) => {
      const e = evictions.get(key)
      if (!e || "done" in e) return undefined
      const now = clock.now()
      if (now < e.due) return { requeueAfterMs: e.due - now }
      await evict(key)
      return undefined
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
        // A pod gone takes its pending eviction with it (told, as upstream's handlePodUpdate tells it).
        if (!pod) return cancel(key)
        const nodeName = pod.spec?.nodeName
        const e = evictions.get(key)
        if (e && "done" in e) {
          // A pod of the same name made since is another pod.
          if (e.done === pod.metadata?.uid) return undefined
          evictions.delete(key)
        }
        if (!nodeName) return undefined
        const node = informers.get(Nodes).cache.get(nodeName)
        // A node deleted forgets its taints but not the evictions already pending: they still fire.
        if (!node) return whenDue(key)
        const taints = noExecuteTaints(node)
        if (taints.length === 0) return cancel(key)
        const used = usedTolerations(pod.spec?.tolerations ?? [], taints)
        if (!used) {
          // A taint not tolerated: a pending eviction is called off (told) for one at once.
          cancel(key)
          await evict(key)
          return undefined
        }
        const stayMs = minTolerationMs(used)
        if (stayMs === Infinity) return cancel(key)
        const now = clock.now()
        const pending = evictions.get(key)
        const since = pending && !("done" in pending) ? pending.since : now
        evictions.set(key, { since, due: since + stayMs })
        return whenDue(key)
      },
    }

    /**
     * Deletes a pod with its DisruptionTarget condition, told once when the deletion starts (as
     * upstream's deletePodHandler tells it) and tried a few times; one that keeps failing is
     * forgotten and the error goes to the queue, which tries again later.
     */
    async function evict(key: string): Promise<void> {
      recorder.event(podRef(key), "Normal", "TaintManagerEviction", `Marking for deletion Pod ${key}`, Pods)
      let failure: unknown
      for (let i = 0; i < DELETE_TRIES; i++) {
        if (i > 0) await sleep(DELETE_RETRY_MS)
        try {
          evictions.set(key, { done: await deleteWithCondition(key) })
          return
        } catch (err) {
          failure = err
        }
      }
      evictions.delete(key)
      throw failure
    }

    /** Deletes the pod; the uid of the pod deleted ("" when none was left to delete). */
    async function deleteWithCondition(key: string): Promise<string> {
      const ref = parseKey(key)
      const pod = pods.cache.get(key) as P | undefined
      if (!pod) return ""
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
      return pod.metadata?.uid ?? ""
    }
  },
}

/** How often an eviction's delete is tried before it is given up until the next sync (upstream's retries). */
const DELETE_TRIES = 5
const DELETE_RETRY_MS = 10
