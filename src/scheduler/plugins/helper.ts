/** Helpers the plugins share: score normalization and taint toleration (upstream's helper package). */
import type { Taint, Toleration } from "kubernetes-types/core/v1.js"
import { toleratesTaint } from "../../api/index.ts"
import { MAX_NODE_SCORE } from "../framework/types.ts"

/**
 * Scales scores so the highest becomes `max` (upstream's DefaultNormalizeScore); with `reverse`,
 * lower raw scores rank higher. All zeros stay zero (or all `max` when reversed).
 */
export function defaultNormalizeScore(scores: number[], reverse: boolean, max = MAX_NODE_SCORE): void {
  let top = 0
  for (const s of scores) if (s > top) top = s
  if (top === 0) {
    if (reverse) scores.fill(max)
    return
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc(((scores[i] ?? 0) * max) / top)
    if (reverse) s = max - s
    scores[i] = s
  }
}

/** The first taint (among those `filter` keeps) that no toleration tolerates. */
export function findUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  filter: (t: Taint) => boolean,
): Taint | undefined {
  for (const taint of taints) {
    if (!filter(taint)) continue
    if (!tolerations.some((t) => toleratesTaint(t, taint))) return taint
  }
  return undefined
}

/**
 * The first NoSchedule or NoExecute taint no toleration tolerates (the filters' question).
 * Indexed loops: it runs for every tainted node of every cycle, and allocates nothing.
 */
export function findUntoleratedScheduleTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): Taint | undefined {
  for (let i = 0; i < taints.length; i++) {
    const taint = taints[i] as Taint
    if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue
    if (!anyTolerates(tolerations, taint)) return taint
  }
  return undefined
}

/** True when one of `tolerations` tolerates `taint`. */
export function anyTolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (let i = 0; i < tolerations.length; i++)
    if (toleratesTaint(tolerations[i] as Toleration, taint)) return true
  return false
}
