/**
 * The replica arithmetic of a Deployment (upstream's deployment_util): maxSurge and
 * maxUnavailable from ints or percentages, the new ReplicaSet's next size, sums over
 * ReplicaSets, and the proportions of a scale during a rollout.
 */
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js"

/** The replica-count annotation keys a Deployment writes on its ReplicaSets. */
export const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
export const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"

/** An int or a percentage string such as "25%" (intstr.IntOrString). */
export type IntOrPercent = number | string

/**
 * The absolute value of `v` against `total`: ints as they are, percentages of `total` rounded up
 * or down (intstr.GetScaledValueFromIntOrPercent).
 * @throws RangeError when `v` is a string that is not a percentage
 */
export function scaledValue(v: IntOrPercent | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0
  if (typeof v === "number") return v
  const m = /^(-?\d+)%$/.exec(v)
  if (!m) throw new RangeError(`Cannot scale "${v}": it is neither an integer nor a percentage`)
  const exact = (Number(m[1]) * total) / 100
  return roundUp ? Math.ceil(exact) : Math.floor(exact)
}

/** The replica count of an object with optional spec.replicas (1 when unset, as defaulted). */
export function specReplicas(obj: { spec?: { replicas?: number } } | undefined): number {
  return obj?.spec?.replicas ?? 1
}

/** True for the RollingUpdate strategy (the default). */
export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate"
}

/**
 * maxSurge and maxUnavailable resolved against `desired`: surge rounds up, unavailable rounds
 * down; when both come to zero, unavailable becomes 1 so the rollout can move.
 */
export function resolveFenceposts(d: Deployment, desired: number): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate
  const surge = scaledValue(ru?.maxSurge ?? "25%", desired, true)
  let unavailable = scaledValue(ru?.maxUnavailable ?? "25%", desired, false)
  if (surge === 0 && unavailable === 0) unavailable = 1
  return { surge, unavailable }
}

/** How many pods over spec.replicas a rolling Deployment may run (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0
  return resolveFenceposts(d, specReplicas(d)).surge
}

/** How many of spec.replicas a rolling Deployment may have unavailable (0 for Recreate). */
export function maxUnavailable(d: Deployment): number {
  const replicas = specReplicas(d)
  if (!isRollingUpdate(d) || replicas === 0) return 0
  return Math.min(resolveFenceposts(d, replicas).unavailable, replicas)
}

/** The sum of spec.replicas of the ReplicaSets (missing ones skipped). */
export function specSum(sets: readonly (ReplicaSet | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs ? specReplicas(rs) : 0), 0)
}

/** The sum of a status counter of the ReplicaSets. */
export function statusSum(
  sets: readonly (ReplicaSet | undefined)[],
  field: "replicas" | "readyReplicas" | "availableReplicas",
): number {
  return sets.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0)
}

/**
 * Available pods counted for scaling decisions: a ReplicaSet's available count, but never more
 * than its spec (pods above spec are about to go, and the status may predate a scale-down).
 */
export function availableForScaling(sets: readonly (ReplicaSet | undefined)[]): number {
  return sets.reduce(
    (n, rs) => n + (rs ? Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs)) : 0),
    0,
  )
}

/** The size the new ReplicaSet may grow to now (upstream's NewRSNewReplicas). */
export function newRSNewReplicas(
  d: Deployment,
  all: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet,
): number {
  const replicas = specReplicas(d)
  if (!isRollingUpdate(d)) return replicas
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? "25%", replicas, true)
  const current = specSum(all)
  const maxTotal = replicas + surge
  const cur = specReplicas(newRS)
  if (current >= maxTotal) return cur
  return cur + Math.min(maxTotal - current, replicas - cur)
}

/** Reads an int32 annotation; undefined when absent or not a number. */
export function intAnnotation(obj: { metadata?: { annotations?: Record<string, string> } }, key: string) {
  const v = obj.metadata?.annotations?.[key]
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined
  return Number(v)
}

/** True when the new ReplicaSet has the whole Deployment and it is all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false
  const replicas = specReplicas(d)
  return (
    intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION) === replicas &&
    specReplicas(rs) === replicas &&
    (rs.status?.availableReplicas ?? 0) === replicas
  )
}

/** Go's math.Round: halves away from zero. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x))
}

/** The share of a scale by `toAdd` that `rs` takes, given what was already handed out. */
export function proportion(d: Deployment, rs: ReplicaSet, toAdd: number, added: number): number {
  const size = specReplicas(rs)
  if (size === 0 || toAdd === 0 || toAdd === added) return 0
  const fraction = replicaSetFraction(d, rs)
  const allowed = toAdd - added
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed)
}

function replicaSetFraction(d: Deployment, rs: ReplicaSet): number {
  const size = specReplicas(rs)
  const replicas = specReplicas(d)
  if (replicas === 0) return -size
  const maxNow = replicas + maxSurge(d)
  let before = intAnnotation(rs, MAX_REPLICAS_ANNOTATION)
  if (!before) {
    // No annotation (edited by hand): fall back on the Deployment's current size.
    before = d.status?.replicas ?? 0
    if (before === 0) return 0
  }
  return roundHalfAway((size * maxNow) / before) - size
}

/** True when `rs` lacks the desired and max replicas annotations for these values. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {}
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max)
}

/** Sets the desired and max replicas annotations; true when they changed. Mutates `rs`. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false
  const meta = ((rs as { metadata?: object }).metadata ??= {}) as { annotations?: Record<string, string> }
  meta.annotations = {
    ...meta.annotations,
    [DESIRED_REPLICAS_ANNOTATION]: String(desired),
    [MAX_REPLICAS_ANNOTATION]: String(max),
  }
  return true
}
