/**
 * Defaults of a CustomResourceDefinition (apiextensions.k8s.io/v1): singular and listKind
 * names from the kind, the None conversion, and the status fields Go always writes
 * (acceptedNames, storedVersions). The storage version joins storedVersions in the registry's
 * CRD strategy, as upstream's PrepareForCreate and PrepareForUpdate add it.
 */
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionStatus,
} from "kubernetes-types/apiextensions/v1.js"

/** The acceptedNames of a CRD whose names nothing has accepted yet (Go writes the empty strings). */
export function noAcceptedNames(): CustomResourceDefinitionNames {
  return { plural: "", kind: "" }
}

/** The status of a CRD nothing has acted on yet, storing `storedVersions`. */
export function emptyCrdStatus(storedVersions: string[] = []): CustomResourceDefinitionStatus {
  return { acceptedNames: noAcceptedNames(), storedVersions }
}

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
  defaultStatus(crd)
}

/**
 * status.acceptedNames and status.storedVersions, empty where unset. An update's status may be
 * the stored object's (shared with the watch cache): it is replaced, never changed.
 */
function defaultStatus(crd: CustomResourceDefinition): void {
  const status = crd.status
  if (status?.acceptedNames && status.storedVersions) return
  crd.status = {
    ...status,
    acceptedNames: status?.acceptedNames ?? noAcceptedNames(),
    storedVersions: status?.storedVersions ?? [],
  }
}
