/**
 * Jobs (batch validation): counts, completion modes, failure and replacement policies, a pod
 * template that restarts OnFailure or Never, the generated selector and labels, and the
 * fields an update may not change.
 */
import type { Job, JobSpec } from "kubernetes-types/batch/v1.js"
import type { FieldError } from "../errors.ts"
import { invalidValue, notSupported, required, tooLong, tooMany } from "../field-errors.ts"
import { child, deepEqual, entries, immutable, index, key, list, nonNegative } from "./_field.ts"
import { compileSelector, validateLabelName, validateLabelSelector } from "./labels.ts"
import { isDns1123Label, isDns1123Subdomain, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validatePodTemplateSpec } from "./pod.ts"

const POLICY_ACTIONS = ["Count", "FailIndex", "FailJob", "Ignore"]

function validatePodFailurePolicy(spec: JobSpec, field: string): FieldError[] {
  const errs: FieldError[] = []
  const rules = list(spec.podFailurePolicy?.rules)
  const rulesPath = child(field, "rules")
  if (rules.length > 20) errs.push(tooMany(rulesPath, rules.length, 20))
  const containers = new Set([...list(spec.template?.spec?.containers), ...list(spec.template?.spec?.initContainers)].map((c) => c.name))
  rules.forEach((rule, i) => {
    const p = index(rulesPath, i)
    const action = rule.action ?? ""
    if (!action) errs.push(required(child(p, "action"), `valid values: ${JSON.stringify(POLICY_ACTIONS).replace(/,/g, " ")}`))
    else if (action === "FailIndex" && spec.backoffLimitPerIndex === undefined) {
      errs.push(invalidValue(child(p, "action"), action, "requires the backoffLimitPerIndex to be set"))
    } else if (!POLICY_ACTIONS.includes(action)) errs.push(notSupported(child(p, "action"), action, POLICY_ACTIONS))
    const codes = rule.onExitCodes
    if (codes) {
      const cp = child(p, "onExitCodes")
      const op = codes.operator ?? ""
      if (!op) errs.push(required(child(cp, "operator"), 'valid values: ["In" "NotIn"]'))
      else if (op !== "In" && op !== "NotIn") errs.push(notSupported(child(cp, "operator"), op, ["In", "NotIn"]))
      if (codes.containerName !== undefined && !containers.has(codes.containerName)) {
        errs.push(invalidValue(child(cp, "containerName"), codes.containerName, "must be one of the container or initContainer names in the pod template"))
      }
      const values = list(codes.values)
      if (!values.length) errs.push(invalidValue(child(cp, "values"), values, "at least one value is required"))
      else if (values.length > 255) errs.push(tooMany(child(cp, "values"), values.length, 255))
      values.forEach((v, j) => {
        if (op === "In" && v === 0) errs.push(invalidValue(index(child(cp, "values"), j), v, "must not be 0 for the In operator"))
        if (values.indexOf(v) !== j) errs.push({ type: "FieldValueDuplicate", field: index(child(cp, "values"), j), message: `Duplicate value: ${v}` })
      })
      if (values.some((v, j) => j > 0 && (values[j - 1] ?? 0) > v)) errs.push(invalidValue(child(cp, "values"), values, "must be ordered"))
    }
    const conds = list(rule.onPodConditions)
    conds.forEach((c, j) => {
      const cp = index(child(p, "onPodConditions"), j)
      errs.push(...validateLabelName(c.type ?? "", child(cp, "type")))
      if (!c.status) errs.push(required(child(cp, "status"), 'valid values: ["False" "True" "Unknown"]'))
      else if (!["False", "True", "Unknown"].includes(c.status)) errs.push(notSupported(child(cp, "status"), c.status, ["False", "True", "Unknown"]))
    })
    if (codes && conds.length) errs.push({ type: "FieldValueInvalid", field: p, message: "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported" })
    if (!codes && !conds.length) errs.push({ type: "FieldValueInvalid", field: p, message: "Invalid value: specifying one of OnExitCodes and OnPodConditions is required" })
  })
  return errs
}

function validateManagedBy(v: string, field: string): FieldError[] {
  const errs: FieldError[] = []
  const [host = "", path = ""] = v.split(/\/(.*)/s)
  if (!v.includes("/") || !host || !path) errs.push(invalidValue(field, v, 'must be a domain-prefixed path (such as "acme.io/foo")'))
  else {
    errs.push(...isDns1123Subdomain(host).map((m) => invalidValue(field, host, m)))
    if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(path)) {
      errs.push(invalidValue(field, path, "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"))
    }
  }
  if (v.length > 63) errs.push(tooLong(field, 63))
  return errs
}

/** The job spec rules shared by Jobs and CronJob job templates. */
export function validateJobSpecCommon(spec: JobSpec, field: string): FieldError[] {
  const errs: FieldError[] = []
  for (const k of ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex"] as const) {
    errs.push(...nonNegative(child(field, k), spec[k]))
  }
  if (spec.maxFailedIndexes !== undefined) {
    errs.push(...nonNegative(child(field, "maxFailedIndexes"), spec.maxFailedIndexes))
    if (spec.backoffLimitPerIndex === undefined) errs.push(required(child(field, "backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
  }
  if (spec.managedBy !== undefined) errs.push(...validateManagedBy(spec.managedBy, child(field, "managedBy")))
  const mode = spec.completionMode
  if (mode !== undefined) {
    if (mode !== "NonIndexed" && mode !== "Indexed") errs.push(notSupported(child(field, "completionMode"), mode, ["NonIndexed", "Indexed"]))
    if (mode === "Indexed") {
      if (spec.completions === undefined) errs.push(required(child(field, "completions"), "when completion mode is Indexed"))
      if ((spec.parallelism ?? 0) > 100000) {
        errs.push(invalidValue(child(field, "parallelism"), spec.parallelism, "must be less than or equal to 100000 when completion mode is Indexed"))
      }
      if (spec.completions !== undefined && (spec.maxFailedIndexes ?? 0) > spec.completions) {
        errs.push(invalidValue(child(field, "maxFailedIndexes"), spec.maxFailedIndexes, "must be less than or equal to completions"))
      }
    }
  }
  if (mode === undefined || mode === "NonIndexed") {
    for (const k of ["backoffLimitPerIndex", "maxFailedIndexes"] as const) {
      if (spec[k] !== undefined) errs.push(invalidValue(child(field, k), spec[k], "requires indexed completion mode"))
    }
  }
  if (spec.podFailurePolicy) errs.push(...validatePodFailurePolicy(spec, child(field, "podFailurePolicy")))
  if (spec.successPolicy && mode !== "Indexed") errs.push(invalidValue(child(field, "successPolicy"), spec.successPolicy, "requires indexed completion mode"))
  const prp = spec.podReplacementPolicy
  if (prp !== undefined) {
    const allowed = spec.podFailurePolicy ? ["Failed"] : ["Failed", "TerminatingOrFailed"]
    if (!allowed.includes(prp)) errs.push(notSupported(child(field, "podReplacementPolicy"), prp, allowed))
  }
  errs.push(...validatePodTemplateSpec(spec.template, child(field, "template")))
  const rp = spec.template?.spec?.restartPolicy ?? ""
  const rpPath = child(field, "template", "spec", "restartPolicy")
  if (rp === "Always" || rp === "") errs.push(required(rpPath, 'valid values: "OnFailure", "Never"'))
  else if (rp !== "OnFailure" && rp !== "Never") errs.push(notSupported(rpPath, rp, ["OnFailure", "Never"]))
  else if (spec.podFailurePolicy && rp !== "Never") errs.push(invalidValue(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'))
  return errs
}

function validateJobSpec(spec: JobSpec): FieldError[] {
  const errs = validateJobSpecCommon(spec, "spec")
  if (!spec.selector) errs.push(required("spec.selector", ""))
  else errs.push(...validateLabelSelector(spec.selector, "spec.selector"))
  const compiled = compileSelector(spec.selector)
  const labels = spec.template?.metadata?.labels
  if (compiled.ok && !compiled.matches(labels)) {
    errs.push(invalidValue("spec.template.metadata.labels", labels ?? null, "`selector` does not match template `labels`"))
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
    errs.push(...hasLabel(job, "batch.kubernetes.io/controller-uid", uid), ...hasLabel(job, "batch.kubernetes.io/job-name", name))
    expected["batch.kubernetes.io/controller-uid"] = uid
    expected["batch.kubernetes.io/job-name"] = name
  }
  const compiled = compileSelector(job.spec.selector)
  if (compiled.ok && !compiled.matches(expected)) errs.push(invalidValue("spec.selector", job.spec.selector, "`selector` not auto-generated"))
  return errs
}

function validateTemplateUpdate(job: Job, old: Job): FieldError[] {
  const t = job.spec?.template
  let o = old.spec?.template
  // Suspended jobs that never started may change their scheduling directives
  if (old.spec?.suspend && !old.status?.startTime && o) {
    const m = structuredClone(o) as Record<string, any>
    const ts = (t?.spec ?? {}) as Record<string, any>
    m.spec = { ...(m.spec ?? {}) }
    for (const k of ["nodeSelector", "tolerations", "schedulingGates"]) {
      if (ts[k] === undefined) delete m.spec[k]
      else m.spec[k] = ts[k]
    }
    const nodeAffinity = ts.affinity?.nodeAffinity
    const affinity = { ...(m.spec.affinity ?? {}) }
    if (nodeAffinity === undefined) delete affinity.nodeAffinity
    else affinity.nodeAffinity = nodeAffinity
    if (Object.keys(affinity).length || ts.affinity) m.spec.affinity = affinity
    else delete m.spec.affinity
    m.metadata = { ...(m.metadata ?? {}), labels: t?.metadata?.labels, annotations: t?.metadata?.annotations }
    o = m
  }
  return deepEqual(t, o) ? [] : [invalidValue("spec.template", t ?? null, "field is immutable")]
}

/** A Job on create, or on update when `old` is given. */
export function validateJob(job: Job, old?: Job): FieldError[] {
  const spec = job.spec ?? ({} as JobSpec)
  if (!old) {
    const errs = validateObjectMeta(job.metadata, { namespaced: true, name: nameIsDnsSubdomain })
    errs.push(...validateGeneratedSelector(job, true))
    errs.push(...validateJobSpec(spec))
    if (spec.completionMode === "Indexed" && (spec.completions ?? 0) > 0) {
      const hostname = `${job.metadata?.name ?? ""}-${(spec.completions ?? 0) - 1}`
      if (isDns1123Label(hostname).length) {
        errs.push(invalidValue("metadata.name", job.metadata?.name ?? "", `will not able to create pod with invalid DNS label: ${hostname}`))
      }
    }
    return errs
  }
  const oldSpec = old.spec ?? ({} as JobSpec)
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata)
  errs.push(...validateJobSpec(spec))
  if (spec.completionMode === "Indexed" && !deepEqual(spec.completions, oldSpec.completions)) {
    if (spec.completions !== undefined && spec.completions !== spec.parallelism) {
      errs.push(invalidValue("spec.completions", spec.completions, "can only be modified in tandem with spec.parallelism"))
    }
  } else errs.push(...immutable("spec.completions", spec.completions ?? null, oldSpec.completions ?? null))
  errs.push(...immutable("spec.selector", spec.selector ?? null, oldSpec.selector ?? null))
  errs.push(...validateTemplateUpdate(job, old))
  for (const k of ["completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"] as const) {
    errs.push(...immutable(child("spec", k), spec[k] ?? null, oldSpec[k] ?? null))
  }
  for (const [k, v] of entries(job.status as Record<string, unknown> | undefined)) {
    if (["active", "succeeded", "failed", "ready", "terminating"].includes(k) && typeof v === "number") errs.push(...nonNegative(`status.${k}`, v))
  }
  return errs
}
