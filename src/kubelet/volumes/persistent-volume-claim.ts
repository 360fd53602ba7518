/**
 * The persistentVolumeClaim and ephemeral volumes: the claim (for ephemeral, `<pod>-<volume>`,
 * which must be owned by the pod), then the PersistentVolume bound to it, whose hostPath or
 * local path is what gets mounted. Errors carry upstream's messages ("error processing PVC
 * ns/claim: PVC is not bound").
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod, Volume } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  ephemeralClaimName,
  ephemeralClaimNotForPod,
  findResource,
  type ResourceRef,
} from "../../api/index.ts"
import type { Client } from "../../client/index.ts"
import { VolumeProcessError } from "./errors.ts"

// Until api exports refs of its own for them.
const PersistentVolumeClaims = findResource("", "v1", "persistentvolumeclaims") as ResourceRef<
  PersistentVolumeClaim & ApiObject
>
const PersistentVolumes = findResource("", "v1", "persistentvolumes") as ResourceRef<
  PersistentVolume & ApiObject
>

/** What a claim resolves to: the PV's name and the node path to mount. */
export interface ClaimedVolume {
  /** The PersistentVolume's name (upstream names the volume by it in mount events). */
  readonly pvName: string
  readonly path: string
  /** The PV's hostPath type, to check before mounting. */
  readonly hostPathType?: string
  readonly readOnly: boolean
}

async function getClaim(client: Client, namespace: string, name: string): Promise<PersistentVolumeClaim> {
  let pvc: PersistentVolumeClaim
  try {
    pvc = await client.resource(PersistentVolumeClaims).get({ namespace, name })
  } catch (err) {
    throw new Error(`failed to fetch PVC from API server: ${(err as Error).message}`)
  }
  if (pvc.metadata?.deletionTimestamp) throw new Error("PVC is being deleted")
  if (pvc.status?.phase !== "Bound") throw new Error("PVC is not bound")
  return pvc
}

async function getVolume(client: Client, pvc: PersistentVolumeClaim): Promise<PersistentVolume> {
  const name = pvc.spec?.volumeName ?? ""
  let pv: PersistentVolume
  try {
    pv = await client.resource(PersistentVolumes).get({ name })
  } catch (err) {
    throw new Error(`failed to fetch PV ${name} from API server: ${(err as Error).message}`)
  }
  const ref = pv.spec?.claimRef
  if (!ref)
    throw new Error(
      `found PV object ${name} but it has a nil Spec.ClaimRef indicating it is not yet bound to the claim`,
    )
  if (ref.uid !== pvc.metadata?.uid)
    throw new Error(
      `found PV object ${name} but its Spec.ClaimRef.UID ${ref.uid} does not point to claim.UID ${pvc.metadata?.uid}`,
    )
  return pv
}

/**
 * Resolves a persistentVolumeClaim or ephemeral volume of `pod` to the path to mount.
 * @throws VolumeProcessError with upstream's message
 */
export async function resolveClaim(client: Client, pod: Pod, volume: Volume): Promise<ClaimedVolume> {
  const ns = pod.metadata?.namespace ?? "default"
  const ephemeral = !!volume.ephemeral
  const claimName = ephemeral
    ? ephemeralClaimName(pod, volume)
    : (volume.persistentVolumeClaim?.claimName ?? "")
  const fail = (err: unknown) =>
    new VolumeProcessError(`error processing PVC ${ns}/${claimName}: ${(err as Error).message}`)
  const pvc = await getClaim(client, ns, claimName).catch((err: unknown) => Promise.reject(fail(err)))
  const notOurs = ephemeral ? ephemeralClaimNotForPod(pod, pvc) : undefined
  if (notOurs) throw new VolumeProcessError(notOurs)
  const pv = await getVolume(client, pvc).catch((err: unknown) => Promise.reject(fail(err)))
  const readOnly = volume.persistentVolumeClaim?.readOnly === true
  const pvName = pv.metadata?.name ?? ""
  if (pv.spec?.hostPath)
    return {
      pvName,
      path: pv.spec.hostPath.path,
      readOnly,
      ...(pv.spec.hostPath.type ? { hostPathType: pv.spec.hostPath.type } : {}),
    }
  if (pv.spec?.local) return { pvName, path: pv.spec.local.path, readOnly }
  throw new VolumeProcessError(
    `failed to get Plugin from volumeSpec for volume "${pvName}" err=no volume plugin matched`,
  )
}
