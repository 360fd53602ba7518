/**
 * The resource quota controller: keeps each ResourceQuota's status current — hard copied from
 * spec.hard, used recounted from the informer caches of every kind it counts (pods, services,
 * claims, config maps, secrets, replication controllers, quotas, and the workload kinds for
 * `count/`), within the quota's scopes. As upstream, it recounts when a quota's spec.hard
 * changes or its usage is unknown, when a counted object is deleted or stops charging what it
 * did (a pod that finished), and on a full resync every five minutes (upstream's
 * --resource-quota-sync-period); additions are charged by the ResourceQuota admission plugin.
 * Terminal pods, and pods past their deletion grace period, charge no compute.
 */
import type { ResourceQuota, ResourceQuotaStatus } from "kubernetes-types/core/v1.js"
import {
  type Amounts,
  addAmounts,
  amountsEqual,
  amountsOf,
  type ApiObject,
  ConfigMaps,
  CronJobs,
  DaemonSets,
  Deployments,
  isNotFound,
  Jobs,
  listOf,
  maskAmounts,
  PersistentVolumeClaims,
  Pods,
  quotaEvaluator,
  quotaScopes,
  ReplicaSets,
  ReplicationControllers,
  type ResourceRef,
  ResourceQuotas,
  Secrets,
  Services,
  StatefulSets,
} from "../../api/index.ts"
import type { Cache, ControllerSpec, Informers, KeyQueue } from "../../client/index.ts"

type Quota = ResourceQuota & ApiObject

/** Upstream's default --resource-quota-sync-period. */
export const RESYNC_PERIOD_MS = 5 * 60 * 1000

/** The kinds whose usage the controller counts (core evaluators plus workload object counts). */
export const COUNTED_KINDS: readonly ResourceRef<ApiObject>[] = [
  Pods,
  Services,
  PersistentVolumeClaims,
  ConfigMaps,
  Secrets,
  ReplicationControllers,
  ResourceQuotas,
  Deployments,
  ReplicaSets,
  StatefulSets,
  DaemonSets,
  Jobs,
  CronJobs,
]

/**
 * The usage `quota` should report given the objects in `objectsOf(ref)` (one namespace's):
 * every hard resource some counted kind charges starts at zero; resources no kind charges keep
 * their previous value.
 */
export function quotaUsage(
  quota: ResourceQuota,
  objectsOf: (ref: ResourceRef<ApiObject>) => readonly ApiObject[],
  now: number,
): Amounts {
  const hard = Object.keys(quota.spec?.hard ?? {})
  const scopes = quotaScopes(quota)
  let counted: Amounts = {}
  for (const ref of COUNTED_KINDS) {
    const ev = quotaEvaluator(ref.group, ref.resource)
    const names = hard.filter((n) => ev.matches(n))
    if (!names.length) continue
    for (const n of names) counted[n] = { nano: 0n, format: "DecimalSI" }
    for (const obj of objectsOf(ref)) {
      if (!scopes.every((s) => ev.matchesScope(s, obj))) continue
      counted = addAmounts(counted, maskAmounts(ev.usage(obj, now), names))
    }
  }
  return maskAmounts({ ...amountsOf(quota.status?.used), ...counted }, hard)
}

/** The status `quota` should have. */
export function quotaStatus(
  quota: ResourceQuota,
  objectsOf: (ref: ResourceRef<ApiObject>) => readonly ApiObject[],
  now: number,
): ResourceQuotaStatus {
  return { hard: listOf(amountsOf(quota.spec?.hard)), used: listOf(quotaUsage(quota, objectsOf, now)) }
}

function sameStatus(a: ResourceQuotaStatus | undefined, b: ResourceQuotaStatus): boolean {
  const norm = (s: ResourceQuotaStatus | undefined) =>
    JSON.stringify({ hard: listOf(amountsOf(s?.hard)), used: listOf(amountsOf(s?.used)) })
  return norm(a) === norm(b)
}

function keyOf(q: ApiObject): string {
  return `${q.metadata?.namespace ?? ""}/${q.metadata?.name ?? ""}`
}

/** True when status lags the spec: hard differs, or some hard resource has no usage yet. */
export function needsSync(quota: ResourceQuota): boolean {
  const hard = listOf(amountsOf(quota.spec?.hard))
  if (JSON.stringify(hard) !== JSON.stringify(listOf(amountsOf(quota.status?.hard)))) return true
  const used = quota.status?.used ?? {}
  return Object.keys(hard).some((k) => !(k in used))
}

/**
 * Handlers that mark a namespace's quotas for recount when an object of `ref` stops charging
 * what it did: deleted, or updated to a different usage (a pod that finished, a claim resized).
 * Additions are left to admission, which charged them already: recounting then from a cache
 * that may not yet hold every charged object would lower usage below the truth.
 */
function replenisher(ref: ResourceRef<ApiObject>, now: () => number, recount: (ns: string) => void) {
  const ev = quotaEvaluator(ref.group, ref.resource)
  const nsOf = (obj: ApiObject) => obj.metadata?.namespace ?? ""
  return {
    onUpdate(old: ApiObject, cur: ApiObject) {
      if (!amountsEqual(ev.usage(old, now()), ev.usage(cur, now()))) recount(nsOf(cur))
    },
    onDelete(obj: ApiObject) {
      recount(nsOf(obj))
    },
  }
}

/** The resource quota controller's spec ("resourcequota", upstream's name). */
export function resourceQuotaController(): ControllerSpec {
  return {
    name: "resourcequota",
    workers: 5,
    for: ResourceQuotas,
    // Listed so the controller starts once their caches are full; recounts come from replenisher
    watches: COUNTED_KINDS.filter((r) => r !== ResourceQuotas).map((ref) => ({ ref, map: () => [] })),
    create({ client, informers, clock, log }) {
      const quotas = informers.get<Quota>(ResourceQuotas).cache
      const caches = cachesOf(informers)
      // Quotas whose usage must be recounted on their next reconcile
      const dirty = new Set<string>()
      const recountAll = (queue: KeyQueue, ns?: string) => {
        for (const q of quotas.list(ns)) {
          dirty.add(keyOf(q))
          queue.add(keyOf(q))
        }
      }
      return {
        async reconcile(key) {
          const quota = quotas.get(key)
          const recount = dirty.delete(key)
          // A status written by admission or by this controller needs no recount
          if (!quota || !(recount || needsSync(quota))) return
          const ns = quota.metadata?.namespace ?? ""
          const status = quotaStatus(quota, (ref) => caches(ref).list(ns), clock.now())
          if (sameStatus(quota.status, status)) return
          log.debug({ key }, "Updating quota status")
          try {
            await client.resource<Quota>(ResourceQuotas).updateStatus({ ...structuredClone(quota), status })
          } catch (err) {
            if (isNotFound(err)) return
            dirty.add(key) // retried with backoff: recount again then
            throw err
          }
        },
        async run(queue, signal) {
          const offs = COUNTED_KINDS.map((ref) =>
            informers.get<ApiObject>(ref).addHandler(
              replenisher(
                ref,
                () => clock.now(),
                (ns) => recountAll(queue, ns),
              ),
            ),
          )
          try {
            while (!signal.aborted) {
              try {
                await clock.sleep(RESYNC_PERIOD_MS, signal)
              } catch {
                return
              }
              recountAll(queue)
            }
          } finally {
            for (const off of offs) off()
          }
        },
      }
    },
  }
}

function cachesOf(informers: Informers): (ref: ResourceRef<ApiObject>) => Cache<ApiObject> {
  const byRef = new Map(COUNTED_KINDS.map((ref) => [ref, informers.get<ApiObject>(ref).cache]))
  return (ref) => byRef.get(ref) ?? informers.get<ApiObject>(ref).cache
}
