/**
 * The two rollout strategies (upstream's rolling.go and recreate.go). RollingUpdate grows the new
 * ReplicaSet while the total stays within spec.replicas + maxSurge and shrinks old ones while
 * available pods stay at or above spec.replicas - maxUnavailable. Recreate scales every old
 * ReplicaSet to zero and waits for their pods to be gone before the new one starts.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import { isPodTerminal } from "../../api/index.ts"
import {
  availableForScaling,
  maxUnavailable,
  newRSNewReplicas,
  specReplicas,
  specSum,
  statusSum,
} from "./replicas.ts"
import { activeSets, byCreation, type DeploymentSync, type ReplicaSetObject } from "./sync.ts"
import { isComplete } from "./status.ts"
import { syncRolloutStatus } from "./progress.ts"

/** Pods of the Deployment grouped by the uid of their controlling ReplicaSet. */
export type PodMap = ReadonlyMap<string, readonly Pod[]>

/** Grows the new ReplicaSet as far as the surge allows; true when it scaled. */
async function reconcileNewReplicaSet(
  s: DeploymentSync,
  all: ReplicaSetObject[],
  newRS: ReplicaSetObject,
): Promise<boolean> {
  const replicas = specReplicas(s.d)
  const cur = specReplicas(newRS)
  if (cur === replicas) return false
  if (cur > replicas) return (await s.scaleAndRecord(newRS, replicas)).scaled
  return (await s.scaleAndRecord(newRS, newRSNewReplicas(s.d, all, newRS))).scaled
}

/** Scales old ReplicaSets down, unhealthy pods first, within maxUnavailable; true when it scaled. */
async function reconcileOldReplicaSets(
  s: DeploymentSync,
  all: ReplicaSetObject[],
  oldRSs: ReplicaSetObject[],
  newRS: ReplicaSetObject,
): Promise<boolean> {
  if (specSum(oldRSs) === 0) return false
  const minAvailable = specReplicas(s.d) - maxUnavailable(s.d)
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0)
  const maxScaledDown = specSum(all) - minAvailable - newUnavailable
  if (maxScaledDown <= 0) return false
  const cleaned = await cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown)
  const scaledDown = await scaleDownOldForRollingUpdate(s, [...cleaned.oldRSs, newRS], cleaned.oldRSs)
  return cleaned.count + scaledDown > 0
}

/** Scales down old ReplicaSets by their unavailable pods, oldest first, up to `max` in all. */
async function cleanupUnhealthyReplicas(
  s: DeploymentSync,
  oldRSs: ReplicaSetObject[],
  max: number,
): Promise<{ oldRSs: ReplicaSetObject[]; count: number }> {
  const sets = [...oldRSs].sort(byCreation)
  let total = 0
  for (const [i, rs] of sets.entries()) {
    if (total >= max) break
    const size = specReplicas(rs)
    const available = rs.status?.availableReplicas ?? 0
    if (size === 0 || size <= available) continue
    const down = Math.min(max - total, size - available)
    sets[i] = (await s.scaleAndRecord(rs, size - down)).rs
    total += down
  }
  return { oldRSs: sets, count: total }
}

/** Scales old ReplicaSets down, oldest first, while enough pods stay available. */
async function scaleDownOldForRollingUpdate(
  s: DeploymentSync,
  all: ReplicaSetObject[],
  oldRSs: ReplicaSetObject[],
): Promise<number> {
  const minAvailable = specReplicas(s.d) - maxUnavailable(s.d)
  const available = availableForScaling(all)
  if (available <= minAvailable) return 0
  const budget = available - minAvailable
  let total = 0
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= budget) break
    const size = specReplicas(rs)
    if (size === 0) continue
    const down = Math.min(size, budget - total)
    await s.scaleAndRecord(rs, size - down)
    total += down
  }
  return total
}

/** One step of a RollingUpdate rollout; returns when to look again, if at all. */
export async function rolloutRolling(s: DeploymentSync): Promise<number | undefined> {
  const { newRS, oldRSs } = await s.allReplicaSets(true)
  if (!newRS) return undefined
  // Each step reads the latest written versions: a scale replaces the ReplicaSet in `s.sets`.
  const latest = () => ({ olds: currentOld(s, oldRSs), cur: currentNew(s, newRS) })
  let { olds, cur } = latest()
  if (await reconcileNewReplicaSet(s, [...olds, cur], cur)) {
    ;({ olds, cur } = latest())
    return syncRolloutStatus(s, [...olds, cur], cur)
  }
  if (await reconcileOldReplicaSets(s, [...olds, cur], activeSets(olds), cur)) {
    ;({ olds, cur } = latest())
    return syncRolloutStatus(s, [...olds, cur], cur)
  }
  if (isComplete(s.d, s.d.status ?? {})) await s.cleanup(olds)
  return syncRolloutStatus(s, [...olds, cur], cur)
}

/** One step of a Recreate rollout; returns when to look again, if at all. */
export async function rolloutRecreate(s: DeploymentSync, pods: PodMap): Promise<number | undefined> {
  let { newRS, oldRSs } = await s.allReplicaSets(false)
  let scaledDown = false
  for (const rs of activeSets(oldRSs)) if ((await s.scaleAndRecord(rs, 0)).scaled) scaledDown = true
  oldRSs = currentOld(s, oldRSs)
  const cur = newRS && currentNew(s, newRS)
  if (scaledDown || oldPodsRunning(cur, oldRSs, pods)) return syncRolloutStatus(s, [...oldRSs, cur], cur)
  if (!newRS) ({ newRS, oldRSs } = await s.allReplicaSets(true))
  if (!newRS) return undefined
  await reconcileNewReplicaSet(s, [...oldRSs, currentNew(s, newRS)], currentNew(s, newRS))
  const fresh = currentNew(s, newRS)
  if (isComplete(s.d, s.d.status ?? {})) await s.cleanup(oldRSs)
  return syncRolloutStatus(s, [...oldRSs, fresh], fresh)
}

/** True while any old ReplicaSet still reports pods or any pod outside the new one is not finished. */
function oldPodsRunning(
  newRS: ReplicaSetObject | undefined,
  oldRSs: ReplicaSetObject[],
  pods: PodMap,
): boolean {
  if (statusSum(oldRSs, "replicas") > 0) return true
  for (const [uid, list] of pods) {
    if (newRS && newRS.metadata?.uid === uid) continue
    if (list.some((p) => !isPodTerminal(p))) return true
  }
  return false
}

/** The latest written version of `rs` in the sync's list. */
function currentNew(s: DeploymentSync, rs: ReplicaSetObject): ReplicaSetObject {
  return s.sets.find((x) => x.metadata?.uid === rs.metadata?.uid) ?? rs
}

function currentOld(s: DeploymentSync, oldRSs: ReplicaSetObject[]): ReplicaSetObject[] {
  return oldRSs.map((rs) => currentNew(s, rs))
}
