/**
 * Jobs (batch validation): the shared job spec rules, a selector matching the template, the
 * generated selector and labels on create, and the fields an update may not change.
 */
import type { Job, JobSpec } from "kubernetes-types/batch/v1.js"
import type { FieldError } from "../errors.ts"
import { invalidValue, required } from "../field-errors.ts"
import { child, deepEqual, entries, immutable, immutableSelector, key, nonNegative } from "./_field.ts"
import { templateLabelsMismatch } from "./apps.ts"
import { compileSelector, validateLabelSelector } from "./labels.ts"
import { isDns1123Label, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validateJobSpecCommon } from "./job-spec.ts"

function validateJobSpec(spec: JobSpec): FieldError[] {
  const errs = validateJobSpecCommon(spec, "spec")
  if (!spec.selector) errs.push(required("spec.selector", ""))
  else errs.push(...validateLabelSelector(spec.selector, "spec.selector"))
  const compiled = compileSelector(spec.selector)
  const labels = spec.template?.metadata?.labels
  if (compiled.ok && !compiled.matches(labels)) {
    errs.push(templateLabelsMismatch(labels))
  }
  return errs
}

function hasLabel(job: Job, label: string, want: string): FieldError[] {
  const labels = job.spec?.template?.metadata?.labels
  const path = key("spec.template.metadata.labels", label)
  if (!labels || !(label in labels)) return [required(path, `must be '${want}'`)]
  return labels[label] === want ? [] : [invalidValue(path, labels, `must be '${want}'`)]
}

function validateGeneratedSelector(job: Job, prefixed: boolean): FieldError[] {
  if (job.spec?.manualSelector || !job.spec?.selector) return []
  const uid = job.metadata?.uid ?? ""
  const name = job.metadata?.name ?? ""
  const errs: FieldError[] = []
  if (!uid) errs.push(required("metadata.uid", ""))
  const expected: Record<string, string> = { "controller-uid": uid, "job-name": name }
  errs.push(...hasLabel(job, "controller-uid", uid), ...hasLabel(job, "job-name", name))
  if (prefixed) {
    errs.push(
      ...hasLabel(job, "batch.kubernetes.io/controller-uid", uid),
      ...hasLabel(job, "batch.kubernetes.io/job-name", name),
    )
    expected["batch.kubernetes.io/controller-uid"] = uid
    expected["batch.kubernetes.io/job-name"] = name
  }
  const compiled = compileSelector(job.spec.selector)
  if (compiled.ok && !compiled.matches(expected))
    errs.push(invalidValue("spec.selector", job.spec.selector, "`selector` not auto-generated"))
  return errs
}

type Obj = Record<string, any>

/** The old template with the scheduling directives a suspended, never started Job may change. */
function mutableSchedulingTemplate(t: Obj | undefined, o: Obj): Obj {
  const m = structuredClone(o)
  const ts: Obj = t?.spec ?? {}
  m.spec = { ...(m.spec ?? {}) }
  for (const k of ["nodeSelector", "tolerations", "schedulingGates"]) {
    if (ts[k] === undefined) delete m.spec[k]
    else m.spec[k] = ts[k]
  }
  const affinity = { ...(m.spec.affinity ?? {}) }
  if (ts.affinity?.nodeAffinity === undefined) delete affinity.nodeAffinity
  else affinity.nodeAffinity = ts.affinity.nodeAffinity
  if (Object.keys(affinity).length || ts.affinity) m.spec.affinity = affinity
  else delete m.spec.affinity
  m.metadata = { ...(m.metadata ?? {}), labels: t?.metadata?.labels, annotations: t?.metadata?.annotations }
  return m
}

function validateTemplateUpdate(job: Job, old: Job): FieldError[] {
  const t = job.spec?.template
  let o: Obj | undefined = old.spec?.template
  if (old.spec?.suspend && !old.status?.startTime && o) o = mutableSchedulingTemplate(t, o)
  return deepEqual(t, o) ? [] : [invalidValue("spec.template", t ?? null, "field is immutable")]
}

function validateJobCreate(job: Job, spec: JobSpec): FieldError[] {
  const errs = validateObjectMeta(job.metadata, { namespaced: true, name: nameIsDnsSubdomain })
  errs.push(...validateGeneratedSelector(job, true))
  errs.push(...validateJobSpec(spec))
  const completions = spec.completions ?? 0
  if (spec.completionMode === "Indexed" && completions > 0) {
    // The controller names pods <job>-<index>; the largest index must still be a DNS label
    const name = job.metadata?.name ?? ""
    const hostname = `${name}-${completions - 1}`
    if (isDns1123Label(hostname).length) {
      const msg = `will not able to create pod with invalid DNS label: ${hostname}`
      errs.push(invalidValue("metadata.name", name, msg))
    }
  }
  return errs
}

function validateCompletionsUpdate(spec: JobSpec, oldSpec: JobSpec): FieldError[] {
  if (spec.completionMode !== "Indexed" || deepEqual(spec.completions, oldSpec.completions)) {
    return immutable("spec.completions", spec.completions ?? null, oldSpec.completions ?? null)
  }
  // Indexed Jobs may scale completions together with parallelism
  if (spec.completions !== undefined && spec.completions !== spec.parallelism) {
    const msg = "can only be modified in tandem with spec.parallelism"
    return [invalidValue("spec.completions", spec.completions, msg)]
  }
  return []
}

const IMMUTABLE = [
  "completionMode",
  "podFailurePolicy",
  "backoffLimitPerIndex",
  "managedBy",
  "successPolicy",
] as const
const COUNTERS = ["active", "succeeded", "failed", "ready", "terminating"]

/** A Job on create, or on update when `old` is given. */
export function validateJob(job: Job, old?: Job): FieldError[] {
  const spec = job.spec ?? ({} as JobSpec)
  if (!old) return validateJobCreate(job, spec)
  const oldSpec = old.spec ?? ({} as JobSpec)
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata)
  errs.push(...validateJobSpec(spec))
  errs.push(...validateCompletionsUpdate(spec, oldSpec))
  errs.push(...immutableSelector("spec.selector", spec.selector, oldSpec.selector))
  errs.push(...validateTemplateUpdate(job, old))
  for (const k of IMMUTABLE) errs.push(...immutable(child("spec", k), spec[k] ?? null, oldSpec[k] ?? null))
  for (const [k, v] of entries(job.status as Record<string, unknown> | undefined)) {
    if (COUNTERS.includes(k) && typeof v === "number") errs.push(...nonNegative(`status.${k}`, v))
  }
  return errs
}
