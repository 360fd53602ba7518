/**
 * Scaling a Deployment without rolling it out (upstream's scale in sync.go): the one active
 * ReplicaSet takes the new size; mid-rollout every active ReplicaSet grows or shrinks in
 * proportion to its share, within spec.replicas + maxSurge.
 */
import { isRollingUpdate, isSaturated, maxSurge, proportion, specReplicas, specSum } from "./replicas.ts"
import { activeSets, byCreation, type DeploymentSync, type ReplicaSetObject } from "./sync.ts"

/** Scales for a changed spec.replicas, proportionally across active ReplicaSets mid-rollout. */
export async function scale(
  s: DeploymentSync,
  newRS: ReplicaSetObject | undefined,
  oldRSs: ReplicaSetObject[],
): Promise<void> {
  const replicas = specReplicas(s.d)
  const target = activeOrLatest(newRS, oldRSs)
  if (target) {
    if (specReplicas(target) !== replicas) await s.scaleAndRecord(target, replicas)
    return
  }
  if (isSaturated(s.d, newRS)) {
    for (const old of activeSets(oldRSs)) await s.scaleAndRecord(old, 0)
    return
  }
  if (!isRollingUpdate(s.d)) return
  await scaleProportionally(s, activeSets([...oldRSs, newRS]))
}

async function scaleProportionally(s: DeploymentSync, all: ReplicaSetObject[]): Promise<void> {
  const replicas = specReplicas(s.d)
  const allowed = replicas > 0 ? replicas + maxSurge(s.d) : 0
  const toAdd = allowed - specSum(all)
  const operation = toAdd > 0 ? "up" : "down"
  // Scaling up favours the biggest and newest, scaling down the biggest and oldest.
  if (toAdd !== 0) {
    all.sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)))
  }
  let added = 0
  const sizes = all.map((rs) => {
    if (toAdd === 0) return specReplicas(rs)
    const p = proportion(s.d, rs, toAdd, added)
    added += p
    return specReplicas(rs) + p
  })
  if (toAdd !== 0 && sizes.length) sizes[0] = Math.max(0, (sizes[0] as number) + toAdd - added)
  for (const [i, rs] of all.entries()) await s.scaleReplicaSet(rs, sizes[i] as number, operation)
}

/** The only active ReplicaSet, or the newest when none is active; undefined when several are. */
function activeOrLatest(
  newRS: ReplicaSetObject | undefined,
  oldRSs: ReplicaSetObject[],
): ReplicaSetObject | undefined {
  if (!newRS && oldRSs.length === 0) return undefined
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a))
  const active = activeSets([...olds, newRS])
  if (active.length === 0) return newRS ?? olds[0]
  return active.length === 1 ? active[0] : undefined
}
