/**
 * ResourceQuota admission (upstream's plugin of the same name): a write that adds usage in a
 * namespace with quotas is charged against every quota that covers it, refused with a 403 when
 * it would exceed one, and admitted only once the quotas' status.used carry the charge. The
 * charge is written to the store with the quota's revision (optimistic concurrency), so two
 * concurrent writes cannot both take the last unit: the loser re-reads and is judged again.
 * Within one server, writes to a namespace with covering quotas are charged one at a time.
 * Quotas count only once the resource quota controller has filled status.hard, as upstream.
 */
import type { ResourceQuota } from "kubernetes-types/core/v1.js"
import {
  addAmounts,
  type Amounts,
  amountsOf,
  type ApiObject,
  exceededResources,
  listOf,
  maskAmounts,
  printAmounts,
  type QuotaEvaluator,
  quotaEvaluator,
  quotaMatches,
  removeZeros,
  subtractNonNegative,
  validateObject,
} from "../api/index.ts"
import { RevisionConflictError, KeyNotFoundError, type Store } from "../storage/index.ts"
import type { Clock } from "../util/index.ts"
import { type AdmissionPlugin, admissionForbidden } from "./admission.ts"
import { type AdmissionRequest, decode, encode } from "./registry/context.ts"

/** Where quotas are stored. */
const QUOTA_PREFIX = "/registry/resourcequotas/"
/** Kinds upstream never charges (its quota configuration's ignored resources). */
const IGNORED = new Set([
  "events",
  "bindings",
  "componentstatuses",
  "tokenreviews",
  "localsubjectaccessreviews",
])
const MAX_ATTEMPTS = 16

/** A quota as read, with the revision its charge must be written against. */
export interface StoredQuota {
  readonly key: string
  readonly revision: number
  readonly quota: ResourceQuota & ApiObject
}

/** What a write charges: each affected quota's new used, or why it is refused. */
export type Charge = { readonly refused: string } | { readonly used: ReadonlyMap<number, Amounts> }

function hardOf(q: ResourceQuota): Amounts {
  return amountsOf(q.status?.hard)
}

/** Refusals that do not depend on usage: pod constraints and quotas whose usage is unknown. */
function precheck(quotas: readonly ResourceQuota[], ev: QuotaEvaluator, obj: ApiObject): string | undefined {
  for (const q of quotas) {
    const restricted = Object.keys(q.status?.hard ?? {}).filter((n) => ev.matches(n))
    const why = ev.constraints?.(restricted, obj)
    if (why) return `failed quota: ${q.metadata?.name}: ${why}`
    const used = q.status?.used ?? {}
    if (!restricted.every((r) => r in used)) {
      return `status unknown for quota: ${q.metadata?.name}, resources: ${restricted.sort().join(",")}`
    }
  }
  return undefined
}

/**
 * What admitting `obj` (replacing `old` on update) charges against `quotas` (upstream's
 * checkRequest): each covering quota's used plus the object's usage (net of the old object's),
 * or the first refusal.
 */
export function chargeQuotas(
  quotas: readonly ResourceQuota[],
  ev: QuotaEvaluator,
  req: { readonly object: ApiObject; readonly old?: ApiObject | undefined; readonly now: number },
): Charge {
  const covering = quotas.map((q, i) => [q, i] as const).filter(([q]) => quotaMatches(q, ev, req.object))
  if (!covering.length) return { used: new Map() }
  const pre = precheck(
    covering.map(([q]) => q),
    ev,
    req.object,
  )
  if (pre) return { refused: pre }
  let delta = ev.usage(req.object, req.now)
  const negative = Object.keys(delta).filter((k) => (delta[k]?.nano ?? 0n) < 0n)
  if (negative.length)
    return { refused: `quota usage is negative for resource(s): ${negative.sort().join(",")}` }
  if (req.old?.metadata?.resourceVersion) delta = subtractNonNegative(delta, ev.usage(req.old, req.now))
  delta = removeZeros(delta)
  const used = new Map<number, Amounts>()
  if (!Object.keys(delta).length) return { used }
  for (const [q, i] of covering) {
    const hard = hardOf(q)
    const requested = maskAmounts(delta, Object.keys(hard))
    if (!Object.keys(requested).length) continue
    const current = amountsOf(q.status?.used)
    const next = addAmounts(current, requested)
    const over = exceededResources(maskAmounts(next, Object.keys(requested)), hard)
    if (over.length) {
      return {
        refused:
          `exceeded quota: ${q.metadata?.name}, requested: ${printAmounts(maskAmounts(requested, over))}, ` +
          `used: ${printAmounts(maskAmounts(current, over))}, limited: ${printAmounts(maskAmounts(hard, over))}`,
      }
    }
    used.set(i, next)
  }
  return { used }
}

/** Options of resourceQuota. */
export interface ResourceQuotaOptions {
  readonly store: Store
  readonly clock: Clock
  /**
   * The namespace's quotas as of the store's current revision, read without touching the store
   * (the watch cache, once caught up); undefined when that read is not possible. Used for the
   * check most writes end at: whether any quota covers them.
   */
  readonly current?: (namespace: string) => Promise<readonly ResourceQuota[] | undefined>
}

function applies(req: AdmissionRequest): boolean {
  // Of the subresources, a pod's resize alone changes what quota charges.
  const sub = req.subresource === "" || (req.subresource === "resize" && req.info.resource === "pods")
  return req.info.namespaced && sub && !!req.object && !IGNORED.has(req.info.resource)
}

/** The ResourceQuota plugin; see the module comment. */
export function resourceQuota(opts: ResourceQuotaOptions): AdmissionPlugin {
  const { store, clock } = opts
  async function read(namespace: string): Promise<StoredQuota[]> {
    const { entries } = await store.list(`${QUOTA_PREFIX}${namespace}/`)
    return entries.map((e) => ({
      key: e.key,
      revision: e.revision,
      quota: decode(e.value, e.revision) as ResourceQuota & ApiObject,
    }))
  }
  /** Writes one charge; false when the quota changed (or went) since it was read. */
  async function write(q: StoredQuota, used: Amounts): Promise<boolean> {
    const next = { ...q.quota, status: { ...q.quota.status, used: listOf(used) } }
    try {
      await store.update(q.key, encode(next), q.revision)
      return true
    } catch (err) {
      if (err instanceof RevisionConflictError || err instanceof KeyNotFoundError) return false
      throw err
    }
  }
  /** Charges `req` under the namespace's lock, re-reading quotas that changed under it. */
  async function admit(req: AdmissionRequest, ev: QuotaEvaluator): Promise<void> {
    const obj = req.object as ApiObject
    const charged = new Set<string>()
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = (await read(req.namespace)).filter((q) => !charged.has(q.key))
      if (!stored.length) return
      const charge = chargeQuotas(
        stored.map((s) => s.quota),
        ev,
        { object: obj, old: req.old, now: clock.now() },
      )
      if (!("refused" in charge) && !charge.used.size) return
      // An object validation will refuse is neither refused nor charged here: validation answers
      if (attempt === 0 && !req.info.custom && validateObject(req.info, obj, req.old, req.subresource).length)
        return
      if ("refused" in charge) throw admissionForbidden(req, charge.refused)
      if (req.dryRun) return
      let lost = false
      for (const [i, used] of charge.used) {
        const q = stored[i] as StoredQuota
        if (await write(q, used)) charged.add(q.key)
        else lost = true // another server or the controller wrote it: judge again
      }
      if (!lost) return
    }
    throw admissionForbidden(req, "status unknown for quota: too many concurrent updates; please try again")
  }
  const locks = new NamespaceLocks()
  return {
    name: "ResourceQuota",
    async validate(req) {
      if (!applies(req)) return
      const ev = quotaEvaluator(req.info.group, req.info.resource)
      if (!ev.handles(req.operation, req.subresource)) return
      // Most writes fall under no quota: look without the lock (and without a store read) first
      const quotas = (await opts.current?.(req.namespace)) ?? (await read(req.namespace)).map((q) => q.quota)
      if (!quotas.some((q) => quotaMatches(q, ev, req.object as ApiObject))) return
      await locks.run(req.namespace, () => admit(req, ev))
    },
  }
}

/**
 * Runs one task at a time per namespace, so this server's concurrent writes to one namespace
 * charge its quotas in turn instead of racing for the same revision (upstream batches them in
 * one evaluator per namespace for the same reason). Writes from other servers still meet at
 * the store's revision check.
 */
class NamespaceLocks {
  readonly #tails = new Map<string, Promise<void>>()

  run<T>(namespace: string, task: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(namespace) ?? Promise.resolve()
    const result = prev.then(task)
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(namespace, tail)
    void tail.then(() => {
      if (this.#tails.get(namespace) === tail) this.#tails.delete(namespace)
    })
    return result
  }
}
