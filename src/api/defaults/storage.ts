/**
 * storage.k8s.io/v1 defaults: a StorageClass's reclaim policy and binding mode, and a
 * CSIDriver's attach, mount and capacity switches.
 */
import type { CSIDriver, StorageClass } from "kubernetes-types/storage/v1.js"

/** Fills reclaimPolicy and volumeBindingMode as upstream's SetDefaults_StorageClass. */
export function defaultStorageClass(sc: StorageClass): void {
  const m = sc as { reclaimPolicy?: string; volumeBindingMode?: string }
  m.reclaimPolicy ??= "Delete"
  m.volumeBindingMode ??= "Immediate"
}

/**
 * CSIDriver: attachRequired true; podInfoOnMount, storageCapacity, requiresRepublish and
 * seLinuxMount false; fsGroupPolicy ReadWriteOnceWithFSType; the Persistent lifecycle mode.
 */
export function defaultCSIDriver(d: CSIDriver): void {
  const s = (d.spec ??= {}) as Record<string, unknown>
  s.attachRequired ??= true
  s.podInfoOnMount ??= false
  s.storageCapacity ??= false
  s.fsGroupPolicy ??= "ReadWriteOnceWithFSType"
  if (!Array.isArray(s.volumeLifecycleModes) || s.volumeLifecycleModes.length === 0)
    s.volumeLifecycleModes = ["Persistent"]
  s.requiresRepublish ??= false
  s.seLinuxMount ??= false
}
