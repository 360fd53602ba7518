/**
 * The pods/status side of pod generation tracking (upstream's preserveOldObservedGeneration in
 * the pod status strategy): a status write that leaves status.observedGeneration or a
 * condition's observedGeneration unset (0, as an older client that does not know the fields
 * sends) keeps the stored value. Conditions are matched by type and position: the i-th
 * condition of a type written takes the i-th stored condition of that type's value. Any value
 * that is set is kept as written, lower ones included.
 */
import type { TrackedPodCondition, TrackedPodStatus } from "../../api/index.ts"

/** The status to store for a write of `next` over `old`; `next` itself is not changed. */
export function preserveObservedGeneration(
  next: TrackedPodStatus,
  old: TrackedPodStatus | undefined,
): TrackedPodStatus {
  let status = next
  if (!next.observedGeneration && old?.observedGeneration)
    status = { ...next, observedGeneration: old.observedGeneration }
  const conditions = next.conditions as TrackedPodCondition[] | undefined
  if (!conditions?.length || !old?.conditions?.length) return status
  const stored = new Map<string, number[]>()
  for (const c of old.conditions as TrackedPodCondition[]) {
    const list = stored.get(c.type) ?? []
    list.push(c.observedGeneration ?? 0)
    stored.set(c.type, list)
  }
  let changed = false
  const kept = conditions.map((c) => {
    const generation = stored.get(c.type)?.shift()
    if (c.observedGeneration || !generation) return c
    changed = true
    return { ...c, observedGeneration: generation }
  })
  return changed ? { ...status, conditions: kept } : status
}
