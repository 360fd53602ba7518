/**
 * Controller references between a controller and the objects it selects (upstream's
 * ControllerRefManager): adopt orphans that match the selector, release owned objects that stop
 * matching, ignore objects another controller owns.
 */
import {
  type ApiObject,
  controllerOf,
  controllerRef,
  isNotFound,
  type OwnerReference,
  type Labels,
  type ResourceRef,
} from "../../api/index.ts"
import type { Client } from "../../client/index.ts"

/** What claim() needs to know. */
export interface ClaimOptions<T extends ApiObject> {
  readonly client: Client
  /** The owner (from the cache). */
  readonly owner: ApiObject
  /** The owner's resource. */
  readonly ownerRef: ResourceRef
  /** The dependents' resource. */
  readonly ref: ResourceRef<T>
  readonly matches: (labels: Labels | undefined) => boolean
}

/** A JSON patch that replaces ownerReferences, failing when they changed since `obj` was read. */
function ownerRefsPatch(obj: ApiObject, next: readonly OwnerReference[]): unknown[] {
  const cur = obj.metadata?.ownerReferences
  const ops: unknown[] = [{ op: "test", path: "/metadata/uid", value: obj.metadata?.uid }]
  if (cur) ops.push({ op: "test", path: "/metadata/ownerReferences", value: cur })
  ops.push(
    next.length
      ? { op: "add", path: "/metadata/ownerReferences", value: next }
      : { op: "remove", path: "/metadata/ownerReferences" },
  )
  return ops
}

/**
 * Returns the objects `owner` controls after adopting matching orphans and releasing owned
 * objects that no longer match. An owner being deleted adopts and releases nothing. Before its
 * first adoption it re-reads itself from the API, so a stale cache never adopts for an owner
 * that is already gone. Throws the first write failure other than NotFound.
 */
export async function claim<T extends ApiObject>(
  opts: ClaimOptions<T>,
  candidates: readonly T[],
): Promise<T[]> {
  const { owner, matches } = opts
  const uid = owner.metadata?.uid
  const deleting = !!owner.metadata?.deletionTimestamp
  const claimed: T[] = []
  let canAdopt: Promise<boolean> | undefined
  for (const obj of candidates) {
    const ref = controllerOf(obj)
    const labels = obj.metadata?.labels
    if (ref) {
      if (ref.uid !== uid) continue
      if (matches(labels)) claimed.push(obj)
      else if (!deleting) await release(opts, obj)
      continue
    }
    if (deleting || obj.metadata?.deletionTimestamp || !matches(labels)) continue
    canAdopt ??= recheck(opts)
    if (!(await canAdopt)) continue
    const adopted = await adopt(opts, obj)
    if (adopted) claimed.push(adopted)
  }
  return claimed
}

async function recheck<T extends ApiObject>(opts: ClaimOptions<T>): Promise<boolean> {
  const m = opts.owner.metadata ?? {}
  try {
    const fresh = await opts.client
      .resource(opts.ownerRef)
      .get({ name: m.name ?? "", ...(m.namespace ? { namespace: m.namespace } : {}) })
    return fresh.metadata?.uid === m.uid && !fresh.metadata?.deletionTimestamp
  } catch (err) {
    if (isNotFound(err)) return false
    throw err
  }
}

function keyOfObj(obj: ApiObject) {
  const m = obj.metadata ?? {}
  return { name: m.name ?? "", ...(m.namespace ? { namespace: m.namespace } : {}) }
}

async function adopt<T extends ApiObject>(opts: ClaimOptions<T>, obj: T): Promise<T | undefined> {
  const refs = [...(obj.metadata?.ownerReferences ?? []), controllerRef(opts.owner, opts.ownerRef)]
  try {
    return await opts.client
      .resource(opts.ref)
      .patch(keyOfObj(obj), ownerRefsPatch(obj, refs), { type: "json" })
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

async function release<T extends ApiObject>(opts: ClaimOptions<T>, obj: T): Promise<void> {
  const uid = opts.owner.metadata?.uid
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid)
  try {
    await opts.client.resource(opts.ref).patch(keyOfObj(obj), ownerRefsPatch(obj, refs), { type: "json" })
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
}
