/**
 * The disruption controller: keeps every PodDisruptionBudget's status current — the pods its
 * selector picks, how many are healthy, how many must stay healthy (from minAvailable or
 * maxUnavailable against the pods' controllers' scale), and so how many voluntary disruptions
 * (evictions) are allowed now. Evictions recorded in disruptedPods count as gone until the pod
 * goes or two minutes pass, as upstream.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import type { LabelSelector } from "kubernetes-types/meta/v1.js"
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
import { type Cache, ClientEventRecorder, type ControllerSpec, type Informers } from "../../client/index.ts"
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

/**
 * The sum of the scales of the pods' controllers, each counted once, and the pods without a
 * controller (left out of the sum, as upstream's getExpectedScale). A controller reference whose
 * controller cannot be found fails the whole count.
 */
function controllersScale(
  pods: readonly Pod[],
  caches: ScaleCaches,
  ns: string,
): { total: number; unmanaged: string[] } {
  const seen = new Set<string>()
  const unmanaged: string[] = []
  let total = 0
  for (const pod of pods) {
    const ref = controllerOf(pod as ApiObject)
    if (!ref) {
      unmanaged.push(pod.metadata?.name ?? "")
      continue
    }
    if (seen.has(ref.uid)) continue
    const scale = scaleOf(ref, caches, ns)
    if (scale === undefined) throw new Error(`found no controllers for pod "${pod.metadata?.name}"`)
    seen.add(ref.uid)
    total += scale
  }
  return { total, unmanaged }
}

interface ScaleCaches {
  readonly rs: Cache<Scaled>
  readonly rc: Cache<Scaled>
  readonly sts: Cache<Scaled>
  readonly deploy: Cache<Scaled>
}

/** The object of `cache` named and with the uid `ref` says, if there is one. */
function owned(cache: Cache<Scaled>, ns: string, ref: { name: string; uid: string }): Scaled | undefined {
  const o = cache.get(`${ns}/${ref.name}`)
  return o?.metadata?.uid === ref.uid ? o : undefined
}

/** The scale of the controller `ref` names; undefined when it is not found (upstream's finders). */
function scaleOf(
  ref: { kind: string; name: string; uid: string },
  c: ScaleCaches,
  ns: string,
): number | undefined {
  if (ref.kind === "ReplicationController") return replicasOf(owned(c.rc, ns, ref))
  if (ref.kind === "StatefulSet") return replicasOf(owned(c.sts, ns, ref))
  if (ref.kind === "ReplicaSet") {
    const rs = owned(c.rs, ns, ref)
    const owner = rs && controllerOf(rs)
    // A ReplicaSet of a Deployment: the Deployment's scale is the one that counts.
    if (owner?.kind === "Deployment") return replicasOf(owned(c.deploy, ns, owner))
    return replicasOf(rs)
  }
  throw new Error(`the scale of ${ref.kind} "${ref.name}" is not known to the disruption controller`)
}

function replicasOf(o: Scaled | undefined): number | undefined {
  return o ? (o.spec?.replicas ?? 0) : undefined
}

/** The budget's expected and desired healthy counts, and the pods left out as unmanaged. */
function expectations(
  pdb: Pdb,
  pods: readonly Pod[],
  caches: ScaleCaches,
): { expected: number; desired: number; unmanaged: string[] } {
  const spec = pdb.spec ?? {}
  const ns = pdb.metadata?.namespace ?? ""
  if (spec.maxUnavailable !== undefined) {
    const { total, unmanaged } = controllersScale(pods, caches, ns)
    return { expected: total, desired: Math.max(0, total - scaled(spec.maxUnavailable, total)), unmanaged }
  }
  if (typeof spec.minAvailable === "number")
    return { expected: pods.length, desired: spec.minAvailable, unmanaged: [] }
  if (spec.minAvailable !== undefined) {
    const { total, unmanaged } = controllersScale(pods, caches, ns)
    return { expected: total, desired: scaled(spec.minAvailable, total), unmanaged }
  }
  return { expected: 0, desired: 0, unmanaged: [] }
}

/**
 * disruptedPods still pending (the pod exists, is not being deleted, and was evicted < 2 min
 * ago), and the pods evicted longer ago that are still there.
 */
function pendingDisruptions(
  pdb: Pdb,
  pods: readonly Pod[],
  now: number,
): { kept: Record<string, string>; next: number; overdue: Pod[] } {
  const kept: Record<string, string> = {}
  const overdue: Pod[] = []
  let next = Infinity
  const disrupted = pdb.status?.disruptedPods ?? {}
  for (const pod of pods) {
    const name = pod.metadata?.name ?? ""
    const at = disrupted[name]
    if (at === undefined || pod.metadata?.deletionTimestamp) continue
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS
    if (expires < now) {
      overdue.push(pod)
      continue
    }
    kept[name] = at
    next = Math.min(next, expires - now)
  }
  return { kept, next, overdue }
}

/** The DisruptionAllowed condition set among `pdb`'s (upstream's meta.SetStatusCondition). */
function condition(
  pdb: Pdb,
  ok: boolean,
  reason: string,
  message: string,
  now: number,
  observedGeneration = pdb.metadata?.generation ?? 0,
) {
  const status = ok ? "True" : "False"
  const prev = pdb.status?.conditions?.find((c) => c.type === "DisruptionAllowed")
  return {
    type: "DisruptionAllowed",
    status,
    reason,
    message,
    observedGeneration,
    lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : rfc3339(now),
  }
}

/** The status kept when the counts cannot be made: no disruption allowed, SyncFailed (upstream's failSafe). */
function failSafe(pdb: Pdb, message: string, now: number): PodDisruptionBudgetStatus {
  const old: Partial<PodDisruptionBudgetStatus> = pdb.status ?? {}
  const failed = condition(pdb, false, "SyncFailed", message, now, old.observedGeneration ?? 0)
  const others = (old.conditions ?? []).filter((c) => c.type !== "DisruptionAllowed")
  return {
    ...old,
    currentHealthy: old.currentHealthy ?? 0,
    desiredHealthy: old.desiredHealthy ?? 0,
    expectedPods: old.expectedPods ?? 0,
    disruptionsAllowed: 0,
    conditions: [...others, failed],
  }
}

/** What the controller tells in events as it computes a status. */
export type Tell = (about: ApiObject, type: "Normal" | "Warning", reason: string, message: string) => void

/**
 * The status `pdb` should have given the pods of its namespace, telling in events what upstream's
 * trySync tells: no pods, unmanaged pods, a count that cannot be made (the status then keeps its
 * counts with no disruption allowed, as upstream's failSafe) and pods evicted that were not deleted.
 */
export function budgetStatus(
  pdb: Pdb,
  nsPods: readonly Pod[],
  caches: ScaleCaches,
  now: number,
  tell: Tell = () => {},
): { status: PodDisruptionBudgetStatus; requeueMs?: number } {
  const match = selectorMatcher(pdb.spec?.selector)
  const pods = nsPods.filter((p) => match(p.metadata?.labels))
  if (pods.length === 0) tell(pdb, "Normal", "NoPods", "No matching pods found")
  let exp: { expected: number; desired: number; unmanaged: string[] }
  try {
    exp = expectations(pdb, pods, caches)
  } catch (err) {
    const message = (err as Error).message
    tell(
      pdb,
      "Warning",
      "CalculateExpectedPodCountFailed",
      `Failed to calculate the number of expected pods: ${message}`,
    )
    return { status: failSafe(pdb, message, now) }
  }
  if (exp.unmanaged.length > 0) {
    tell(
      pdb,
      "Warning",
      "UnmanagedPods",
      `Pods selected by this PodDisruptionBudget (selector: ${goLabelSelector(pdb.spec?.selector)}) were found ` +
        "to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in " +
        'undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an ' +
        "integer value.",
    )
  }
  const { kept, next, overdue } = pendingDisruptions(pdb, pods, now)
  const ns = pdb.metadata?.namespace ?? ""
  // Upstream's message names the namespace twice.
  for (const pod of overdue)
    tell(
      pod as ApiObject,
      "Warning",
      "NotDeleted",
      `Pod was expected by PDB ${ns}/${ns} to be deleted but it wasn't`,
    )
  const healthy = pods.filter((p) => isHealthy(p) && !((p.metadata?.name ?? "") in kept)).length
  // A budget expecting no pods allows nothing, so pods appearing before its next sync are safe.
  const allowed = exp.expected > 0 ? Math.max(0, healthy - exp.desired) : 0
  return {
    status: {
      observedGeneration: pdb.metadata?.generation ?? 0,
      disruptedPods: kept,
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

/** A label selector as Go's %v prints upstream's *metav1.LabelSelector (its generated String()). */
export function goLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return "nil"
  const labels = Object.keys(sel.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${sel.matchLabels?.[k]},`)
    .join("")
  const exprs = (sel.matchExpressions ?? [])
    .map(
      (e) =>
        `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(" ")}],},`,
    )
    .join("")
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`
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
    create({ client, informers, clock, log }) {
      // Upstream's disruption controller records as "controllermanager".
      const recorder = new ClientEventRecorder(client, { component: "controllermanager", clock, log })
      const tell: Tell = (about, type, reason, message) =>
        recorder.event(about, type, reason, message, about.kind === "Pod" ? Pods : PodDisruptionBudgets)
      budgets = informers.get<Pdb>(PodDisruptionBudgets).cache
      const pods = informers.get<Pod & ApiObject>(Pods).cache
      const scales = caches(informers)
      return {
        async reconcile(key) {
          const pdb = budgets?.get(key)
          if (!pdb) return
          const { namespace = "" } = parseKey(key)
          const { status, requeueMs } = budgetStatus(pdb, pods.list(namespace), scales, clock.now(), tell)
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
