/**
 * StorageClasses (storage.k8s.io/v1): a qualified provisioner name, a supported reclaim policy
 * and binding mode, and on update the fields upstream forbids changing.
 */
import type { StorageClass } from "kubernetes-types/storage/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { isQualifiedName, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const RECLAIM_POLICIES = ["Delete", "Retain"]
const BINDING_MODES = ["Immediate", "WaitForFirstConsumer"]

function validateFields(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = []
  if (!sc.provisioner) errs.push(required("provisioner", ""))
  else
    for (const m of isQualifiedName(sc.provisioner)) errs.push(invalidValue("provisioner", sc.provisioner, m))
  if (sc.reclaimPolicy !== undefined && !RECLAIM_POLICIES.includes(sc.reclaimPolicy)) {
    errs.push(notSupported("reclaimPolicy", sc.reclaimPolicy, RECLAIM_POLICIES))
  }
  if (sc.volumeBindingMode === undefined) errs.push(required("volumeBindingMode", ""))
  else if (!BINDING_MODES.includes(sc.volumeBindingMode)) {
    errs.push(notSupported("volumeBindingMode", sc.volumeBindingMode, BINDING_MODES))
  }
  return errs
}

/** A StorageClass; parameters, provisioner, reclaimPolicy and volumeBindingMode are immutable. */
export function validateStorageClass(sc: StorageClass, old?: StorageClass): FieldError[] {
  const errs = old
    ? validateObjectMetaUpdate(sc.metadata, old.metadata)
    : validateObjectMeta(sc.metadata, { namespaced: false, name: nameIsDnsSubdomain })
  errs.push(...validateFields(sc))
  if (!old) return errs
  if (JSON.stringify(sc.parameters ?? {}) !== JSON.stringify(old.parameters ?? {}))
    errs.push(forbidden("parameters", "updates to parameters are forbidden."))
  if (sc.provisioner !== old.provisioner)
    errs.push(forbidden("provisioner", "updates to provisioner are forbidden."))
  if (sc.reclaimPolicy !== old.reclaimPolicy)
    errs.push(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
  if (sc.volumeBindingMode !== old.volumeBindingMode)
    errs.push(forbidden("volumeBindingMode", "field is immutable"))
  return errs
}
