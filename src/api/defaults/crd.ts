/**
 * Defaults of a CustomResourceDefinition (apiextensions.k8s.io/v1): singular and listKind
 * names from the kind, the None conversion, and status.storedVersions holding the storage
 * version (as upstream's strategy keeps it).
 */
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"

/** Fills the defaults of a CRD in place. */
export function defaultCustomResourceDefinition(crd: CustomResourceDefinition): void {
  const spec = crd.spec
  if (!spec) return
  const names = spec.names
  if (names?.kind) {
    names.singular ||= names.kind.toLowerCase()
    names.listKind ||= `${names.kind}List`
  }
  spec.conversion ??= { strategy: "None" }
  for (const v of spec.versions ?? []) {
    for (const c of v.additionalPrinterColumns ?? []) c.priority ??= 0
  }
  defaultStatus(crd, (spec.versions ?? []).find((v) => v.storage)?.name)
}

/**
 * status.acceptedNames and status.storedVersions holding `storage`. An update's status may be the
 * stored object's (shared with the watch cache): it is replaced, never changed.
 */
function defaultStatus(crd: CustomResourceDefinition, storage: string | undefined): void {
  const status = crd.status
  const stored = status?.storedVersions ?? []
  if (status?.acceptedNames && status.storedVersions && (!storage || stored.includes(storage))) return
  crd.status = {
    ...status,
    acceptedNames: status?.acceptedNames ?? { plural: "", kind: "" },
    storedVersions: storage && !stored.includes(storage) ? [...stored, storage] : stored,
  }
}
