/**
 * The warnings a namespace gets when its enforce level tightens: which of the pods already in
 * it violate the new level (upstream's EvaluatePodsInNamespace), one pod of each controller
 * first, at most 3000 pods or one second's worth.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import { forbiddenReason } from "./check.ts"
import { evaluatePod } from "./evaluator.ts"
import { type LevelVersion, levelVersionString } from "./levels.ts"

/** The most pods checked. */
export const MAX_PODS_TO_CHECK = 3000
/** The longest the check may take, in milliseconds. */
export const POD_CHECK_TIMEOUT_MS = 1000

/** Pods without a controller and the first pod of each controller, then the other pods. */
function prioritized(pods: Iterable<Pod>): Pod[] {
  const first: Pod[] = []
  const rest: Pod[] = []
  const seen = new Set<string>()
  for (const pod of pods) {
    const owner = pod.metadata?.ownerReferences?.find((r) => r.controller === true)
    if (!owner) first.push(pod)
    else if (seen.has(owner.uid)) rest.push(pod)
    else {
      seen.add(owner.uid)
      first.push(pod)
    }
  }
  return first.concat(rest)
}

/** The warning text for `count` pods sharing `reason`, named by the first of them by name. */
function podWarning(name: string, count: number, reason: string): string {
  if (count === 1) return `${name}: ${reason}`
  if (count === 2) return `${name} (and 1 other pod): ${reason}`
  return `${name} (and ${count - 1} other pods): ${reason}`
}

/**
 * The warnings for the pods of `namespace` that violate `enforce`: how many were checked when
 * not all were, a summary line, then one line per distinct set of reasons, sorted.
 */
export function existingPodWarnings(
  namespace: string,
  enforce: LevelVersion,
  pods: Iterable<Pod>,
  now: () => number,
): string[] {
  const deadline = now() + POD_CHECK_TIMEOUT_MS
  const all = prioritized(pods)
  const todo = all.slice(0, MAX_PODS_TO_CHECK)
  const byReason = new Map<string, { name: string; count: number }>()
  let checked = todo.length
  for (let i = 0; i < todo.length; i++) {
    const pod = todo[i] as Pod
    const r = evaluatePod(enforce, pod.metadata ?? {}, pod.spec ?? { containers: [] })
    if (!r.allowed) {
      const reason = forbiddenReason(r)
      const name = pod.metadata?.name ?? ""
      const seen = byReason.get(reason)
      if (!seen) byReason.set(reason, { name, count: 1 })
      else {
        seen.count++
        if (name < seen.name) seen.name = name
      }
    }
    if (now() > deadline) {
      checked = i + 1
      break
    }
  }
  const out: string[] = []
  if (checked < all.length)
    out.push(
      `new PodSecurity enforce level only checked against the first ${checked} of ${all.length} existing pods`,
    )
  if (byReason.size) {
    out.push(
      `existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${levelVersionString(enforce)}"`,
    )
  }
  const lines = [...byReason].map(([reason, p]) => podWarning(p.name, p.count, reason)).sort()
  return out.concat(lines)
}
