/**
 * What the Job controller knows about pods: the labels, annotations and finalizer it uses, which
 * pods count as active, failed or terminating, their completion indexes, the order in which
 * surplus pods go, and the pod a Job creates from its template.
 */
import type { Container, EnvVar, PodTemplateSpec } from "kubernetes-types/core/v1.js"
import { controllerRef, isPodReady, isPodTerminal, Jobs, podReadySince } from "../../api/index.ts"
import type { Job, Pod } from "./types.ts"

/** The finalizer that keeps a Job's pod until the controller has counted it. */
export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
/** The annotation (and label) holding an Indexed Job pod's completion index. */
export const JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
/** The environment variable carrying the completion index into each container. */
export const JOB_COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
/** Failures counted against an index before this pod (backoffLimitPerIndex). */
export const JOB_INDEX_FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count"
/** Failures of an index that the pod failure policy ignored, before this pod. */
export const JOB_INDEX_IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count"

/** The label naming a pod's Job (set on the template by the API server's defaulting). */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name"

/** The index of a pod without a valid completion index. */
export const UNKNOWN_INDEX = -1

/** True when the pod carries the job-tracking finalizer. */
export function hasTrackingFinalizer(pod: Pod): boolean {
  return !!pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER)
}

/** True when the pod is neither finished nor being deleted. */
export function isActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp
}

/** True when the pod is being deleted but has not finished. */
export function isTerminating(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp && !isPodTerminal(pod)
}

/** True when the Job replaces only pods that reached phase Failed (not terminating ones). */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === "Failed" || !!job.spec?.podFailurePolicy
}

/** True when the Job counts the pod as failed: phase Failed, or deleted before finishing. */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === "Failed") return true
  if (onlyReplaceFailedPods(job)) return false
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== "Succeeded"
}

/** True when the Job runs in Indexed completion mode. */
export function isIndexed(job: Job): boolean {
  return job.spec?.completionMode === "Indexed"
}

function parseCount(text: string | undefined): number {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : UNKNOWN_INDEX
}

/** The pod's completion index, or UNKNOWN_INDEX. */
export function completionIndexOf(pod: Pod): number {
  return parseCount(pod.metadata?.annotations?.[JOB_COMPLETION_INDEX])
}

/** The failures counted against the pod's index before it (0 when unknown). */
export function indexFailureCountOf(pod: Pod): number {
  return Math.max(0, parseCount(pod.metadata?.annotations?.[JOB_INDEX_FAILURE_COUNT]))
}

/** The ignored failures of the pod's index before it (0 when unknown). */
export function indexIgnoredFailureCountOf(pod: Pod): number {
  return Math.max(0, parseCount(pod.metadata?.annotations?.[JOB_INDEX_IGNORED_FAILURE_COUNT]))
}

/**
 * When the pod finished: its containers' last termination (when all terminated), else its
 * Ready=False transition, else its deletion less the grace period, else its creation.
 */
export function finishedTimeOf(pod: Pod, now: number): number {
  const fromContainers = containersFinishedAt(pod)
  if (fromContainers !== undefined) return fromContainers
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready" && c.status === "False")
  if (ready?.lastTransitionTime) return Date.parse(ready.lastTransitionTime)
  const deleted = pod.metadata?.deletionTimestamp
  if (deleted) return Date.parse(deleted) - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000
  const created = pod.metadata?.creationTimestamp
  return created ? Date.parse(created) : now
}

function containersFinishedAt(pod: Pod): number | undefined {
  let latest: number | undefined
  for (const s of pod.status?.containerStatuses ?? []) {
    const at = s.state?.terminated?.finishedAt
    if (!at) return undefined
    latest = Math.max(latest ?? 0, Date.parse(at))
  }
  return latest
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 }

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, s) => Math.max(n, s.restartCount ?? 0), 0)
}

function rank(pod: Pod): number[] {
  const ready = isPodReady(pod)
  return [
    pod.spec?.nodeName ? 1 : 0,
    PHASE_RANK[pod.status?.phase ?? "Pending"] ?? 0,
    ready ? 1 : 0,
    // Ready for less time first, then more restarts first, then newer first.
    ready ? -(podReadySince(pod) ?? 0) : 0,
    -restarts(pod),
    -(Date.parse(pod.metadata?.creationTimestamp ?? "") || 0),
  ]
}

/**
 * Orders pods so the cheapest to lose come first: unscheduled, pending, not ready, ready for
 * less time, more restarts, newer (upstream's ActivePods order).
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const ra = rank(a)
  const rb = rank(b)
  for (let i = 0; i < ra.length; i++) {
    const d = (ra[i] ?? 0) - (rb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

function withIndexEnv(c: Container): Container {
  const env: EnvVar[] = [...(c.env ?? [])]
  if (!env.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) {
    env.push({
      name: JOB_COMPLETION_INDEX_ENV,
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } },
    })
  }
  return { ...c, env }
}

/** The pod's generateName for a completion index, within the 63 characters a name allows. */
function generateNameFor(job: string, index: number): string {
  const prefix = `${job}-`
  const suffix = `${index}-`
  const max = 63 - 5 // room for the random suffix
  return prefix.length + suffix.length > max
    ? `${prefix.slice(0, max - suffix.length)}${suffix}`
    : `${prefix}${suffix}`
}

/** What the pod's index-failure annotations say for a replacement of `replaced`. */
export interface IndexFailureCounts {
  readonly failed: number
  readonly ignored: number
}

/** Options of podFromTemplate. */
export interface PodFromTemplateOptions {
  readonly index: number
  /** For backoffLimitPerIndex: the counts the new pod of this index carries. */
  readonly failureCounts?: IndexFailureCounts
}

interface PodParts {
  labels: Record<string, string>
  annotations: Record<string, string>
  spec: NonNullable<PodTemplateSpec["spec"]>
  generateName: string
}

/** Gives the pod its completion index: annotation, label, hostname, env and name prefix. */
function addIndex(parts: PodParts, job: string, opts: PodFromTemplateOptions): void {
  const ix = String(opts.index)
  parts.annotations[JOB_COMPLETION_INDEX] = ix
  parts.labels[JOB_COMPLETION_INDEX] = ix
  parts.spec.hostname = `${job}-${ix}`
  parts.spec.containers = (parts.spec.containers ?? []).map(withIndexEnv)
  if (parts.spec.initContainers) parts.spec.initContainers = parts.spec.initContainers.map(withIndexEnv)
  parts.generateName = generateNameFor(job, opts.index)
  if (!opts.failureCounts) return
  parts.annotations[JOB_INDEX_FAILURE_COUNT] = String(opts.failureCounts.failed)
  if (opts.failureCounts.ignored > 0)
    parts.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(opts.failureCounts.ignored)
}

/** A new pod for `job`: its template, the tracking finalizer, the controller reference and index. */
export function podFromTemplate(job: Job, opts: PodFromTemplateOptions): Pod {
  const template = structuredClone(job.spec?.template ?? {}) as PodTemplateSpec
  const meta = template.metadata ?? {}
  const name = job.metadata?.name ?? ""
  const finalizers = [...(meta.finalizers ?? [])]
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) finalizers.push(JOB_TRACKING_FINALIZER)
  const parts: PodParts = {
    labels: { ...(meta.labels ?? {}) },
    annotations: { ...(meta.annotations ?? {}) },
    spec: { ...(template.spec ?? { containers: [] }) },
    generateName: `${name}-`,
  }
  if (opts.index !== UNKNOWN_INDEX) addIndex(parts, name, opts)
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: parts.generateName,
      namespace: job.metadata?.namespace ?? "",
      labels: parts.labels,
      ...(Object.keys(parts.annotations).length ? { annotations: parts.annotations } : {}),
      finalizers,
      ownerReferences: [controllerRef(job, Jobs)],
    },
    spec: parts.spec,
  }
}
