/**
 * DefaultStorageClass admission: a new PersistentVolumeClaim that names no class (neither
 * spec.storageClassName nor the beta annotation; an empty string is an explicit "no class") gets
 * the default StorageClass, the newest one when several are marked default (upstream's plugin).
 */
import type { StorageClass } from "kubernetes-types/storage/v1.js"
import type { AdmissionPlugin } from "./admission.ts"

const DEFAULT_ANNOTATIONS = [
  "storageclass.kubernetes.io/is-default-class",
  "storageclass.beta.kubernetes.io/is-default-class",
]
const BETA_CLASS = "volume.beta.kubernetes.io/storage-class"

/** The default class among `classes`: marked "true", newest creation first, then name. */
export function defaultClassOf(classes: Iterable<StorageClass>): StorageClass | undefined {
  let best: StorageClass | undefined
  for (const sc of classes) {
    const a = sc.metadata?.annotations ?? {}
    if (!DEFAULT_ANNOTATIONS.some((k) => a[k] === "true")) continue
    if (!best) {
      best = sc
      continue
    }
    const t = sc.metadata?.creationTimestamp ?? ""
    const bt = best.metadata?.creationTimestamp ?? ""
    if (t > bt || (t === bt && (sc.metadata?.name ?? "") < (best.metadata?.name ?? ""))) best = sc
  }
  return best
}

/** The DefaultStorageClass plugin; `classes` lists the StorageClasses (from the watch cache). */
export function defaultStorageClass(classes: () => Iterable<StorageClass>): AdmissionPlugin {
  return {
    name: "DefaultStorageClass",
    mutate(req) {
      if (req.operation !== "CREATE" || req.subresource !== "") return
      if (req.info.group !== "" || req.info.kind !== "PersistentVolumeClaim") return
      const pvc = req.object as
        | { metadata?: { annotations?: Record<string, string> }; spec?: { storageClassName?: string | null } }
        | undefined
      if (!pvc?.spec) return
      const name = pvc.spec.storageClassName
      if ((name !== undefined && name !== null) || pvc.metadata?.annotations?.[BETA_CLASS] !== undefined)
        return
      const sc = defaultClassOf(classes())
      if (sc?.metadata?.name) pvc.spec.storageClassName = sc.metadata.name
    },
  }
}
