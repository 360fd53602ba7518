/**
 * StatefulSets and DaemonSets (apps validation). As upstream, a StatefulSet's pod template
 * is checked for labels and annotations only, and only a few of its spec fields may change.
 */
import type {
  DaemonSet,
  DaemonSetUpdateStrategy,
  StatefulSet,
  StatefulSetSpec,
} from "kubernetes-types/apps/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidShown, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, deepEqual, immutableSelector, nonNegative } from "./_field.ts"
import { goLabelSelector } from "./go-values.ts"
import {
  intOrPercentValue,
  templateLabelsMismatch,
  validateAlwaysRestart,
  notMoreThan100Percent,
  validateIntOrPercent,
  validateReplicaStatus,
  validateWorkloadSelector,
} from "./apps.ts"
import { compileSelector, validateLabelSelector, validateLabels } from "./labels.ts"
import { nameIsDnsLabel, nameIsDnsSubdomain } from "./names.ts"
import { validateAnnotations, validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validatePodTemplateSpec } from "./pod.ts"

const RETENTION = ["Retain", "Delete"]

function validateStatefulSetStrategy(spec: StatefulSetSpec): FieldError[] {
  const errs: FieldError[] = []
  const us = spec.updateStrategy ?? {}
  const ru = us.rollingUpdate
  const ruPath = "spec.updateStrategy.rollingUpdate"
  switch (us.type ?? "") {
    case "":
      errs.push(required("spec.updateStrategy", ""))
      break
    case "OnDelete":
      if (ru) errs.push(invalidValue(ruPath, ru, "only allowed for updateStrategy 'RollingUpdate'"))
      break
    case "RollingUpdate":
      if (!ru) break
      errs.push(...nonNegative(child(ruPath, "partition"), ru.partition))
      if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
        const p = child(ruPath, "maxUnavailable")
        errs.push(...validateIntOrPercent(ru.maxUnavailable, p))
        if (intOrPercentValue(ru.maxUnavailable) === 0)
          errs.push(invalidValue(p, ru.maxUnavailable, "cannot be 0"))
        errs.push(...notMoreThan100Percent(ru.maxUnavailable, p))
      }
      break
    default:
      errs.push(invalidValue("spec.updateStrategy", us, "must be 'RollingUpdate' or 'OnDelete'"))
  }
  return errs
}

/** As upstream, only the template's labels and annotations are checked, not its pod spec. */
function validateStatefulTemplate(spec: StatefulSetSpec): FieldError[] {
  const compiled = compileSelector(spec.selector)
  if (!compiled.ok) return [invalidValue("spec.selector", spec.selector ?? null, "")]
  const errs: FieldError[] = []
  const meta = spec.template?.metadata
  if (!compiled.empty && !compiled.matches(meta?.labels)) errs.push(templateLabelsMismatch(meta?.labels))
  errs.push(...validateLabels(meta?.labels, "spec.template.labels"))
  errs.push(...validateAnnotations(meta?.annotations, "spec.template.annotations"))
  return errs
}

function validateStatefulSetSpec(spec: StatefulSetSpec): FieldError[] {
  const errs: FieldError[] = []
  const pmp = spec.podManagementPolicy ?? ""
  if (!pmp) errs.push(required("spec.podManagementPolicy", ""))
  else if (pmp !== "OrderedReady" && pmp !== "Parallel") {
    errs.push(invalidValue("spec.podManagementPolicy", pmp, "must be 'OrderedReady' or 'Parallel'"))
  }
  errs.push(...validateStatefulSetStrategy(spec))
  const retention = spec.persistentVolumeClaimRetentionPolicy
  if (retention) {
    for (const k of ["whenDeleted", "whenScaled"] as const) {
      const v = retention[k] ?? ""
      if (!RETENTION.includes(v))
        errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, RETENTION))
    }
  }
  errs.push(...nonNegative("spec.replicas", spec.replicas))
  errs.push(...nonNegative("spec.minReadySeconds", spec.minReadySeconds))
  if (spec.ordinals) errs.push(...nonNegative("spec.ordinals.start", spec.ordinals.start))
  errs.push(...validateWorkloadSelector(spec.selector, "statefulset"))
  errs.push(...validateStatefulTemplate(spec))
  errs.push(...validateAlwaysRestart(spec.template, "StatefulSet"))
  return errs
}

const STS_MUTABLE = [
  "replicas",
  "template",
  "updateStrategy",
  "minReadySeconds",
  "ordinals",
  "persistentVolumeClaimRetentionPolicy",
]

/** A StatefulSet on create, or on update when `old` is given. */
export function validateStatefulSet(sts: StatefulSet, old?: StatefulSet): FieldError[] {
  const spec = sts.spec ?? ({} as StatefulSetSpec)
  if (!old) {
    const errs = validateObjectMeta(sts.metadata, { namespaced: true, name: nameIsDnsLabel })
    errs.push(...validateStatefulSetSpec(spec))
    return errs
  }
  // The name is not checked again: older servers accepted DNS subdomains
  const errs = validateObjectMetaUpdate(sts.metadata, old.metadata)
  errs.push(...validateStatefulSetSpec(spec))
  const masked: Record<string, unknown> = { ...spec }
  const oldSpec = (old.spec ?? {}) as Record<string, unknown>
  for (const k of STS_MUTABLE) masked[k] = oldSpec[k]
  if (!deepEqual(masked, oldSpec)) {
    errs.push(
      forbidden(
        "spec",
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    )
  }
  errs.push(...validateReplicaStatus(sts.status, old.status))
  return errs
}

function validateDaemonSetStrategy(s: DaemonSetUpdateStrategy | undefined): FieldError[] {
  const field = "spec.updateStrategy"
  if (s?.type === "OnDelete") return []
  if (s?.type !== "RollingUpdate") return [notSupported(field, s ?? {}, ["RollingUpdate", "OnDelete"])]
  const ru = s.rollingUpdate
  const p = child(field, "rollingUpdate")
  if (!ru) return [required(p, "")]
  const errs = validateIntOrPercent(ru.maxUnavailable, child(p, "maxUnavailable"))
  errs.push(...validateIntOrPercent(ru.maxSurge, child(p, "maxSurge")))
  errs.push(...notMoreThan100Percent(ru.maxUnavailable, child(p, "maxUnavailable")))
  errs.push(...notMoreThan100Percent(ru.maxSurge, child(p, "maxSurge")))
  const unavailable = intOrPercentValue(ru.maxUnavailable) !== 0
  const surge = intOrPercentValue(ru.maxSurge) !== 0
  if (unavailable && surge)
    errs.push(
      invalidValue(child(p, "maxSurge"), ru.maxSurge ?? 0, "may not be set when maxUnavailable is non-zero"),
    )
  if (!unavailable && !surge)
    errs.push(required(child(p, "maxUnavailable"), "cannot be 0 when maxSurge is 0"))
  return errs
}

function validateDaemonTemplate(spec: NonNullable<DaemonSet["spec"]>): FieldError[] {
  const errs: FieldError[] = []
  const compiled = compileSelector(spec.selector)
  const labels = spec.template?.metadata?.labels
  if (compiled.ok && !compiled.matches(labels)) errs.push(templateLabelsMismatch(labels))
  const sel = spec.selector
  if (sel && !Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length) {
    errs.push(invalidShown("spec.selector", goLabelSelector(sel), "empty selector is invalid for daemonset"))
  }
  errs.push(...validatePodTemplateSpec(spec.template, "spec.template"))
  errs.push(...validateAlwaysRestart(spec.template, "DaemonSet"))
  return errs
}

/** A DaemonSet on create, or on update when `old` is given. */
export function validateDaemonSet(ds: DaemonSet, old?: DaemonSet): FieldError[] {
  const spec = ds.spec ?? ({} as NonNullable<DaemonSet["spec"]>)
  const errs = old ? validateObjectMetaUpdate(ds.metadata, old.metadata) : []
  errs.push(...validateObjectMeta(ds.metadata, { namespaced: true, name: nameIsDnsSubdomain }))
  errs.push(...validateLabelSelector(spec.selector, "spec.selector"))
  errs.push(...validateDaemonTemplate(spec))
  errs.push(...nonNegative("spec.minReadySeconds", spec.minReadySeconds))
  errs.push(...validateDaemonSetStrategy(spec.updateStrategy))
  errs.push(...nonNegative("spec.revisionHistoryLimit", spec.revisionHistoryLimit))
  if (old) errs.push(...immutableSelector("spec.selector", spec.selector, old.spec?.selector))
  return errs
}
