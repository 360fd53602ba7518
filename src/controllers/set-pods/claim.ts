/**
 * Adoption and release by controller reference (upstream's ControllerRefManager): an owner
 * claims the orphans its selector matches and lets go of what it controls but no longer matches.
 */
import {
  type ApiObject,
  controllerOf,
  isNotFound,
  type OwnerReference,
  type ResourceRef,
} from "../../api/index.ts"
import type { Client } from "../../client/index.ts"

/** What claimObjects needs. */
export interface ClaimOptions {
  readonly client: Client
  /** The resource of the claimed objects. */
  readonly ref: ResourceRef<any>
  /** The reference adoption adds. */
  readonly controllerRef: OwnerReference
  /** True when the owner wants this object (selector, and any extra filter). */
  matches(obj: ApiObject): boolean
  /** False while the owner is being deleted: it then adopts nothing. */
  readonly canAdopt: boolean
}

/**
 * The objects of `objs` the owner controls after adopting matching orphans and releasing
 * controlled objects that stopped matching. Objects being deleted are never adopted or released.
 */
export async function claimObjects<T extends ApiObject>(
  objs: readonly T[],
  opts: ClaimOptions,
): Promise<T[]> {
  const uid = opts.controllerRef.uid
  const out: T[] = []
  for (const obj of objs) {
    const ref = controllerOf(obj)
    if (ref) {
      if (ref.uid !== uid) continue
      if (opts.matches(obj)) out.push(obj)
      else if (!obj.metadata?.deletionTimestamp) await setOwners(opts, obj, withoutOwner(obj, uid))
      continue
    }
    if (!opts.canAdopt || obj.metadata?.deletionTimestamp || !opts.matches(obj)) continue
    const adopted = await setOwners(opts, obj, [...withoutOwner(obj, uid), opts.controllerRef])
    if (adopted) out.push(adopted as T)
  }
  return out
}

function withoutOwner(obj: ApiObject, uid: string): OwnerReference[] {
  return (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid)
}

async function setOwners(
  opts: ClaimOptions,
  obj: ApiObject,
  owners: OwnerReference[],
): Promise<ApiObject | undefined> {
  const meta = obj.metadata ?? {}
  try {
    return await opts.client
      .resource(opts.ref)
      .patch(
        { namespace: meta.namespace ?? "", name: meta.name ?? "" },
        { metadata: { ownerReferences: owners, uid: meta.uid } },
        { type: "merge" },
      )
  } catch (err) {
    if (isNotFound(err)) return undefined // gone meanwhile: nothing to claim
    throw err
  }
}
