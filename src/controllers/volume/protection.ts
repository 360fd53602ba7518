/**
 * The PVC and PV protection controllers (upstream's pvc-protection and pv-protection): each adds
 * its finalizer to live objects, and removes it from a deleted object once nothing uses it — a
 * claim when no pod that has not finished names it, a volume when it is no longer Bound.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  isPodTerminal,
  PersistentVolumeClaims,
  PersistentVolumes,
  Pods,
  parseKey,
  type ResourceRef,
} from "../../api/index.ts"
import { BY_NAMESPACE, type Client, type ControllerSpec } from "../../client/index.ts"
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, type Pv, type Pvc } from "./helpers.ts"

function hasFinalizer(obj: ApiObject, f: string): boolean {
  return obj.metadata?.finalizers?.includes(f) ?? false
}

/** Adds or removes finalizer `f` on `obj` (a fresh update; a Conflict retries). */
async function setFinalizer<T extends ApiObject>(
  client: Client,
  ref: ResourceRef<T>,
  obj: T,
  f: string,
  present: boolean,
): Promise<void> {
  const others = (obj.metadata?.finalizers ?? []).filter((x) => x !== f)
  const finalizers = present ? [...others, f] : others
  await client.resource(ref).update({ ...obj, metadata: { ...obj.metadata, finalizers } } as T)
}

/** True when the pod has not finished and one of its volumes is the claim `name`. */
function usesClaim(pod: Pod, name: string): boolean {
  if (isPodTerminal(pod)) return false
  return (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name)
}

/** The claim keys a pod's volumes name. */
function claimKeysOf(obj: ApiObject): string[] {
  const pod = obj as Pod
  const ns = pod.metadata?.namespace ?? ""
  return (pod.spec?.volumes ?? []).flatMap((v) =>
    v.persistentVolumeClaim ? [`${ns}/${v.persistentVolumeClaim.claimName}`] : [],
  )
}

/** Builds the pvc-protection controller. */
export function pvcProtectionController(): ControllerSpec {
  return {
    name: "pvc-protection",
    for: PersistentVolumeClaims,
    watches: [{ ref: Pods, map: claimKeysOf }],
    create: ({ client, informers }) => ({
      async reconcile(key) {
        const pvc = informers.get(PersistentVolumeClaims).cache.get(key) as Pvc | undefined
        if (!pvc) return // gone
        const has = hasFinalizer(pvc, PVC_PROTECTION_FINALIZER)
        if (!pvc.metadata?.deletionTimestamp) {
          if (!has) await setFinalizer(client, PersistentVolumeClaims, pvc, PVC_PROTECTION_FINALIZER, true)
          return
        }
        if (!has) return
        const { namespace = "", name } = parseKey(key)
        const cached = informers.get(Pods).cache.byIndex(BY_NAMESPACE, namespace) as Pod[]
        if (cached.some((p) => usesClaim(p, name))) return
        // The cache may lag behind a pod just created: ask the API before letting go.
        const live = await client.resource(Pods).list({ namespace })
        if (live.items.some((p) => usesClaim(p, name))) return
        await setFinalizer(client, PersistentVolumeClaims, pvc, PVC_PROTECTION_FINALIZER, false)
      },
    }),
  }
}

/** Builds the pv-protection controller. */
export function pvProtectionController(): ControllerSpec {
  return {
    name: "pv-protection",
    for: PersistentVolumes,
    create: ({ client, informers }) => ({
      async reconcile(key) {
        const pv = informers.get(PersistentVolumes).cache.get(key) as Pv | undefined
        if (!pv) return // gone
        const has = hasFinalizer(pv, PV_PROTECTION_FINALIZER)
        if (!pv.metadata?.deletionTimestamp) {
          if (!has) await setFinalizer(client, PersistentVolumes, pv, PV_PROTECTION_FINALIZER, true)
          return
        }
        if (has && pv.status?.phase !== "Bound") {
          await setFinalizer(client, PersistentVolumes, pv, PV_PROTECTION_FINALIZER, false)
        }
      },
    }),
  }
}
