/**
 * What VolumeBinding learns about a pod's claims before filtering (upstream's GetPodVolumeClaims):
 * the volumes of its bound claims, its unbound WaitForFirstConsumer claims, or why it cannot be
 * scheduled yet (a missing or deleted claim, an unbound Immediate claim, a missing volume).
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js"
import { classOf } from "../../../api/index.ts"
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

/** The names of the claims the pod's volumes use. */
export function claimNames(pod: Pod): string[] {
  return (pod.spec?.volumes ?? []).flatMap((v) =>
    v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [],
  )
}

/** The pod's claims sorted out, or the reason it cannot be scheduled now. */
export function podClaims(pod: Pod, lister: VolumeLister): PodClaims | string {
  const ns = pod.metadata?.namespace ?? ""
  const boundVolumes: PersistentVolume[] = []
  const delayed: PersistentVolumeClaim[] = []
  for (const name of claimNames(pod)) {
    const claim = lister.claim(ns, name)
    if (!claim) return `persistentvolumeclaim "${name}" not found`
    if (claim.metadata?.deletionTimestamp) return `persistentvolumeclaim "${name}" is being deleted`
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
