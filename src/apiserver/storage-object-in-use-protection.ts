/**
 * StorageObjectInUseProtection admission (upstream's plugin): every new PersistentVolumeClaim
 * gets the kubernetes.io/pvc-protection finalizer and every new PersistentVolume the
 * kubernetes.io/pv-protection finalizer, so neither goes while in use; the pvc-protection and
 * pv-protection controllers remove them once nothing uses the object.
 */
import type { AdmissionPlugin } from "./admission.ts"

/** The finalizer on claims. */
export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
/** The finalizer on volumes. */
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection"

const FINALIZER_OF: Readonly<Record<string, string>> = {
  PersistentVolumeClaim: PVC_PROTECTION_FINALIZER,
  PersistentVolume: PV_PROTECTION_FINALIZER,
}

/** The StorageObjectInUseProtection plugin. */
export function storageObjectInUseProtection(): AdmissionPlugin {
  return {
    name: "StorageObjectInUseProtection",
    mutate(req) {
      if (req.operation !== "CREATE" || req.subresource !== "" || req.info.group !== "") return
      const finalizer = FINALIZER_OF[req.info.kind]
      const meta = req.object?.metadata
      if (!finalizer || !meta) return
      const finalizers = meta.finalizers ?? []
      if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer]
    },
  }
}
