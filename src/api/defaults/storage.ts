/** StorageClass defaults (storage.k8s.io/v1): reclaim policy Delete, binding mode Immediate. */
import type { StorageClass } from "kubernetes-types/storage/v1.js"

/** Fills reclaimPolicy and volumeBindingMode as upstream's SetDefaults_StorageClass. */
export function defaultStorageClass(sc: StorageClass): void {
  const m = sc as { reclaimPolicy?: string; volumeBindingMode?: string }
  m.reclaimPolicy ??= "Delete"
  m.volumeBindingMode ??= "Immediate"
}
