/**
 * Small kinds of other groups: PodDisruptionBudgets (policy), PriorityClasses (scheduling)
 * and Leases (coordination).
 */
import type { Lease } from "kubernetes-types/coordination/v1.js"
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js"
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, notSupported } from "../field-errors.ts"
import { immutable } from "./_field.ts"
import { notMoreThan100Percent, validateIntOrPercent } from "./apps.ts"
import { validateLabelSelector } from "./labels.ts"
import { isQualifiedName, nameIsDnsSubdomain } from "./names.ts"
import { genericObjectMeta, validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validateEnum } from "./pod-spec.ts"

/** A PodDisruptionBudget: minAvailable or maxUnavailable, a valid selector and eviction policy. */
export function validatePodDisruptionBudget(
  pdb: PodDisruptionBudget,
  old?: PodDisruptionBudget,
): FieldError[] {
  const spec = pdb.spec ?? {}
  const errs: FieldError[] = []
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(invalidValue("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
  }
  for (const k of ["minAvailable", "maxUnavailable"] as const) {
    if (spec[k] === undefined) continue
    errs.push(...validateIntOrPercent(spec[k], `spec.${k}`), ...notMoreThan100Percent(spec[k], `spec.${k}`))
  }
  errs.push(...validateLabelSelector(spec.selector, "spec.selector"))
  const policy = spec.unhealthyPodEvictionPolicy
  if (policy !== undefined && policy !== "AlwaysAllow" && policy !== "IfHealthyBudget") {
    errs.push(notSupported("spec.unhealthyPodEvictionPolicy", policy, ["AlwaysAllow", "IfHealthyBudget"]))
  }
  return genericObjectMeta(pdb.metadata, old?.metadata, true, errs)
}

const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  "system-node-critical": 2000001000,
  "system-cluster-critical": 2000000000,
}
const HIGHEST_USER_PRIORITY = 1000000000

/** A PriorityClass: reserved `system-` names, the highest user value, and immutable value and policy. */
export function validatePriorityClass(pc: PriorityClass, old?: PriorityClass): FieldError[] {
  if (old) {
    const errs = validateObjectMetaUpdate(pc.metadata, old.metadata)
    if ((pc.value ?? 0) !== (old.value ?? 0))
      errs.push(forbidden("value", "may not be changed in an update."))
    errs.push(...immutable("preemptionPolicy", pc.preemptionPolicy ?? null, old.preemptionPolicy ?? null))
    return errs
  }
  const errs = validateObjectMeta(pc.metadata, { namespaced: false, name: nameIsDnsSubdomain })
  const name = pc.metadata?.name ?? ""
  const value = pc.value ?? 0
  if (name.startsWith("system-")) {
    const known = SYSTEM_PRIORITY_CLASSES[name]
    let reason = ""
    if (known === undefined) reason = `${name} is not a known system priority class`
    else if (known !== value) reason = `value of ${name} PriorityClass must be ${known}`
    else if (pc.globalDefault) reason = `globalDefault of ${name} PriorityClass must be false`
    if (reason) {
      errs.push(
        forbidden(
          "metadata.name",
          `priority class names with 'system-' prefix are reserved for system use only. error: ${reason}`,
        ),
      )
    }
  } else if (value > HIGHEST_USER_PRIORITY) {
    errs.push(
      forbidden("value", `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`),
    )
  }
  if (pc.preemptionPolicy !== undefined && pc.preemptionPolicy !== null) {
    errs.push(...validateEnum(pc.preemptionPolicy, ["PreemptLowerPriority", "Never"], "preemptionPolicy"))
  }
  return errs
}

/** A Lease: positive duration, non-negative transitions, a known strategy. */
export function validateLease(lease: Lease, old?: Lease): FieldError[] {
  const errs = old
    ? validateObjectMetaUpdate(lease.metadata, old.metadata)
    : validateObjectMeta(lease.metadata, { namespaced: true, name: nameIsDnsSubdomain })
  const spec = (lease.spec ?? {}) as NonNullable<Lease["spec"]> & {
    strategy?: string
    preferredHolder?: string
  }
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    errs.push(invalidValue("spec.leaseDurationSeconds", spec.leaseDurationSeconds, "must be greater than 0"))
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    errs.push(
      invalidValue("spec.leaseTransitions", spec.leaseTransitions, "must be greater than or equal to 0"),
    )
  }
  if (spec.strategy !== undefined) {
    if (!spec.strategy.includes("/")) {
      if (spec.strategy !== "OldestEmulationVersion")
        errs.push(notSupported("spec.strategy.strategy", spec.strategy, ["OldestEmulationVersion"]))
    } else
      errs.push(
        ...isQualifiedName(spec.strategy).map((m) =>
          invalidValue("spec.strategy.strategy", spec.strategy, m),
        ),
      )
  }
  if (spec.preferredHolder && !spec.strategy) {
    errs.push(forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"))
  }
  return errs
}
