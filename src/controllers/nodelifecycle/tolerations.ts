/** Taint toleration matching (upstream's v1helper.TolerationsTolerateTaint and friends). */
import type { Taint, Toleration } from "kubernetes-types/core/v1.js"
import { toleratesTaint } from "../../api/index.ts"

/**
 * The tolerations used against `taints`, or undefined when some taint is not tolerated
 * (then the pod must go at once).
 */
export function usedTolerations(
  tolerations: readonly Toleration[],
  taints: readonly Taint[],
): Toleration[] | undefined {
  const used: Toleration[] = []
  for (const taint of taints) {
    const matching = tolerations.filter((t) => toleratesTaint(t, taint))
    if (matching.length === 0) return undefined
    used.push(...matching)
  }
  return used
}

/**
 * How long the pod may stay (ms): the smallest tolerationSeconds among `used`, Infinity when
 * none sets one, 0 for zero or negative values.
 */
export function minTolerationMs(used: readonly Toleration[]): number {
  let min = Infinity
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue
    min = Math.min(min, Math.max(0, t.tolerationSeconds) * 1000)
  }
  return min
}
