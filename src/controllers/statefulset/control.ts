/**
 * One pass of the StatefulSet control loop (upstream's updateStatefulSet): keep a pod at every
 * ordinal in range, created in order and only once its predecessors are Running and Ready
 * (OrderedReady) or all at once (Parallel); delete out-of-range pods from the highest ordinal;
 * then roll pods at or above the partition to the update revision, highest ordinal first.
 */
import { isPodAvailable, isPodTerminal, msUntilAvailable } from "../../api/index.ts"
import { isTerminating, type PodObject } from "../set-pods/index.ts"
import {
  claimsMatchRetentionPolicy,
  createClaims,
  podClaimIsStale,
  updateClaimsForRetentionPolicy,
} from "./claims.ts"
import type { SetContext } from "./context.ts"
import {
  identityMatches,
  inOrdinalRange,
  newVersionedPod,
  ordinalOf,
  podRevision,
  replicasOf,
  startOrdinal,
  type StatefulSetObject,
  storageMatches,
} from "./identity.ts"
import { createStatefulPod, deleteStatefulPod, updateStatefulPod } from "./pod-control.ts"
import { applyRevision, type SetRevisions } from "./revisions.ts"
import { countReplicas, isCreated, isRunningAndReady, isUnavailable, type SetStatus } from "./status.ts"

/** Most pods a Parallel set writes at once (upstream's MaxBatchSize). */
const MAX_BATCH = 500

/** What a pass computed: the status to write, and the first error it met, if any. */
export interface ControlResult {
  readonly status: SetStatus
  readonly error?: unknown
  /** When a pod that is ready becomes available (minReadySeconds), reconcile again then. */
  readonly requeueAfterMs?: number
}

interface Pass {
  readonly ctx: SetContext
  readonly set: StatefulSetObject
  readonly updateSet: StatefulSetObject
  readonly monotonic: boolean
  readonly minReady: number
}

/** Handles the pod at an in-range ordinal. Resolves true when a monotonic pass must stop here. */
async function processReplica(p: Pass, pod: PodObject): Promise<boolean> {
  const { ctx, set, monotonic, minReady } = p
  const phase = pod.status?.phase
  // A finished pod (even Succeeded: evicted pods end either way) is replaced.
  if (isPodTerminal(pod)) {
    if (!isTerminating(pod)) await deleteStatefulPod(ctx, set, pod)
    return true
  }
  if (!isCreated(pod)) {
    // A claim left by an earlier pod of this name is still being garbage collected.
    if (podClaimIsStale(ctx, set, pod)) return true
    const created = await createStatefulPod(ctx, set, pod)
    if (monotonic || !created) return true
    return false
  }
  if (phase === "Pending") {
    await createClaims(ctx, set, pod)
    await updateClaimsForRetentionPolicy(ctx, set, pod)
  }
  if (
    monotonic &&
    (isTerminating(pod) || !isRunningAndReady(pod) || !isPodAvailable(pod, minReady, ctx.now))
  ) {
    return true
  }
  if (
    identityMatches(set, pod) &&
    storageMatches(set, pod) &&
    claimsMatchRetentionPolicy(ctx, p.updateSet, pod)
  ) {
    return false
  }
  await updateStatefulPod(ctx, p.updateSet, pod)
  return false
}

/** Handles an out-of-range pod. Resolves true when a monotonic pass must stop here. */
async function processCondemned(
  p: Pass,
  pod: PodObject,
  firstUnhealthy: PodObject | undefined,
): Promise<boolean> {
  if (isTerminating(pod)) return p.monotonic
  const unhealthy = !isRunningAndReady(pod) || !isPodAvailable(pod, p.minReady, p.ctx.now)
  // Scale down waits for every pod to be healthy, except that the first unhealthy one may go.
  if (p.monotonic && unhealthy && pod !== firstUnhealthy) return true
  await deleteStatefulPod(p.ctx, p.set, pod)
  return true
}

/** Runs `fn` over `pods`: in order, stopping where it asks (monotonic), or in growing batches. */
async function runForAll(
  pods: readonly PodObject[],
  fn: (pod: PodObject) => Promise<boolean>,
  monotonic: boolean,
): Promise<boolean> {
  if (monotonic) {
    for (const pod of pods) if (await fn(pod)) return true
    return false
  }
  let i = 0
  for (
    let batch = Math.min(1, pods.length);
    batch > 0;
    batch = Math.min(2 * batch, pods.length - i, MAX_BATCH)
  ) {
    const results = await Promise.allSettled(pods.slice(i, i + batch).map(fn))
    i += batch
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected")
    if (failed) throw failed.reason
  }
  return false
}

/** The pods at each in-range ordinal (new ones where missing) and the out-of-range ones, highest first. */
function partition(
  set: StatefulSetObject,
  revs: SetRevisions,
  pods: readonly PodObject[],
): { replicas: PodObject[]; condemned: PodObject[] } {
  const start = startOrdinal(set)
  const slots: (PodObject | undefined)[] = new Array(replicasOf(set)).fill(undefined)
  const condemned: PodObject[] = []
  for (const pod of pods) {
    if (inOrdinalRange(pod, set)) slots[ordinalOf(pod) - start] = pod
    else if (ordinalOf(pod) >= 0) condemned.push(pod)
  }
  const currentSet = applyRevision(set, revs.current)
  const updateSet = applyRevision(set, revs.update)
  const names = { current: revs.current.metadata?.name ?? "", update: revs.update.metadata?.name ?? "" }
  const replicas = slots.map((pod, i) => pod ?? newVersionedPod(currentSet, updateSet, names, start + i))
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a))
  return { replicas, condemned }
}

/** The soonest a ready pod becomes available, when minReadySeconds holds some back. */
function nextAvailability(pods: readonly PodObject[], minReady: number, now: number): number | undefined {
  let soonest: number | undefined
  for (const pod of pods) {
    const ms = msUntilAvailable(pod, minReady, now)
    if (ms && (soonest === undefined || ms < soonest)) soonest = ms
  }
  return soonest
}

/**
 * Rolls one pod: the highest-ordinal pod at or above the partition that is not at the update
 * revision is deleted (to be recreated at it), waiting while any pod above it is unavailable.
 */
async function rollingUpdate(
  p: Pass,
  replicas: readonly PodObject[],
  status: SetStatus,
  update: string,
): Promise<void> {
  const min = p.set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0
  for (let target = replicas.length - 1; target >= min; target--) {
    const pod = replicas[target] as PodObject
    if (podRevision(pod) !== update && !isTerminating(pod)) {
      await deleteStatefulPod(p.ctx, p.set, pod)
      status.currentReplicas = (status.currentReplicas ?? 0) - 1
      return
    }
    if (isUnavailable(pod, p.minReady, p.ctx.now)) return
  }
}

/** Runs one pass over the set's pods; see the module comment. Never throws: errors come back in the result. */
export async function updateStatefulSet(
  ctx: SetContext,
  set: StatefulSetObject,
  revs: SetRevisions,
  pods: readonly PodObject[],
): Promise<ControlResult> {
  const minReady = set.spec?.minReadySeconds ?? 0
  const current = revs.current.metadata?.name ?? ""
  const update = revs.update.metadata?.name ?? ""
  const status: SetStatus = {
    observedGeneration: set.metadata?.generation ?? 0,
    currentRevision: current,
    updateRevision: update,
    collisionCount: revs.collisionCount,
    replicas: 0,
  }
  const count = { minReadySeconds: minReady, now: ctx.now, current, update }
  countReplicas(status, count, pods)
  const requeueAfterMs = nextAvailability(pods, minReady, ctx.now)
  const done = (error?: unknown): ControlResult => ({
    status,
    ...(error !== undefined ? { error } : {}),
    ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
  })
  // Being deleted: only the status is kept up to date.
  if (set.metadata?.deletionTimestamp) return done()
  const { replicas, condemned } = partition(set, revs, pods)
  const firstUnhealthy = [...replicas, ...[...condemned].reverse()].find((pod) =>
    isUnavailable(pod, minReady, ctx.now),
  )
  const p: Pass = {
    ctx,
    set,
    updateSet: applyRevision(set, revs.update),
    monotonic: set.spec?.podManagementPolicy !== "Parallel",
    minReady,
  }
  const all = [...replicas, ...condemned]
  // Stopping early: count what the pass saw, created pods included.
  const stop = (error?: unknown) => {
    countReplicas(status, count, all)
    return done(error)
  }
  try {
    if (await runForAll(replicas, (pod) => processReplica(p, pod), p.monotonic)) return stop()
    const fixClaims = async (pod: PodObject) => {
      if (!claimsMatchRetentionPolicy(ctx, p.updateSet, pod))
        await updateClaimsForRetentionPolicy(ctx, p.updateSet, pod)
      return false
    }
    if (await runForAll(condemned, fixClaims, p.monotonic)) return stop()
    if (await runForAll(condemned, (pod) => processCondemned(p, pod, firstUnhealthy), p.monotonic))
      return stop()
    countReplicas(status, count, all)
    if (set.spec?.updateStrategy?.type === "OnDelete") return done()
    await rollingUpdate(p, replicas, status, update)
    return done()
  } catch (err) {
    return stop(err)
  }
}
