/**
 * What the scheduler tells users about a pod: PodScheduled=False with the reason and upstream's
 * message (plus nominatedNodeName after preemption) through the status subresource, and the
 * FailedScheduling (action Scheduling) and Scheduled (action Binding) events, through the
 * events.k8s.io recorder of the pod's profile as upstream's schedule_one records them.
 */
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import { isNotFound, observedGenerationOf, Pods } from "../api/index.ts"
import type { Client, EventsV1Recorder } from "../client/index.ts"
import { type Clock, type Logger, rfc3339 } from "../util/index.ts"

/** Upstream's PodScheduled reasons. */
export type PodScheduledReason = "Unschedulable" | "SchedulerError"

/** Where the reporter writes. */
export interface ReporterDeps {
  readonly client: Client
  /** The recorder of the pod's profile. */
  readonly recorder: EventsV1Recorder
  readonly clock: Clock
  readonly log: Logger
}

/** The longest note of an events.k8s.io Event (upstream's NoteLengthLimit). */
export const NOTE_LENGTH_LIMIT = 1024

/** `message` cut to fit an Event's note, marked " ..." (upstream's truncateMessage). */
export function truncateMessage(message: string): string {
  if (message.length <= NOTE_LENGTH_LIMIT) return message
  const suffix = " ..."
  return message.slice(0, NOTE_LENGTH_LIMIT - suffix.length) + suffix
}

/** Records a successful assignment. */
export function reportScheduled(deps: ReporterDeps, pod: Pod, node: string): void {
  const m = pod.metadata ?? {}
  deps.recorder.event(pod as never, {
    type: "Normal",
    reason: "Scheduled",
    action: "Binding",
    note: `Successfully assigned ${m.namespace}/${m.name} to ${node}`,
    ref: Pods,
  })
}

/**
 * Records a failed attempt: the FailedScheduling event, and the PodScheduled condition (written
 * only when it changes, so retries do not rewrite the pod) and nominatedNodeName.
 */
export async function reportFailure(
  deps: ReporterDeps,
  pod: Pod,
  opts: {
    readonly reason: PodScheduledReason
    readonly message: string
    readonly nominatedNodeName?: string
  },
): Promise<void> {
  // The note is cut to the Event's limit; the condition keeps the whole message.
  deps.recorder.event(pod as never, {
    type: "Warning",
    reason: "FailedScheduling",
    action: "Scheduling",
    note: truncateMessage(opts.message),
    ref: Pods,
  })
  const conditions = pod.status?.conditions ?? []
  const have = conditions.find((c) => c.type === "PodScheduled")
  const nominatedChanged =
    opts.nominatedNodeName !== undefined && opts.nominatedNodeName !== pod.status?.nominatedNodeName
  if (
    have?.status === "False" &&
    have.reason === opts.reason &&
    have.message === opts.message &&
    !nominatedChanged
  )
    return
  const now = rfc3339(deps.clock.now())
  const condition: PodCondition = {
    type: "PodScheduled",
    // The generation this attempt saw (KEP-5067); a change of it alone is not written, as upstream's.
    ...observedGenerationOf(pod),
    status: "False",
    reason: opts.reason,
    message: opts.message,
    lastProbeTime: null as never,
    lastTransitionTime: have?.status === "False" && have.lastTransitionTime ? have.lastTransitionTime : now,
  }
  const status: Record<string, unknown> = {
    conditions: [...conditions.filter((c) => c.type !== "PodScheduled"), condition],
  }
  if (opts.nominatedNodeName !== undefined) status.nominatedNodeName = opts.nominatedNodeName || null
  const m = pod.metadata ?? {}
  try {
    await deps.client
      .resource(Pods)
      .patch(
        { namespace: m.namespace ?? "default", name: m.name ?? "" },
        { status },
        { type: "merge", subresource: "status" },
      )
  } catch (err) {
    if (!isNotFound(err))
      deps.log.warn({ pod: `${m.namespace}/${m.name}`, err: String(err) }, "Cannot update pod status")
  }
}
