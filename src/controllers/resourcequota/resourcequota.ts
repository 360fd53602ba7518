/**
 * The resource quota controller: keeps each ResourceQuota's status current — hard copied from
 * spec.hard, used recalculated from the informer caches of every kind it counts (pods, services,
 * claims, config maps, secrets, replication controllers, quotas, and the workload kinds for
 * `count/`), within the quota's scopes. Recalculates on quota changes, on changes to counted
 * objects in the quota's namespace, and on a full resync every five minutes (upstream's
 * --resource-quota-sync-period). Terminal pods charge no compute, as upstream.
 */
import type { ResourceQuota, ResourceQuotaStatus } from "kubernetes-types/core/v1.js"
import {
  type Amounts,
  addAmounts,
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

/** Adds every quota's key now and again each resync period, until `signal` aborts. */
async function resync(
  quotas: () => Cache<Quota> | undefined,
  queue: KeyQueue,
  sleep: (ms: number, signal: AbortSignal) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await sleep(RESYNC_PERIOD_MS, signal)
    } catch {
      return
    }
    for (const q of quotas()?.list() ?? []) queue.add(keyOf(q))
  }
}

/** The resource quota controller's spec ("resourcequota", upstream's name). */
export function resourceQuotaController(): ControllerSpec {
  let quotas: Cache<Quota> | undefined
  // A counted object changed: every quota of its namespace may have a new usage
  const quotasOf = (obj: ApiObject) => (quotas?.list(obj.metadata?.namespace ?? "") ?? []).map(keyOf)
  return {
    name: "resourcequota",
    workers: 5,
    for: ResourceQuotas,
    watches: COUNTED_KINDS.filter((r) => r !== ResourceQuotas).map((ref) => ({ ref, map: quotasOf })),
    create({ client, informers, clock, log }) {
      quotas = informers.get<Quota>(ResourceQuotas).cache
      const caches = cachesOf(informers)
      return {
        async reconcile(key) {
          const quota = quotas?.get(key)
          if (!quota) return
          const ns = quota.metadata?.namespace ?? ""
          const status = quotaStatus(quota, (ref) => caches(ref).list(ns), clock.now())
          if (sameStatus(quota.status, status)) return
          log.debug({ key }, "Updating quota status")
          await client
            .resource<Quota>(ResourceQuotas)
            .updateStatus({ ...structuredClone(quota), status })
            .catch((err: unknown) => {
              if (!isNotFound(err)) throw err
            })
        },
        run: (queue, signal) =>
          resync(
            () => quotas,
            queue,
            (ms, s) => clock.sleep(ms, s),
            signal,
          ),
      }
    },
  }
}

function cachesOf(informers: Informers): (ref: ResourceRef<ApiObject>) => Cache<ApiObject> {
  const byRef = new Map(COUNTED_KINDS.map((ref) => [ref, informers.get<ApiObject>(ref).cache]))
  return (ref) => byRef.get(ref) ?? informers.get<ApiObject>(ref).cache
}
