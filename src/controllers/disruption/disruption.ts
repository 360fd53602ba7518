/**
 * The disruption controller: keeps every PodDisruptionBudget's status current — the pods its
 * selector picks, how many are healthy, how many must stay healthy (from minAvailable or
 * maxUnavailable against the pods' controllers' scale), and so how many voluntary disruptions
 * (evictions) are allowed now. Evictions recorded in disruptedPods count as gone until the pod
 * goes or two minutes pass, as upstream.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from "kubernetes-types/policy/v1.js"
import {
  type ApiObject,
  controllerOf,
  Deployments,
  isNotFound,
  isPodReady,
  parseKey,
  PodDisruptionBudgets,
  Pods,
  ReplicaSets,
  ReplicationControllers,
  selectorMatcher,
  StatefulSets,
} from "../../api/index.ts"
import type { Cache, ControllerSpec, Informers } from "../../client/index.ts"
import { rfc3339 } from "../../util/index.ts"

type Pdb = PodDisruptionBudget & ApiObject
type Scaled = ApiObject & { spec?: { replicas?: number } }

/** How long an eviction recorded in disruptedPods counts before the pod must be gone. */
const DELETION_TIMEOUT_MS = 2 * 60 * 1000

function isHealthy(pod: Pod): boolean {
  return !pod.metadata?.deletionTimestamp && isPodReady(pod)
}

/** `value` (an int or a percentage) of `total`, rounded up for percentages. */
function scaled(value: number | string, total: number): number {
  if (typeof value === "number") return value
  const m = /^(\d+)%$/.exec(value)
  if (!m) throw new Error(`invalid value ${JSON.stringify(value)}: not an integer or a percentage`)
  return Math.ceil((Number(m[1]) * total) / 100)
}

/** The sum of the scales of the pods' controllers, each counted once. */
function controllersScale(pods: readonly Pod[], caches: ScaleCaches, ns: string): number {
  const seen = new Set<string>()
  let total = 0
  for (const pod of pods) {
    const ref = controllerOf(pod as ApiObject)
    if (!ref) throw new Error(`found no controllers for pod "${pod.metadata?.name}"`)
    if (seen.has(ref.uid)) continue
    seen.add(ref.uid)
    total += scaleOf(ref.kind, ref.name, caches, ns)
  }
  return total
}

interface ScaleCaches {
  readonly rs: Cache<Scaled>
  readonly rc: Cache<Scaled>
  readonly sts: Cache<Scaled>
  readonly deploy: Cache<Scaled>
}

function scaleOf(kind: string, name: string, c: ScaleCaches, ns: string): number {
  const key = `${ns}/${name}`
  if (kind === "ReplicaSet") {
    const rs = c.rs.get(key)
    const owner = rs && controllerOf(rs)
    // A ReplicaSet of a Deployment: the Deployment's scale is the one that counts.
    if (owner?.kind === "Deployment") return c.deploy.get(`${ns}/${owner.name}`)?.spec?.replicas ?? 0
    return rs?.spec?.replicas ?? 0
  }
  if (kind === "ReplicationController") return c.rc.get(key)?.spec?.replicas ?? 0
  if (kind === "StatefulSet") return c.sts.get(key)?.spec?.replicas ?? 0
  throw new Error(`the scale of ${kind} "${name}" is not known to the disruption controller`)
}

/** The budget's expected and desired healthy counts. */
function expectations(
  pdb: Pdb,
  pods: readonly Pod[],
  caches: ScaleCaches,
): { expected: number; desired: number } {
  const spec = pdb.spec ?? {}
  const ns = pdb.metadata?.namespace ?? ""
  if (spec.maxUnavailable !== undefined) {
    const expected = controllersScale(pods, caches, ns)
    return { expected, desired: Math.max(0, expected - scaled(spec.maxUnavailable, expected)) }
  }
  if (typeof spec.minAvailable === "number") return { expected: pods.length, desired: spec.minAvailable }
  if (spec.minAvailable !== undefined) {
    const expected = controllersScale(pods, caches, ns)
    return { expected, desired: scaled(spec.minAvailable, expected) }
  }
  return { expected: pods.length, desired: 0 }
}

/** disruptedPods still pending (the pod exists, is not being deleted, and was evicted < 2 min ago). */
function pendingDisruptions(
  pdb: Pdb,
  pods: readonly Pod[],
  now: number,
): { kept: Record<string, string>; next: number } {
  const kept: Record<string, string> = {}
  let next = Infinity
  const byName = new Map(pods.map((p) => [p.metadata?.name ?? "", p]))
  for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
    const pod = byName.get(name)
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS
    if (!pod || pod.metadata?.deletionTimestamp || expires <= now) continue
    kept[name] = at
    next = Math.min(next, expires - now)
  }
  return { kept, next }
}

function condition(pdb: Pdb, ok: boolean, reason: string, message: string, now: number) {
  const status = ok ? "True" : "False"
  const prev = pdb.status?.conditions?.find((c) => c.type === "DisruptionAllowed")
  return {
    type: "DisruptionAllowed",
    status,
    reason,
    message,
    observedGeneration: pdb.metadata?.generation ?? 0,
    lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : rfc3339(now),
  }
}

/** The status `pdb` should have given the pods of its namespace. */
export function budgetStatus(
  pdb: Pdb,
  nsPods: readonly Pod[],
  caches: ScaleCaches,
  now: number,
): { status: PodDisruptionBudgetStatus; requeueMs?: number } {
  const match = selectorMatcher(pdb.spec?.selector)
  const pods = nsPods.filter((p) => match(p.metadata?.labels))
  const { kept, next } = pendingDisruptions(pdb, pods, now)
  const base = { observedGeneration: pdb.metadata?.generation ?? 0, disruptedPods: kept }
  let exp: { expected: number; desired: number }
  try {
    exp = expectations(pdb, pods, caches)
  } catch (err) {
    return {
      status: {
        ...base,
        disruptionsAllowed: 0,
        currentHealthy: 0,
        desiredHealthy: 0,
        expectedPods: 0,
        conditions: [condition(pdb, false, "SyncFailed", (err as Error).message, now)],
      },
    }
  }
  const healthy = pods.filter((p) => isHealthy(p) && !((p.metadata?.name ?? "") in kept)).length
  const allowed = Math.max(0, healthy - exp.desired)
  return {
    status: {
      ...base,
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: exp.desired,
      expectedPods: exp.expected,
      conditions: [
        allowed > 0
          ? condition(pdb, true, "SufficientPods", "", now)
          : condition(pdb, false, "InsufficientPods", "", now),
      ],
    },
    ...(Number.isFinite(next) ? { requeueMs: next } : {}),
  }
}

function caches(informers: Informers): ScaleCaches {
  return {
    rs: informers.get<Scaled>(ReplicaSets).cache,
    rc: informers.get<Scaled>(ReplicationControllers).cache,
    sts: informers.get<Scaled>(StatefulSets).cache,
    deploy: informers.get<Scaled>(Deployments).cache,
  }
}

/** The disruption controller's spec ("disruption", upstream's name). */
export function disruptionController(): ControllerSpec {
  let budgets: Cache<Pdb> | undefined
  const budgetsOf = (pod: ApiObject) => {
    const ns = pod.metadata?.namespace ?? ""
    return (budgets?.list(ns) ?? [])
      .filter((b) => selectorMatcher(b.spec?.selector)(pod.metadata?.labels))
      .map((b) => `${ns}/${b.metadata?.name}`)
  }
  return {
    name: "disruption",
    workers: 2,
    for: PodDisruptionBudgets,
    watches: [{ ref: Pods, map: budgetsOf }],
    create({ client, informers, clock }) {
      budgets = informers.get<Pdb>(PodDisruptionBudgets).cache
      const pods = informers.get<Pod & ApiObject>(Pods).cache
      const scales = caches(informers)
      return {
        async reconcile(key) {
          const pdb = budgets?.get(key)
          if (!pdb) return
          const { namespace = "" } = parseKey(key)
          const { status, requeueMs } = budgetStatus(pdb, pods.list(namespace), scales, clock.now())
          const same = JSON.stringify(status) === JSON.stringify(pdb.status ?? {})
          if (!same) {
            await client
              .resource<Pdb>(PodDisruptionBudgets)
              .updateStatus({ ...structuredClone(pdb), status } as Pdb)
              .catch((err: unknown) => {
                if (!isNotFound(err)) throw err
              })
          }
          return requeueMs !== undefined ? { requeueAfterMs: requeueMs } : undefined
        },
      }
    },
  }
}
