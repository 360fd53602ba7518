/**
 * The disruption controller's second loop (upstream's syncStalePodDisruption): an eviction, a
 * preemption or the taint manager sets a pod's DisruptionTarget condition to True and then
 * deletes the pod; when the deletion never comes (it failed, or was refused), the condition would
 * say for ever that the pod is about to go. Two minutes after it turned True on a pod that is
 * still not being deleted, the condition is set to False. A condition the kubelet set
 * (TerminationByKubelet: it may take any time before the pod is deleted) and the conditions of a
 * pod that finished are left as they are, as upstream.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  isConflict,
  isNotFound,
  isPodTerminal,
  observedGenerationOf,
  Pods,
  type TrackedPodCondition,
} from "../../api/index.ts"
import type { ControllerSpec } from "../../client/index.ts"
import { rfc3339 } from "../../util/index.ts"

type P = Pod & ApiObject

/** How long a DisruptionTarget condition may stay True on a pod not being deleted. */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000

/** The reason of the kubelet's DisruptionTarget condition (upstream's PodReasonTerminationByKubelet). */
const TERMINATION_BY_KUBELET = "TerminationByKubelet"

/**
 * Whether `pod` has a DisruptionTarget condition that goes stale, and in how many ms (0: it is
 * stale now); undefined when it has none that can (upstream's nonTerminatingPodHasStaleDisruptionCondition).
 */
export function staleDisruptionIn(pod: Pod, now: number, timeoutMs: number): number | undefined {
  if (pod.metadata?.deletionTimestamp || isPodTerminal(pod)) return undefined
  const cond = pod.status?.conditions?.find((c) => c.type === "DisruptionTarget")
  if (!cond || cond.status !== "True" || cond.reason === TERMINATION_BY_KUBELET) return undefined
  // NaN without a time (Go's zero time there): True since ever, stale now.
  const since = Date.parse(cond.lastTransitionTime ?? "")
  return Number.isNaN(since) ? 0 : Math.max(0, since + timeoutMs - now)
}

/**
 * `pod` with its (first) DisruptionTarget condition replaced by a False one of this time
 * (upstream's UpdatePodCondition with a condition of only type, status and observedGeneration:
 * the reason and message of the True one go).
 */
export function withDisruptionTargetFalse(pod: P, now: number): P {
  const condition: TrackedPodCondition = {
    type: "DisruptionTarget",
    ...observedGenerationOf(pod),
    status: "False",
    lastTransitionTime: rfc3339(now),
  }
  const conditions = [...(pod.status?.conditions ?? [])]
  const at = conditions.findIndex((c) => c.type === "DisruptionTarget")
  if (at >= 0) conditions[at] = condition
  return { ...pod, status: { ...pod.status, conditions } }
}

/**
 * The stale-DisruptionTarget loop's spec. Its own name in logs and health; `--controllers`
 * enables or disables it with the rest of upstream's "disruption" controller.
 */
export function staleDisruptionController(timeoutMs = STALE_POD_DISRUPTION_TIMEOUT_MS): ControllerSpec {
  return {
    name: "disruption-stale-pod",
    enabledBy: "disruption",
    for: Pods,
    create({ client, informers, clock, log }) {
      const pods = informers.get<P>(Pods).cache
      return {
        async reconcile(key) {
          const pod = pods.get(key)
          if (!pod) return
          const waitMs = staleDisruptionIn(pod, clock.now(), timeoutMs)
          if (waitMs === undefined) return
          if (waitMs > 0) return { requeueAfterMs: waitMs }
          // A Conflict means the cache is behind: the newer pod's event brings the key back.
          await client
            .resource<P>(Pods)
            .updateStatus(withDisruptionTargetFalse(pod, clock.now()))
            .catch((err: unknown) => {
              if (isConflict(err))
                log.debug({ key }, "Conflict resetting DisruptionTarget, waiting for the cache")
              else if (!isNotFound(err)) throw err
            })
        },
      }
    },
  }
}
