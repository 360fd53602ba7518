/**
 * PersistentVolumeClaimResize admission (upstream's plugin): a claim's storage request may grow
 * only while the claim is Bound and only when its StorageClass (unchanged, and named) has
 * allowVolumeExpansion true. Shrinking is refused by validation, not here.
 */
import type { PersistentVolumeClaim } from "kubernetes-types/core/v1.js"
import type { StorageClass } from "kubernetes-types/storage/v1.js"
import { ApiError, parseQuantity } from "../api/index.ts"
import type { AdmissionPlugin } from "./admission.ts"
import type { AdmissionRequest } from "./registry/context.ts"

const BETA_CLASS = "volume.beta.kubernetes.io/storage-class"

/** The claim's class: the beta annotation wins over spec.storageClassName ("" for none). */
function classOf(pvc: PersistentVolumeClaim): string {
  return pvc.metadata?.annotations?.[BETA_CLASS] ?? pvc.spec?.storageClassName ?? ""
}

/** The storage request in nano units (0 when absent or unparsable). */
function storageOf(pvc: PersistentVolumeClaim): bigint {
  const q = pvc.spec?.resources?.requests?.storage
  return (q !== undefined ? parseQuantity(q)?.nano : undefined) ?? 0n
}

function forbidden(req: AdmissionRequest, why: string): ApiError {
  return new ApiError("Forbidden", `${req.info.resource} "${req.name}" is forbidden: ${why}`, {
    name: req.name,
    kind: req.info.resource,
  })
}

/** The PersistentVolumeClaimResize plugin; `storageClass` reads a class (from the watch cache). */
export function persistentVolumeClaimResize(
  storageClass: (name: string) => StorageClass | undefined,
): AdmissionPlugin {
  return {
    name: "PersistentVolumeClaimResize",
    validate(req) {
      if (req.operation !== "UPDATE" || req.subresource !== "") return
      if (req.info.group !== "" || req.info.kind !== "PersistentVolumeClaim") return
      const pvc = req.object as PersistentVolumeClaim | undefined
      const old = req.old as PersistentVolumeClaim | undefined
      if (!pvc || !old || storageOf(pvc) <= storageOf(old)) return
      if (old.status?.phase !== "Bound") {
        throw forbidden(req, "Only bound persistent volume claims can be expanded")
      }
      const name = classOf(pvc)
      const allowed =
        name !== "" && name === classOf(old) && storageClass(name)?.allowVolumeExpansion === true
      if (!allowed) {
        throw forbidden(
          req,
          "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
        )
      }
    },
  }
}
