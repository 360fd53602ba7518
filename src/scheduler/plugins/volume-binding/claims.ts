/**
 * What VolumeBinding learns about a pod's claims before filtering (upstream's GetPodVolumeClaims):
 * the volumes of its bound claims, its unbound WaitForFirstConsumer claims, or why it cannot be
 * scheduled yet (a missing or deleted claim, an unbound Immediate claim, a missing volume).
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js"
import { classOf, ephemeralClaimName, ephemeralClaimNotForPod } from "../../../api/index.ts"
import type { VolumeLister } from "../../framework/types.ts"

/** The pod's claims, sorted out. */
export interface PodClaims {
  /** Volumes its bound claims use (their node affinity must admit the node). */
  readonly boundVolumes: readonly PersistentVolume[]
  /** Unbound claims whose class waits for the first consumer: bound or provisioned per node. */
  readonly delayed: readonly PersistentVolumeClaim[]
}

/** Upstream's rejection when an Immediate claim has not bound yet. */
export const UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
/** Upstream's rejection when a bound claim's volume is missing. */
export const MISSING_VOLUME = "pvc(s) bound to non-existent pv(s)"

/** A claim one of the pod's volumes uses; `ephemeral` when the ephemeral volume controller makes it. */
export interface ClaimUse {
  readonly name: string
  readonly ephemeral: boolean
}

/** The claims the pod's volumes use: persistentVolumeClaim names and ephemeral `<pod>-<volume>`. */
export function claimNames(pod: Pod): ClaimUse[] {
  return (pod.spec?.volumes ?? []).flatMap<ClaimUse>((v) => {
    if (v.persistentVolumeClaim) return [{ name: v.persistentVolumeClaim.claimName, ephemeral: false }]
    if (v.ephemeral) return [{ name: ephemeralClaimName(pod, v), ephemeral: true }]
    return []
  })
}

/** True when one of the pod's volumes uses a claim. */
export function hasClaims(pod: Pod): boolean {
  return (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim || v.ephemeral)
}

/** The pod's claims sorted out, or the reason it cannot be scheduled now. */
export function podClaims(pod: Pod, lister: VolumeLister): PodClaims | string {
  const ns = pod.metadata?.namespace ?? ""
  const boundVolumes: PersistentVolume[] = []
  const delayed: PersistentVolumeClaim[] = []
  for (const { name, ephemeral } of claimNames(pod)) {
    const claim = lister.claim(ns, name)
    if (!claim && ephemeral)
      return `waiting for ephemeral volume controller to create the persistentvolumeclaim "${name}"`
    if (!claim) return `persistentvolumeclaim "${name}" not found`
    if (claim.metadata?.deletionTimestamp) return `persistentvolumeclaim "${name}" is being deleted`
    const notOurs = ephemeral ? ephemeralClaimNotForPod(pod, claim) : undefined
    if (notOurs) return notOurs
    const volumeName = claim.spec?.volumeName
    if (volumeName) {
      const pv = lister.volume(volumeName)
      if (!pv) return MISSING_VOLUME
      boundVolumes.push(pv)
      continue
    }
    const sc = lister.storageClass(classOf(claim))
    if (sc?.volumeBindingMode !== "WaitForFirstConsumer") return UNBOUND_IMMEDIATE
    delayed.push(claim)
  }
  return { boundVolumes, delayed }
}
