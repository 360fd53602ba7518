/**
 * The spec rules Jobs and CronJob job templates share (batch validation): counts, completion
 * modes, pod failure and replacement policies, managedBy, and a pod template that restarts
 * OnFailure or Never.
 */
import type { JobSpec } from "kubernetes-types/batch/v1.js"
import type { FieldError } from "../errors.ts"
import { invalidValue, notSupported, required, tooLong, tooMany } from "../field-errors.ts"
import { child, index, list, nonNegative } from "./_field.ts"
import { validateLabelName } from "./labels.ts"
import { isDns1123Subdomain } from "./names.ts"
import { validatePodTemplateSpec } from "./pod.ts"

const POLICY_ACTIONS = ["Count", "FailIndex", "FailJob", "Ignore"]

function validatePodFailurePolicy(spec: JobSpec, field: string): FieldError[] {
  const errs: FieldError[] = []
  const rules = list(spec.podFailurePolicy?.rules)
  const rulesPath = child(field, "rules")
  if (rules.length > 20) errs.push(tooMany(rulesPath, rules.length, 20))
  const containers = new Set(
    [...list(spec.template?.spec?.containers), ...list(spec.template?.spec?.initContainers)].map(
      (c) => c.name,
    ),
  )
  rules.forEach((rule, i) => {
    const p = index(rulesPath, i)
    const action = rule.action ?? ""
    if (!action)
      errs.push(
        required(child(p, "action"), `valid values: ${JSON.stringify(POLICY_ACTIONS).replace(/,/g, " ")}`),
      )
    else if (action === "FailIndex" && spec.backoffLimitPerIndex === undefined) {
      errs.push(invalidValue(child(p, "action"), action, "requires the backoffLimitPerIndex to be set"))
    } else if (!POLICY_ACTIONS.includes(action))
      errs.push(notSupported(child(p, "action"), action, POLICY_ACTIONS))
    const codes = rule.onExitCodes
    if (codes) {
      const cp = child(p, "onExitCodes")
      const op = codes.operator ?? ""
      if (!op) errs.push(required(child(cp, "operator"), 'valid values: ["In" "NotIn"]'))
      else if (op !== "In" && op !== "NotIn")
        errs.push(notSupported(child(cp, "operator"), op, ["In", "NotIn"]))
      if (codes.containerName !== undefined && !containers.has(codes.containerName)) {
        errs.push(
          invalidValue(
            child(cp, "containerName"),
            codes.containerName,
            "must be one of the container or initContainer names in the pod template",
          ),
        )
      }
      const values = list(codes.values)
      if (!values.length)
        errs.push(invalidValue(child(cp, "values"), values, "at least one value is required"))
      else if (values.length > 255) errs.push(tooMany(child(cp, "values"), values.length, 255))
      values.forEach((v, j) => {
        if (op === "In" && v === 0)
          errs.push(invalidValue(index(child(cp, "values"), j), v, "must not be 0 for the In operator"))
        if (values.indexOf(v) !== j)
          errs.push({
            type: "FieldValueDuplicate",
            field: index(child(cp, "values"), j),
            message: `Duplicate value: ${v}`,
          })
      })
      if (values.some((v, j) => j > 0 && (values[j - 1] ?? 0) > v))
        errs.push(invalidValue(child(cp, "values"), values, "must be ordered"))
    }
    const conds = list(rule.onPodConditions)
    conds.forEach((c, j) => {
      const cp = index(child(p, "onPodConditions"), j)
      errs.push(...validateLabelName(c.type ?? "", child(cp, "type")))
      if (!c.status) errs.push(required(child(cp, "status"), 'valid values: ["False" "True" "Unknown"]'))
      else if (!["False", "True", "Unknown"].includes(c.status))
        errs.push(notSupported(child(cp, "status"), c.status, ["False", "True", "Unknown"]))
    })
    if (codes && conds.length)
      errs.push({
        type: "FieldValueInvalid",
        field: p,
        message: "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported",
      })
    if (!codes && !conds.length)
      errs.push({
        type: "FieldValueInvalid",
        field: p,
        message: "Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
      })
  })
  return errs
}

function validateManagedBy(v: string, field: string): FieldError[] {
  const errs: FieldError[] = []
  const [host = "", path = ""] = v.split(/\/(.*)/s)
  if (!v.includes("/") || !host || !path)
    errs.push(invalidValue(field, v, 'must be a domain-prefixed path (such as "acme.io/foo")'))
  else {
    errs.push(...isDns1123Subdomain(host).map((m) => invalidValue(field, host, m)))
    if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(path)) {
      errs.push(
        invalidValue(
          field,
          path,
          "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
        ),
      )
    }
  }
  if (v.length > 63) errs.push(tooLong(field, 63))
  return errs
}

function validateCounts(spec: JobSpec, field: string): FieldError[] {
  const errs: FieldError[] = []
  const counts = [
    "parallelism",
    "completions",
    "activeDeadlineSeconds",
    "backoffLimit",
    "ttlSecondsAfterFinished",
    "backoffLimitPerIndex",
  ] as const
  for (const k of counts) errs.push(...nonNegative(child(field, k), spec[k]))
  if (spec.maxFailedIndexes !== undefined) {
    errs.push(...nonNegative(child(field, "maxFailedIndexes"), spec.maxFailedIndexes))
    if (spec.backoffLimitPerIndex === undefined)
      errs.push(required(child(field, "backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
  }
  return errs
}

function validateIndexed(spec: JobSpec, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (spec.completions === undefined)
    errs.push(required(child(field, "completions"), "when completion mode is Indexed"))
  if ((spec.parallelism ?? 0) > 100000) {
    const msg = "must be less than or equal to 100000 when completion mode is Indexed"
    errs.push(invalidValue(child(field, "parallelism"), spec.parallelism, msg))
  }
  if (spec.completions !== undefined && (spec.maxFailedIndexes ?? 0) > spec.completions) {
    const msg = "must be less than or equal to completions"
    errs.push(invalidValue(child(field, "maxFailedIndexes"), spec.maxFailedIndexes, msg))
  }
  return errs
}

function validateCompletionMode(spec: JobSpec, field: string): FieldError[] {
  const errs: FieldError[] = []
  const mode = spec.completionMode
  if (mode !== undefined && mode !== "NonIndexed" && mode !== "Indexed") {
    errs.push(notSupported(child(field, "completionMode"), mode, ["NonIndexed", "Indexed"]))
  }
  if (mode === "Indexed") errs.push(...validateIndexed(spec, field))
  if (mode === undefined || mode === "NonIndexed") {
    for (const k of ["backoffLimitPerIndex", "maxFailedIndexes"] as const) {
      if (spec[k] !== undefined)
        errs.push(invalidValue(child(field, k), spec[k], "requires indexed completion mode"))
    }
  }
  return errs
}

function validateRestartPolicy(spec: JobSpec, field: string): FieldError[] {
  const rp = spec.template?.spec?.restartPolicy ?? ""
  const path = child(field, "template", "spec", "restartPolicy")
  if (rp === "Always" || rp === "") return [required(path, 'valid values: "OnFailure", "Never"')]
  if (rp !== "OnFailure" && rp !== "Never") return [notSupported(path, rp, ["OnFailure", "Never"])]
  if (spec.podFailurePolicy && rp !== "Never") {
    return [invalidValue(path, rp, 'only "Never" is supported when podFailurePolicy is specified')]
  }
  return []
}

/** The job spec rules shared by Jobs and CronJob job templates. */
export function validateJobSpecCommon(spec: JobSpec, field: string): FieldError[] {
  const errs = validateCounts(spec, field)
  if (spec.managedBy !== undefined) errs.push(...validateManagedBy(spec.managedBy, child(field, "managedBy")))
  errs.push(...validateCompletionMode(spec, field))
  if (spec.podFailurePolicy) errs.push(...validatePodFailurePolicy(spec, child(field, "podFailurePolicy")))
  if (spec.successPolicy && spec.completionMode !== "Indexed") {
    const msg = "requires indexed completion mode"
    errs.push(invalidValue(child(field, "successPolicy"), spec.successPolicy, msg))
  }
  const prp = spec.podReplacementPolicy
  if (prp !== undefined) {
    const allowed = spec.podFailurePolicy ? ["Failed"] : ["Failed", "TerminatingOrFailed"]
    if (!allowed.includes(prp)) errs.push(notSupported(child(field, "podReplacementPolicy"), prp, allowed))
  }
  errs.push(...validatePodTemplateSpec(spec.template, child(field, "template")))
  errs.push(...validateRestartPolicy(spec, field))
  return errs
}
