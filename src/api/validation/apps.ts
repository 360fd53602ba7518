/**
 * Deployments, ReplicaSets, ReplicationControllers and ControllerRevisions (apps and core
 * validation): a selector that matches the template's labels, a valid pod template that
 * restarts Always, strategies, counts, and an immutable selector in apps/v1.
 */
import type {
  ControllerRevision,
  Deployment,
  DeploymentStrategy,
  ReplicaSet,
} from "kubernetes-types/apps/v1.js"
import type { PodTemplateSpec, ReplicationController } from "kubernetes-types/core/v1.js"
import type { LabelSelector } from "kubernetes-types/meta/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidShown, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, deepEqual, entries, immutable, immutableSelector, nonNegative } from "./_field.ts"
import { goLabelSelector, goStringMap } from "./go-values.ts"
import { compileSelector, validateLabelSelector } from "./labels.ts"
import { nameIsDnsSubdomain } from "./names.ts"
import { isValidPercent } from "./formats.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validatePodTemplateSpec } from "./pod.ts"

type IntOrString = number | string

/** An int or a percentage such as `25%`; ints must be non-negative. */
export function validateIntOrPercent(v: IntOrString | undefined, field: string): FieldError[] {
  if (typeof v === "string") return isValidPercent(v).map((m) => invalidValue(field, v, m))
  return nonNegative(field, v ?? 0)
}

/** The number an int-or-percent stands for (the percentage for `25%`). */
export function intOrPercentValue(v: IntOrString | undefined): number {
  if (typeof v === "string") return isValidPercent(v).length ? 0 : Number(v.slice(0, -1))
  return v ?? 0
}

/** A percentage may not exceed 100%. */
export function notMoreThan100Percent(v: IntOrString | undefined, field: string): FieldError[] {
  if (typeof v !== "string" || isValidPercent(v).length || Number(v.slice(0, -1)) <= 100) return []
  return [invalidValue(field, v, "must not be greater than 100%")]
}

/** A required label selector: present, valid and not empty. */
export function validateWorkloadSelector(
  sel: LabelSelector | undefined,
  kind: string,
  field = "spec.selector",
): FieldError[] {
  if (!sel) return [required(field, "")]
  const errs = validateLabelSelector(sel, field)
  if (!entries(sel.matchLabels).length && !(sel.matchExpressions ?? []).length) {
    errs.push(invalidShown(field, goLabelSelector(sel), `empty selector is invalid for ${kind}`))
  }
  return errs
}

/** Pods of long-running controllers restart Always and have no active deadline. */
export function validateAlwaysRestart(t: PodTemplateSpec | undefined, kind: string): FieldError[] {
  const errs: FieldError[] = []
  const rp = t?.spec?.restartPolicy ?? ""
  if (rp !== "Always") errs.push(notSupported("spec.template.spec.restartPolicy", rp, ["Always"]))
  const ads = t?.spec?.activeDeadlineSeconds
  if (ads !== undefined && ads !== null) {
    errs.push(
      forbidden(
        "spec.template.spec.activeDeadlineSeconds",
        `activeDeadlineSeconds in ${kind} is not Supported`,
      ),
    )
  }
  return errs
}

/** The template's labels must match a (non-empty) selector. */
export function templateLabelsMismatch(labels: Record<string, string> | undefined): FieldError {
  return invalidShown(
    "spec.template.metadata.labels",
    goStringMap(labels),
    "`selector` does not match template `labels`",
  )
}

/** The template of a ReplicaSet or Deployment: matches the selector and restarts Always. */
function validateTemplateForReplicas(
  sel: LabelSelector | undefined,
  t: PodTemplateSpec | undefined,
  kind: string,
): FieldError[] {
  const errs: FieldError[] = []
  const compiled = compileSelector(sel)
  if (!compiled.ok) return [invalidValue("spec.selector", sel ?? null, "invalid label selector")]
  const labels = t?.metadata?.labels
  if (!compiled.empty && !compiled.matches(labels)) {
    errs.push(templateLabelsMismatch(labels))
  }
  errs.push(...validatePodTemplateSpec(t, "spec.template"))
  errs.push(...validateAlwaysRestart(t, kind))
  return errs
}

function validateStrategy(s: DeploymentStrategy | undefined): FieldError[] {
  const field = "spec.strategy"
  switch (s?.type) {
    case "Recreate":
      return s.rollingUpdate
        ? [
            forbidden(
              child(field, "rollingUpdate"),
              "may not be specified when strategy `type` is 'Recreate'",
            ),
          ]
        : []
    case "RollingUpdate": {
      const ru = s.rollingUpdate
      const p = child(field, "rollingUpdate")
      if (!ru) return [required(p, "this should be defaulted and never be nil")]
      const errs = validateIntOrPercent(ru.maxUnavailable, child(p, "maxUnavailable"))
      errs.push(...validateIntOrPercent(ru.maxSurge, child(p, "maxSurge")))
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(
          invalidValue(
            child(p, "maxUnavailable"),
            ru.maxUnavailable ?? 0,
            "may not be 0 when `maxSurge` is 0",
          ),
        )
      }
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, child(p, "maxUnavailable")))
      return errs
    }
    default:
      return [notSupported(field, s ?? {}, ["Recreate", "RollingUpdate"])]
  }
}

type ReplicaStatus = Partial<
  Record<
    | "replicas"
    | "readyReplicas"
    | "availableReplicas"
    | "updatedReplicas"
    | "fullyLabeledReplicas"
    | "observedGeneration"
    | "unavailableReplicas"
    | "collisionCount",
    number
  >
>

/** Status counters: non-negative and no more than status.replicas; checked on status writes only. */
export function validateReplicaStatus(
  status: ReplicaStatus | undefined,
  old: ReplicaStatus | undefined,
): FieldError[] {
  if (!status || deepEqual(status, old)) return []
  const errs: FieldError[] = []
  for (const [k, v] of Object.entries(status))
    if (typeof v === "number") errs.push(...nonNegative(`status.${k}`, v))
  const replicas = status.replicas ?? 0
  for (const k of [
    "updatedReplicas",
    "fullyLabeledReplicas",
    "readyReplicas",
    "availableReplicas",
  ] as const) {
    const v = status[k]
    if (v !== undefined && v > replicas)
      errs.push(invalidValue(`status.${k}`, v, "cannot be greater than status.replicas"))
  }
  if ((status.availableReplicas ?? 0) > (status.readyReplicas ?? 0)) {
    errs.push(
      invalidValue(
        "status.availableReplicas",
        status.availableReplicas,
        "cannot be greater than readyReplicas",
      ),
    )
  }
  if ((status.collisionCount ?? 0) < (old?.collisionCount ?? 0)) {
    errs.push(invalidValue("status.collisionCount", status.collisionCount ?? 0, "cannot be decremented"))
  }
  return errs
}

function metaErrors(
  obj: { metadata?: Deployment["metadata"] },
  old: { metadata?: Deployment["metadata"] } | undefined,
): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : []
  if (!old) errs.push(...validateObjectMeta(obj.metadata, { namespaced: true, name: nameIsDnsSubdomain }))
  return errs
}

/** A Deployment on create, or on update when `old` is given. */
export function validateDeployment(d: Deployment, old?: Deployment): FieldError[] {
  const spec = d.spec ?? ({} as NonNullable<Deployment["spec"]>)
  const errs = metaErrors(d, old)
  errs.push(...nonNegative("spec.replicas", spec.replicas))
  errs.push(...validateWorkloadSelector(spec.selector, "deployment"))
  errs.push(...validateTemplateForReplicas(spec.selector, spec.template, "ReplicaSet"))
  errs.push(...validateStrategy(spec.strategy))
  errs.push(...nonNegative("spec.minReadySeconds", spec.minReadySeconds))
  errs.push(...nonNegative("spec.revisionHistoryLimit", spec.revisionHistoryLimit))
  const pds = spec.progressDeadlineSeconds
  if (pds !== undefined && pds !== null) {
    errs.push(...nonNegative("spec.progressDeadlineSeconds", pds))
    if (pds <= (spec.minReadySeconds ?? 0))
      errs.push(invalidValue("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"))
  }
  if (old) {
    errs.push(...immutableSelector("spec.selector", spec.selector, old.spec?.selector))
    errs.push(...validateReplicaStatus(d.status, old.status))
  }
  return errs
}

/** A ReplicaSet on create, or on update when `old` is given. */
export function validateReplicaSet(rs: ReplicaSet, old?: ReplicaSet): FieldError[] {
  const spec = rs.spec ?? ({} as NonNullable<ReplicaSet["spec"]>)
  const errs = metaErrors(rs, old)
  errs.push(...nonNegative("spec.replicas", spec.replicas))
  errs.push(...nonNegative("spec.minReadySeconds", spec.minReadySeconds))
  // upstream's message says deployment here too
  errs.push(...validateWorkloadSelector(spec.selector, "deployment"))
  errs.push(...validateTemplateForReplicas(spec.selector, spec.template, "ReplicaSet"))
  if (old) {
    errs.push(...immutableSelector("spec.selector", spec.selector, old.spec?.selector))
    errs.push(...validateReplicaStatus(rs.status, old.status))
  }
  return errs
}

/** A ReplicationController on create, or on update when `old` is given. */
export function validateReplicationController(
  rc: ReplicationController,
  old?: ReplicationController,
): FieldError[] {
  const spec = rc.spec ?? {}
  const errs = metaErrors(rc, old)
  errs.push(...nonNegative("spec.minReadySeconds", spec.minReadySeconds))
  if (!entries(spec.selector).length) errs.push(required("spec.selector", ""))
  errs.push(...nonNegative("spec.replicas", spec.replicas))
  const t = spec.template
  if (!t) errs.push(required("spec.template", ""))
  else {
    const sel = spec.selector ?? {}
    const labels = t.metadata?.labels ?? {}
    if (entries(sel).length && !entries(sel).every(([k, v]) => labels[k] === v)) {
      errs.push(templateLabelsMismatch(t.metadata?.labels))
    }
    errs.push(...validatePodTemplateSpec(t, "spec.template"))
    const rp = t.spec?.restartPolicy ?? ""
    if (rp !== "Always") errs.push(notSupported("spec.template.spec.restartPolicy", rp, ["Always"]))
    if (t.spec?.activeDeadlineSeconds !== undefined && t.spec.activeDeadlineSeconds !== null) {
      errs.push(
        forbidden(
          "spec.template.spec.activeDeadlineSeconds",
          "activeDeadlineSeconds in ReplicationController is not Supported",
        ),
      )
    }
  }
  if (old) errs.push(...validateReplicaStatus(rc.status, old.status))
  return errs
}

/** A ControllerRevision: data required, revision non-negative, data immutable. */
export function validateControllerRevision(cr: ControllerRevision, old?: ControllerRevision): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(cr.metadata, old.metadata) : []
  errs.push(...validateObjectMeta(cr.metadata, { namespaced: true, name: nameIsDnsSubdomain }))
  if (cr.data === undefined || cr.data === null) errs.push(required("data", "data is mandatory"))
  errs.push(...nonNegative("revision", cr.revision))
  if (old) errs.push(...immutable("data", cr.data ?? null, old.data ?? null))
  return errs
}
