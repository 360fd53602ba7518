/**
 * RuntimeClasses (node.k8s.io/v1): a DNS-label handler that never changes, a valid pod
 * overhead and scheduling constraints, as upstream's node validation.
 */
import type { RuntimeClass } from "kubernetes-types/node/v1.js"
import type { FieldError } from "../errors.ts"
import { invalidValue } from "../field-errors.ts"
import { child, immutable } from "./_field.ts"
import { validateLabels } from "./labels.ts"
import { nameIsDnsLabel, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validateResourceRequirements } from "./resources.ts"
import { validateTolerations } from "./scheduling.ts"

/** A RuntimeClass on create or update; the handler is immutable. */
export function validateRuntimeClass(rc: RuntimeClass, old?: RuntimeClass): FieldError[] {
  const errs = old
    ? validateObjectMetaUpdate(rc.metadata, old.metadata)
    : validateObjectMeta(rc.metadata, { namespaced: false, name: nameIsDnsSubdomain })
  const handler = rc.handler ?? ""
  for (const m of nameIsDnsLabel(handler, false)) errs.push(invalidValue("handler", handler, m))
  if (rc.overhead)
    // upstream checks the fixed overhead as a container's limits
    errs.push(...validateResourceRequirements({ limits: rc.overhead.podFixed ?? {} }, new Set(), "overhead"))
  if (rc.scheduling) {
    errs.push(...validateLabels(rc.scheduling.nodeSelector, child("scheduling", "nodeSelector")))
    errs.push(...validateTolerations(rc.scheduling.tolerations, child("scheduling", "tolerations")))
  }
  if (old) errs.push(...immutable("handler", rc.handler, old.handler))
  return errs
}
