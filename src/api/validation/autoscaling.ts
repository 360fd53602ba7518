/**
 * HorizontalPodAutoscalers, autoscaling/v2 and v1 (autoscaling validation): replica bounds, the
 * scale target, metric sources and targets, and scaling behavior. A v1 object is checked as
 * the v2 object it converts to, so its CPU target reports at `spec.metrics[0]`.
 */
import type {
  CrossVersionObjectReference,
  HorizontalPodAutoscaler as HpaV2,
  HPAScalingRules,
  MetricSpec,
  MetricTarget,
} from "kubernetes-types/autoscaling/v2.js"
import type { HorizontalPodAutoscaler as HpaV1 } from "kubernetes-types/autoscaling/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { parseQuantity } from "../quantity.ts"
import { validateLabelSelector } from "./labels.ts"
import { isPathSegmentName, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validateContainerResourceName } from "./resources.ts"

const SOURCE_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"]
const SOURCE_FIELDS: Record<string, string> = {
  Object: "object",
  Pods: "pods",
  Resource: "resource",
  External: "external",
  ContainerResource: "containerResource",
}

function validateRef(ref: CrossVersionObjectReference | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  for (const k of ["kind", "name"] as const) {
    const v = ref?.[k] ?? ""
    if (!v) errs.push(required(child(field, k), ""))
    else errs.push(...isPathSegmentName(v).map((m) => invalidValue(child(field, k), v, m)))
  }
  return errs
}

function positive(v: unknown): boolean {
  const q = parseQuantity(v)
  return !!q && q.nano > 0n
}

function validateTarget(t: MetricTarget | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  const type = t?.type ?? ""
  if (!type) errs.push(required(child(field, "type"), "must specify a metric target type"))
  if (type !== "Utilization" && type !== "Value" && type !== "AverageValue") {
    errs.push(invalidValue(child(field, "type"), type, "must be either Utilization, Value, or AverageValue"))
  }
  if (t?.value !== undefined && !positive(t.value))
    errs.push(invalidValue(child(field, "value"), t.value, "must be positive"))
  if (t?.averageValue !== undefined && !positive(t.averageValue))
    errs.push(invalidValue(child(field, "averageValue"), t.averageValue, "must be positive"))
  if (t?.averageUtilization !== undefined && t.averageUtilization < 1) {
    errs.push(
      invalidValue(child(field, "averageUtilization"), t.averageUtilization, "must be greater than 0"),
    )
  }
  return errs
}

function validateMetricId(m: { name?: string; selector?: unknown } | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (!m?.name) errs.push(required(child(field, "name"), "must specify a metric name"))
  errs.push(...validateLabelSelector(m?.selector as never, child(field, "selector")))
  return errs
}

function validateResourceSource(type: string, src: Record<string, any>, field: string): FieldError[] {
  const target = child(field, "target")
  const errs: FieldError[] = []
  if (!src.name) errs.push(required(child(field, "name"), "must specify a resource name"))
  else errs.push(...validateContainerResourceName(src.name, child(field, "name")))
  if (type === "containerResource" && !src.container) {
    errs.push(required(child(field, "container"), "must specify a container"))
  }
  errs.push(...validateTarget(src.target, target))
  const hasUtilization = src.target?.averageUtilization !== undefined
  const hasValue = src.target?.averageValue !== undefined
  if (!hasUtilization && !hasValue) {
    const msg = "must set either a target raw value or a target utilization"
    errs.push(required(child(target, "averageUtilization"), msg))
  }
  if (hasUtilization && hasValue) {
    const msg = "may not set both a target raw value and a target utilization"
    errs.push(forbidden(child(target, "averageValue"), msg))
  }
  return errs
}

function validateSource(type: string, src: Record<string, any>, field: string): FieldError[] {
  if (type === "resource" || type === "containerResource") return validateResourceSource(type, src, field)
  const target = child(field, "target")
  const errs = validateMetricId(src.metric, child(field, "metric"))
  errs.push(...validateTarget(src.target, target))
  if (type === "object") errs.push(...validateRef(src.describedObject, child(field, "describedObject")))
  if (type === "pods") {
    if (src.target?.averageValue === undefined) {
      errs.push(required(child(target, "averageValue"), "must specify a positive target averageValue"))
    }
  } else if (src.target?.value === undefined && src.target?.averageValue === undefined) {
    errs.push(required(child(target, "value"), "must set either a target value or averageValue"))
  }
  return errs
}

function validateMetric(m: MetricSpec, field: string): FieldError[] {
  const errs: FieldError[] = []
  const type = m.type ?? ""
  if (!type) errs.push(required(child(field, "type"), "must specify a metric source type"))
  if (!SOURCE_TYPES.includes(type)) errs.push(notSupported(child(field, "type"), type, SOURCE_TYPES))
  const sources = m as unknown as Record<string, any>
  const present = Object.values(SOURCE_FIELDS).filter((f) => sources[f] !== undefined)
  const first = present[0]
  if (first) errs.push(...validateSource(first, sources[first], child(field, first)))
  const expected = SOURCE_FIELDS[type]
  if (expected && !present.includes(expected))
    errs.push(required(child(field, expected), "must populate information for the given metric source"))
  if (present.length !== 1) {
    for (const f of present)
      if (f !== expected) errs.push(forbidden(child(field, f), "must populate the given metric source only"))
  }
  return errs
}

function validateRules(rules: HPAScalingRules | undefined, field: string): FieldError[] {
  if (!rules) return []
  const errs: FieldError[] = []
  const sws = rules.stabilizationWindowSeconds
  if (sws !== undefined && sws < 0)
    errs.push(
      invalidValue(child(field, "stabilizationWindowSeconds"), sws, "must be greater than or equal to zero"),
    )
  if (sws !== undefined && sws > 3600)
    errs.push(
      invalidValue(child(field, "stabilizationWindowSeconds"), sws, "must be less than or equal to 3600"),
    )
  if (rules.selectPolicy !== undefined && !["Max", "Min", "Disabled"].includes(rules.selectPolicy)) {
    errs.push(notSupported(child(field, "selectPolicy"), rules.selectPolicy, ["Max", "Min", "Disabled"]))
  }
  const policies = list(rules.policies)
  if (!policies.length) errs.push(required(child(field, "policies"), "must specify at least one Policy"))
  policies.forEach((p, i) => {
    const pp = index(child(field, "policies"), i)
    if (p.type !== "Pods" && p.type !== "Percent")
      errs.push(notSupported(child(pp, "type"), p.type ?? "", ["Percent", "Pods"]))
    if (!((p.value ?? 0) > 0))
      errs.push(invalidValue(child(pp, "value"), p.value ?? 0, "must be greater than zero"))
    if (!((p.periodSeconds ?? 0) > 0))
      errs.push(invalidValue(child(pp, "periodSeconds"), p.periodSeconds ?? 0, "must be greater than zero"))
    if ((p.periodSeconds ?? 0) > 1800)
      errs.push(
        invalidValue(child(pp, "periodSeconds"), p.periodSeconds, "must be less than or equal to 1800"),
      )
  })
  return errs
}

/** The v2 form of a v1 object, as upstream converts it before validating. */
function toV2(hpa: HpaV1): HpaV2 {
  const spec = hpa.spec
  const cpu = spec?.targetCPUUtilizationPercentage
  return {
    metadata: hpa.metadata,
    spec: {
      scaleTargetRef: spec?.scaleTargetRef as CrossVersionObjectReference,
      minReplicas: spec?.minReplicas,
      maxReplicas: spec?.maxReplicas as number,
      ...(cpu !== undefined
        ? {
            metrics: [
              {
                type: "Resource",
                resource: { name: "cpu", target: { type: "Utilization", averageUtilization: cpu } },
              },
            ],
          }
        : {}),
    },
  }
}

/** A HorizontalPodAutoscaler of either version on create, or on update when `old` is given. */
export function validateHorizontalPodAutoscaler(obj: HpaV2 | HpaV1, old?: HpaV2 | HpaV1): FieldError[] {
  const hpa = obj.apiVersion === "autoscaling/v1" ? toV2(obj as HpaV1) : (obj as HpaV2)
  const spec = hpa.spec
  const errs = old
    ? validateObjectMetaUpdate(obj.metadata, old.metadata)
    : validateObjectMeta(obj.metadata, { namespaced: true, name: nameIsDnsSubdomain })
  if (spec?.minReplicas !== undefined && spec.minReplicas < 1) {
    errs.push(invalidValue("spec.minReplicas", spec.minReplicas, "must be greater than or equal to 1"))
  }
  const max = spec?.maxReplicas ?? 0
  if (max < 1) errs.push(invalidValue("spec.maxReplicas", max, "must be greater than 0"))
  if (spec?.minReplicas !== undefined && max < spec.minReplicas) {
    errs.push(invalidValue("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"))
  }
  errs.push(...validateRef(spec?.scaleTargetRef, "spec.scaleTargetRef"))
  list(spec?.metrics).forEach((m, i) => errs.push(...validateMetric(m, index("spec.metrics", i))))
  if (spec?.behavior) {
    errs.push(...validateRules(spec.behavior.scaleUp, "spec.behavior.scaleUp"))
    errs.push(...validateRules(spec.behavior.scaleDown, "spec.behavior.scaleDown"))
  }
  return errs
}
