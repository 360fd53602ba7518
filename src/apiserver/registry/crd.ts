/**
 * The CustomResourceDefinition strategy (upstream's CRD strategy PrepareForCreate and
 * PrepareForUpdate), called by the generic strategy after its status reset or keep:
 * status.storedVersions holds the storage version of every spec written.
 */
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import { emptyCrdStatus, noAcceptedNames } from "../../api/index.ts"

type Crd = CustomResourceDefinition

/** The name of the version marked as storage, if any. */
function storageVersion(crd: Crd): string | undefined {
  return crd.spec?.versions?.find((v) => v.storage)?.name
}

/** Prepares a new CRD: its status names nothing accepted yet and stores its storage version. */
export function prepareCrdForCreate(crd: Crd): void {
  const storage = storageVersion(crd)
  crd.status = emptyCrdStatus(storage ? [storage] : [])
}

/**
 * Prepares a write of a CRD's main resource, whose status is the stored one: a new storage
 * version joins storedVersions. The status may be shared with the watch cache: it is replaced,
 * never changed.
 */
export function prepareCrdForUpdate(crd: Crd): void {
  const storage = storageVersion(crd)
  const stored = crd.status?.storedVersions ?? []
  if (!storage || stored.includes(storage)) return
  crd.status = {
    ...crd.status,
    acceptedNames: crd.status?.acceptedNames ?? noAcceptedNames(),
    storedVersions: [...stored, storage],
  }
}
