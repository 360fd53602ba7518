/**
 * A write to pods/ephemeralcontainers (upstream's ValidatePodEphemeralContainersUpdate): the pod
 * must still be valid, static pods take no ephemeral containers, and existing ephemeral
 * containers may be neither removed nor changed; new ones may only be added.
 */
import type { EphemeralContainer, Pod } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden } from "../field-errors.ts"
import { deepEqual, key, list } from "./_field.ts"
import { validateObjectMetaUpdate } from "./object-meta.ts"
import { MIRROR_ANNOTATION, mirrorAnnotationUpdate, validatePodMetadataAndSpec } from "./pod.ts"

const FIELD = "spec.ephemeralContainers"

/** The fields of an ephemeral container that differ, one `-`/`+` pair each (upstream prints a cmp.Diff). */
function diff(old: EphemeralContainer, next: EphemeralContainer): string {
  const a = old as unknown as Record<string, unknown>
  const b = next as unknown as Record<string, unknown>
  const lines: string[] = []
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (deepEqual(a[k], b[k])) continue
    if (a[k] !== undefined) lines.push(`- \t${k}: ${JSON.stringify(a[k])}`)
    if (b[k] !== undefined) lines.push(`+ \t${k}: ${JSON.stringify(b[k])}`)
  }
  return lines.join("\n")
}

/** Existing ephemeral containers, matched by name (a patch may reorder them), must be kept as they are. */
function keptUnchanged(pod: Pod, old: Pod): FieldError[] {
  const byName = new Map(list(pod.spec?.ephemeralContainers).map((c) => [c.name, c]))
  const errs: FieldError[] = []
  for (const was of list(old.spec?.ephemeralContainers)) {
    const now = byName.get(was.name)
    if (!now) {
      errs.push(forbidden(FIELD, `existing ephemeral containers "${was.name}" may not be removed\n`))
    } else if (!deepEqual(was, now)) {
      const detail = `existing ephemeral containers "${was.name}" may not be changed\n${diff(was, now)}`
      errs.push(forbidden(key(FIELD, was.name), detail))
    }
  }
  return errs
}

/** A write of `pod`'s ephemeral containers over `old`. */
export function validatePodEphemeralContainersUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata)
  errs.push(...validatePodMetadataAndSpec(pod))
  errs.push(...mirrorAnnotationUpdate(pod, old))
  if (old.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined)
    return [forbidden("", "static pods do not support ephemeral containers")]
  errs.push(...keptUnchanged(pod, old))
  return errs
}
