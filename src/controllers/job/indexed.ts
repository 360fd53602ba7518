/**
 * Indexed completion mode: which indexes succeeded or failed, which are pending, which pods
 * hold a repeated or invalid index, and which failed pod each index keeps until its
 * replacement exists (backoffLimitPerIndex).
 */
import type { Job, Pod } from "./types.ts"
import { type Intervals, hasIndex, mergeIntervals, parseIntervals, withIndexes } from "./intervals.ts"
import { matchPodFailurePolicy } from "./policies.ts"
import {
  UNKNOWN_INDEX,
  compareForDeletion,
  completionIndexOf,
  hasTrackingFinalizer,
  indexFailureCountOf,
  indexIgnoredFailureCountOf,
  isPodFailed,
  onlyReplaceFailedPods,
  type IndexFailureCounts,
} from "./pods.ts"

/** The Job's spec.completions (Indexed Jobs always have it). */
export function completionsOf(job: Job): number {
  return job.spec?.completions ?? 0
}

/** True when the Job uses backoffLimitPerIndex. */
export function hasBackoffLimitPerIndex(job: Job): boolean {
  return job.spec?.completionMode === "Indexed" && job.spec.backoffLimitPerIndex !== undefined
}

function validIndex(pod: Pod, completions: number): number {
  const ix = completionIndexOf(pod)
  return ix !== UNKNOWN_INDEX && ix < completions ? ix : UNKNOWN_INDEX
}

/** The succeeded indexes in status, and those plus the succeeded pods not counted yet. */
export function succeededIndexes(job: Job, pods: readonly Pod[]): { prev: Intervals; all: Intervals } {
  const completions = completionsOf(job)
  const prev = parseIntervals(job.status?.completedIndexes, completions)
  const fresh: number[] = []
  for (const p of pods) {
    const ix = validIndex(p, completions)
    if (p.status?.phase === "Succeeded" && ix !== UNKNOWN_INDEX && hasTrackingFinalizer(p)) fresh.push(ix)
  }
  return { prev, all: withIndexes(prev, fresh) }
}

/** True when the failed pod exhausts its index (its index's backoff limit, or a FailIndex rule). */
export function isIndexFailed(job: Job, pod: Pod): boolean {
  if (!isPodFailed(pod, job)) return false
  const m = matchPodFailurePolicy(job.spec?.podFailurePolicy, pod)
  if (m.action === "FailIndex") return true
  return m.countFailed && indexFailureCountOf(pod) >= (job.spec?.backoffLimitPerIndex ?? 0)
}

/** The failed indexes in status plus those failed pods not counted yet exhaust. */
export function failedIndexes(job: Job, pods: readonly Pod[]): Intervals {
  const completions = completionsOf(job)
  const prev = parseIntervals(job.status?.failedIndexes, completions)
  const fresh: number[] = []
  for (const p of pods) {
    const ix = validIndex(p, completions)
    if (ix !== UNKNOWN_INDEX && hasTrackingFinalizer(p) && isIndexFailed(job, p)) fresh.push(ix)
  }
  return withIndexes(prev, fresh)
}

/**
 * For each index neither succeeded nor failed, its latest failed pod still holding the
 * finalizer: kept until a replacement carries its failure count on.
 */
export function podsWithDelayedDeletion(
  job: Job,
  pods: readonly Pod[],
  succeeded: Intervals,
  failed: Intervals,
): Map<number, Pod> {
  const out = new Map<number, Pod>()
  if (!hasBackoffLimitPerIndex(job)) return out
  const completions = completionsOf(job)
  for (const p of pods) {
    const ix = validIndex(p, completions)
    if (ix === UNKNOWN_INDEX || hasIndex(succeeded, ix) || hasIndex(failed, ix)) continue
    if (!hasTrackingFinalizer(p) || !isPodFailed(p, job)) continue
    const last = out.get(ix)
    if (!last || absoluteFailures(last) < absoluteFailures(p)) out.set(ix, p)
  }
  return out
}

function absoluteFailures(pod: Pod): number {
  return indexFailureCountOf(pod) + indexIgnoredFailureCountOf(pod)
}

/** The failure counts a replacement of `replaced` carries (its own failure added). */
export function nextFailureCounts(job: Job, replaced: Pod | undefined): IndexFailureCounts {
  if (!replaced) return { failed: 0, ignored: 0 }
  const failed = indexFailureCountOf(replaced)
  const ignored = indexIgnoredFailureCountOf(replaced)
  return matchPodFailurePolicy(job.spec?.podFailurePolicy, replaced).countFailed
    ? { failed: failed + 1, ignored }
    : { failed, ignored: ignored + 1 }
}

/** The failures an index had, counting `pod`'s own: what its replacement's backoff uses. */
export function failuresWith(pod: Pod): number {
  return absoluteFailures(pod) + 1
}

/** What firstPendingIndexes looks at. */
export interface PendingInput {
  readonly active: readonly Pod[]
  /** Terminating pods, whose indexes stay taken when only failed pods are replaced. */
  readonly terminating: readonly Pod[]
  readonly succeeded: Intervals
  readonly failed: Intervals | undefined
}

/** Up to `count` lowest indexes with no success, failure or active (or held) pod. */
export function firstPendingIndexes(job: Job, input: PendingInput, count: number): number[] {
  const completions = completionsOf(job)
  const indexesOf = (pods: readonly Pod[]) =>
    pods.map((p) => validIndex(p, completions)).filter((i) => i !== UNKNOWN_INDEX)
  let taken = withIndexes(input.succeeded, indexesOf(input.active))
  if (onlyReplaceFailedPods(job)) taken = withIndexes(taken, indexesOf(input.terminating))
  if (input.failed) taken = mergeIntervals(taken, input.failed)
  const out: number[] = []
  let candidate = 0
  for (const v of taken) {
    for (; candidate < completions && out.length < count && candidate < v.first; candidate++)
      out.push(candidate)
    if (candidate <= v.last) candidate = v.last + 1
  }
  for (; candidate < completions && out.length < count; candidate++) out.push(candidate)
  return out
}

/**
 * Active pods to remove: in Indexed Jobs those with an invalid or repeated index (each index
 * keeps its best pod), then as many more as `atLeast` asks, cheapest to lose first.
 */
export function activePodsForRemoval(job: Job, active: readonly Pod[], atLeast: number): Pod[] {
  const rm: Pod[] = []
  let left: Pod[] = [...active]
  if (job.spec?.completionMode === "Indexed") {
    const completions = completionsOf(job)
    const byIndex = new Map<number, Pod[]>()
    left = []
    for (const p of active) {
      const ix = validIndex(p, completions)
      if (ix === UNKNOWN_INDEX) rm.push(p)
      else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p])
    }
    for (const group of byIndex.values()) {
      group.sort(compareForDeletion)
      rm.push(...group.slice(0, -1))
      left.push(group[group.length - 1] as Pod)
    }
  }
  if (rm.length < atLeast) {
    left.sort(compareForDeletion)
    rm.push(...left.slice(0, atLeast - rm.length))
  }
  return rm
}
