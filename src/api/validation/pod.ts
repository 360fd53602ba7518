/**
 * Pods, pod templates and PodTemplates (core validation): metadata, pod-specific
 * annotations, the spec, create-only rules and the fields a pod update may change.
 */
import type { Container, Pod, PodTemplate, PodTemplateSpec, Toleration } from "kubernetes-types/core/v1.js"
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, required } from "../field-errors.ts"
import { child, deepEqual, index, key, list } from "./_field.ts"
import { validateLabels } from "./labels.ts"
import { nameIsDnsSubdomain } from "./names.ts"
import { validateAnnotations, validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validatePodSpec } from "./pod-spec.ts"
import { validatePodResourceClaimStatuses } from "./pod-claim-statuses.ts"

/** The annotation that marks a mirror (static) pod. */
export const MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
const DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"
const UPDATABLE_FIELDS = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
]

function isInt32(s: string): boolean {
  return /^[+-]?[0-9]+$/.test(s.trim()) && Number(s) >= -2147483648 && Number(s) <= 2147483647
}

/** Annotations with meaning for pods: the mirror marker and the deletion cost. */
function validatePodAnnotations(
  meta: ObjectMeta | undefined,
  nodeName: string | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  const ann = meta?.annotations ?? {}
  const mirror = ann[MIRROR_ANNOTATION]
  if (mirror !== undefined && !nodeName) {
    errs.push(
      invalidValue(
        key(field, MIRROR_ANNOTATION),
        mirror,
        "must set spec.nodeName if mirror pod annotation is set",
      ),
    )
  }
  const cost = ann[DELETION_COST_ANNOTATION]
  if (cost !== undefined && !isInt32(cost)) {
    errs.push(invalidValue(key(field, DELETION_COST_ANNOTATION), cost, "must be a 32bit integer"))
  }
  return errs
}

/** A pod template embedded in another object, at `field` (`spec.template`). */
export function validatePodTemplateSpec(t: PodTemplateSpec | undefined, field: string): FieldError[] {
  const meta = t?.metadata
  const errs = validateLabels(meta?.labels, child(field, "labels"))
  errs.push(...validateAnnotations(meta?.annotations, child(field, "annotations")))
  errs.push(...validatePodAnnotations(meta, t?.spec?.nodeName, child(field, "annotations")))
  errs.push(...validatePodSpec(t?.spec, child(field, "spec"), { isPod: false }))
  if (list(t?.spec?.ephemeralContainers).length) {
    errs.push(
      forbidden(
        child(field, "spec", "ephemeralContainers"),
        "ephemeral containers not allowed in pod template",
      ),
    )
  }
  return errs
}

/** A PodTemplate object. */
export function validatePodTemplate(obj: PodTemplate, old?: PodTemplate): FieldError[] {
  const errs = old
    ? validateObjectMetaUpdate(obj.metadata, old.metadata)
    : validateObjectMeta(obj.metadata, { namespaced: true, name: nameIsDnsSubdomain })
  errs.push(...validatePodTemplateSpec(obj.template, "template"))
  return errs
}

function imageWhitespace(containers: readonly Container[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  list(containers).forEach((c, i) => {
    const image = c.image ?? ""
    if (image.trim() !== image) {
      errs.push(
        invalidValue(child(index(field, i), "image"), image, "must not have leading or trailing whitespace"),
      )
    }
  })
  return errs
}

/** A pod's metadata, pod-specific annotations and spec (upstream's validatePodMetadataAndSpec). */
export function validatePodMetadataAndSpec(pod: Pod): FieldError[] {
  const spec = pod.spec
  const errs = validateObjectMeta(pod.metadata, { namespaced: true, name: nameIsDnsSubdomain })
  errs.push(...validatePodAnnotations(pod.metadata, spec?.nodeName, child("metadata", "annotations")))
  errs.push(...validatePodSpec(spec, "spec", { isPod: true }))
  if (!spec?.serviceAccountName) {
    list(spec?.volumes).forEach((v, vi) => {
      list(v.projected?.sources).forEach((s, si) => {
        if (s.serviceAccountToken) {
          const path = child(
            index(child(index("spec.volumes", vi), "projected", "sources"), si),
            "serviceAccountToken",
          )
          errs.push(forbidden(path, "must not be specified when serviceAccountName is not set"))
        }
      })
    })
  }
  errs.push(...imageWhitespace(spec?.containers, "spec.containers"))
  errs.push(...imageWhitespace(spec?.initContainers, "spec.initContainers"))
  return errs
}

/** Existing tolerations may only gain a tolerationSeconds change; new ones may be added. */
function onlyAddedTolerations(
  next: readonly Toleration[],
  old: readonly Toleration[],
  field: string,
): FieldError[] {
  for (const o of old) {
    const found = next.some((n) => deepEqual({ ...o, tolerationSeconds: n.tolerationSeconds }, n))
    if (!found)
      return [forbidden(field, "existing toleration can not be modified except its tolerationSeconds")]
  }
  return []
}

function containerImageUpdates(
  next: readonly Container[],
  old: readonly Container[],
  field: string,
): FieldError[] {
  if (next.length !== old.length) return [forbidden(field, "pod updates may not add or remove containers")]
  const errs: FieldError[] = []
  next.forEach((c, i) => {
    if (!c.image) errs.push(required(child(index(field, i), "image"), ""))
  })
  return errs
}

function changedPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (deepEqual(a, b)) return
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const ka = Object.keys(a as object)
    const keys = new Set([...ka, ...Object.keys(b as object)])
    for (const k of keys) {
      const p = Array.isArray(a) ? `${path}[${k}]` : child(path, k)
      changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], p, out)
    }
    return
  }
  out.push(path)
}

type Spec = Record<string, any>

/**
 * activeDeadlineSeconds may be set, or lowered, but not raised or removed. `stop` is true
 * when upstream returns at once.
 */
function activeDeadlineUpdate(
  ads: number | undefined | null,
  oldAds: number | undefined | null,
): { errs: FieldError[]; stop: boolean } {
  const field = "spec.activeDeadlineSeconds"
  if (ads === undefined || ads === null) {
    const removed = oldAds !== undefined && oldAds !== null
    const errs = removed
      ? [invalidValue(field, null, "must not update from a positive integer to nil value")]
      : []
    return { errs, stop: false }
  }
  if (ads < 0 || ads > 2147483647) {
    return { errs: [invalidValue(field, ads, "must be between 0 and 2147483647, inclusive")], stop: true }
  }
  if (oldAds !== undefined && oldAds !== null && oldAds < ads) {
    return { errs: [invalidValue(field, ads, "must be less than or equal to previous value")], stop: true }
  }
  return { errs: [], stop: false }
}

function addedGates(spec: Spec, old: Spec): FieldError[] {
  const errs: FieldError[] = []
  list(spec.schedulingGates as { name: string }[]).forEach((g, i) => {
    if (!list(old.schedulingGates as { name: string }[]).some((o) => o.name === g.name)) {
      const msg = `only deletion is allowed, but found new scheduling gate '${g.name}'`
      errs.push(forbidden(`spec.schedulingGates[${i}].name`, msg))
    }
  })
  return errs
}

/** The new spec with every field an update may change set back to its old value. */
function mungedSpec(spec: Spec, old: Spec, errs: FieldError[]): Spec {
  const munged = structuredClone(spec)
  for (const k of ["containers", "initContainers"]) {
    list(munged[k] as Container[]).forEach((c, i) => (c.image = old[k]?.[i]?.image))
  }
  for (const k of ["activeDeadlineSeconds", "schedulingGates", "tolerations"]) {
    if (old[k] === undefined) delete munged[k]
    else munged[k] = old[k]
  }
  const oldTgps = old.terminationGracePeriodSeconds
  if (typeof oldTgps === "number" && oldTgps < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldTgps
  }
  if (list(old.schedulingGates).length) mungeGatedScheduling(munged, old, errs)
  return munged
}

/** Gated pods may also gain node selectors and change node affinity. */
function mungeGatedScheduling(munged: Spec, old: Spec, errs: FieldError[]): void {
  const selector: Record<string, string> = munged.nodeSelector ?? {}
  if (!deepEqual(selector, old.nodeSelector ?? {})) {
    const onlyAdded = Object.entries(old.nodeSelector ?? {}).every(([k, v]) => selector[k] === v)
    if (!onlyAdded) {
      const msg = "only additions to spec.nodeSelector are allowed (no mutations or deletions)"
      errs.push(invalidValue("spec.nodeSelector", selector, msg))
    }
    if (old.nodeSelector === undefined) delete munged.nodeSelector
    else munged.nodeSelector = old.nodeSelector
  }
  if (!munged.affinity?.nodeAffinity && !old.affinity?.nodeAffinity) return
  munged.affinity = { ...(munged.affinity ?? {}), nodeAffinity: old.affinity?.nodeAffinity }
  if (munged.affinity.nodeAffinity === undefined) delete munged.affinity.nodeAffinity
  if (deepEqual(munged.affinity, {}) && old.affinity === undefined) delete munged.affinity
}

/** Upstream's pod update rules: only images, activeDeadlineSeconds, added tolerations and removed gates. */
function validatePodSpecUpdate(pod: Pod, old: Pod): FieldError[] {
  const spec: Spec = pod.spec ?? { containers: [] }
  const oldSpec: Spec = old.spec ?? { containers: [] }
  const errs: FieldError[] = []
  for (const k of ["containers", "initContainers"] as const) {
    const e = containerImageUpdates(list(spec[k]), list(oldSpec[k]), child("spec", k))
    // A changed number of containers stops the checks, as upstream's does
    if (e[0]?.type === "FieldValueForbidden") return [...errs, ...e]
    errs.push(...e)
  }
  const deadline = activeDeadlineUpdate(spec.activeDeadlineSeconds, oldSpec.activeDeadlineSeconds)
  errs.push(...deadline.errs)
  if (deadline.stop) return errs
  errs.push(...onlyAddedTolerations(list(spec.tolerations), list(oldSpec.tolerations), "spec.tolerations"))
  errs.push(...addedGates(spec, oldSpec))
  const munged = mungedSpec(spec, oldSpec, errs)
  if (!deepEqual(munged, oldSpec)) {
    const paths: string[] = []
    changedPaths(oldSpec, munged, "spec", paths)
    const msg = `pod updates may not change fields other than ${UPDATABLE_FIELDS.join(",")}\nchanged: ${paths.join(", ")}`
    errs.push(forbidden("spec", msg))
  }
  return errs
}

/**
 * A write to pods/status (upstream's ValidatePodStatusUpdate): the metadata update rules, the
 * pod-specific annotations and the resource claim statuses; the spec is the stored one (the
 * status strategy keeps it), so it is not validated again.
 */
export function validatePodStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata)
  errs.push(...mirrorAnnotationUpdate(pod, old))
  errs.push(...validatePodResourceClaimStatuses(pod))
  return errs
}

/** The mirror pod annotation may not be added, changed or removed. */
export function mirrorAnnotationUpdate(pod: Pod, old: Pod): FieldError[] {
  const oldAnn = old.metadata?.annotations ?? {}
  const newAnn = pod.metadata?.annotations ?? {}
  if (oldAnn[MIRROR_ANNOTATION] === newAnn[MIRROR_ANNOTATION]) return []
  const detail =
    oldAnn[MIRROR_ANNOTATION] === undefined
      ? "may not add mirror pod annotation"
      : "may not remove or update mirror pod annotation"
  return [forbidden(key("metadata.annotations", MIRROR_ANNOTATION), detail)]
}

/** A Pod on create, or on update when `old` is given. */
export function validatePod(pod: Pod, old?: Pod): FieldError[] {
  if (!old) {
    const errs = validatePodMetadataAndSpec(pod)
    if (list(pod.spec?.ephemeralContainers).length)
      errs.push(forbidden("spec.ephemeralContainers", "cannot be set on create"))
    if (pod.spec?.nodeName && list(pod.spec.schedulingGates).length) {
      errs.push(forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"))
    }
    return errs
  }
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata)
  errs.push(...validatePodMetadataAndSpec(pod))
  errs.push(...mirrorAnnotationUpdate(pod, old))
  errs.push(...validatePodSpecUpdate(pod, old))
  return errs
}
