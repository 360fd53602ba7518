/**
 * Generic ephemeral volumes (upstream's component-helpers/storage/ephemeral): the claim a pod's
 * `ephemeral` volume uses is `<pod name>-<volume name>`, and it belongs to the pod only when the
 * pod is its controlling owner.
 */
import type { PersistentVolumeClaim, Pod, Volume } from "kubernetes-types/core/v1.js"

/** The name of the claim an ephemeral volume of `pod` uses. */
export function ephemeralClaimName(pod: Pod, volume: Volume): string {
  return `${pod.metadata?.name ?? ""}-${volume.name}`
}

/** Undefined when `pvc` was created for `pod` (the pod controls it), else upstream's reason it was not. */
export function ephemeralClaimNotForPod(pod: Pod, pvc: PersistentVolumeClaim): string | undefined {
  const uid = pod.metadata?.uid
  const owned =
    pvc.metadata?.namespace === pod.metadata?.namespace &&
    (pvc.metadata?.ownerReferences ?? []).some((o) => o.controller === true && !!uid && o.uid === uid)
  if (owned) return undefined
  const pvcNs = pvc.metadata?.namespace ?? ""
  const podNs = pod.metadata?.namespace ?? ""
  return `PVC ${pvcNs}/${pvc.metadata?.name} was not created for pod ${podNs}/${pod.metadata?.name} (pod is not owner)`
}
