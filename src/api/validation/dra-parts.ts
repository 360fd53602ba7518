/**
 * The parts of requests, classes and devices that carry rules of their own: CEL selectors (too
 * long, or not compiling in the API server's compiler), opaque configuration with JSON object
 * parameters, device taints and tolerations, and binding conditions.
 */
import type { FieldError } from "../errors.ts"
import { duplicate, invalidValue, notSupported, required, tooLong } from "../field-errors.ts"
import type { DeviceConfiguration, DeviceSelector, DeviceTaint, DeviceToleration } from "../dra.ts"
import { child, index, pushInvalid } from "./_field.ts"
import { type DraContext, MAX_SELECTORS, validateDriverName, validateList } from "./dra-common.ts"
import { validateLabelName } from "./labels.ts"
import { isLabelValue } from "./names.ts"

const MAX_SELECTOR_LENGTH = 10 * 1024
const MAX_OPAQUE_PARAMETERS = 10 * 1024
const MAX_TAINTS = 16
const MAX_BINDING_CONDITIONS = 4

/** A selector: a CEL expression that is not too long and compiles to a bool. */
export function validateSelector(
  selector: DeviceSelector,
  field: string,
  ctx: DraContext,
  stored: boolean,
): FieldError[] {
  if (!selector.cel) return [required(child(field, "cel"), "")]
  const path = child(field, "cel", "expression")
  const expression = selector.cel.expression ?? ""
  if (expression.length > MAX_SELECTOR_LENGTH) return [tooLong(path, MAX_SELECTOR_LENGTH)]
  // A stored expression compiled when it was written: upstream compiles it again in the
  // environment of stored expressions, which accepts all it accepted then.
  if (stored) return []
  const err = ctx.compileSelector?.(expression)
  if (!err) return []
  if (err.type === "Required") return [required(path, err.detail)]
  if (err.type === "Internal")
    return [{ type: "InternalError", field: path, message: `Internal error: ${err.detail}` }]
  return [invalidValue(path, expression, err.detail)]
}

/** Selectors of a class or request. */
export function validateSelectors(
  selectors: readonly DeviceSelector[] | undefined,
  field: string,
  ctx: DraContext,
  stored = false,
): FieldError[] {
  return validateList(selectors, MAX_SELECTORS, field, (s, p) => validateSelector(s, p, ctx, stored))
}

/**
 * Raw JSON parameters: present, at most `max` bytes when new, a JSON object. The decoder hands
 * them over as parsed JSON; their size is that of their JSON text.
 */
export function validateRawExtension(
  value: unknown,
  field: string,
  stored: boolean,
  max: number,
): FieldError[] {
  if (value === undefined || value === null) return [required(field, "")]
  if (!stored && JSON.stringify(value).length > max) return [tooLong(field, max)]
  if (typeof value !== "object" || Array.isArray(value))
    return [invalidValue(field, "<value omitted>", "must be a valid JSON object")]
  return []
}

/** A configuration: opaque, with a driver name and JSON object parameters. */
export function validateDeviceConfiguration(
  config: DeviceConfiguration,
  field: string,
  stored: boolean,
): FieldError[] {
  if (!config.opaque) return [required(child(field, "opaque"), "")]
  const p = child(field, "opaque")
  return [
    ...validateDriverName(config.opaque.driver ?? "", child(p, "driver")),
    ...validateRawExtension(config.opaque.parameters, child(p, "parameters"), stored, MAX_OPAQUE_PARAMETERS),
  ]
}

const TAINT_EFFECTS = ["NoExecute", "NoSchedule", "None"]
const TOLERATION_OPERATORS = ["Equal", "Exists"]

function validateLabelValueAt(value: string, field: string): FieldError[] {
  const errs: FieldError[] = []
  pushInvalid(errs, field, value, isLabelValue(value))
  return errs
}

/** A device taint: a label key, a label value, a known effect. */
export function validateDeviceTaint(taint: DeviceTaint, field: string): FieldError[] {
  const errs = validateLabelName(taint.key ?? "", child(field, "key"))
  if (taint.value) errs.push(...validateLabelValueAt(taint.value, child(field, "value")))
  if (!taint.effect) errs.push(required(child(field, "effect"), ""))
  else if (!TAINT_EFFECTS.includes(taint.effect))
    errs.push(notSupported(child(field, "effect"), taint.effect, TAINT_EFFECTS))
  return errs
}

/** The taints of a device: at most 16. */
export function validateDeviceTaints(
  taints: readonly DeviceTaint[] | undefined,
  field: string,
): FieldError[] {
  return validateList(taints, MAX_TAINTS, field, validateDeviceTaint)
}

/** A device toleration: its operator decides what its value may be. */
export function validateDeviceToleration(t: DeviceToleration, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (t.key) errs.push(...validateLabelName(t.key, child(field, "key")))
  const value = t.value ?? ""
  if (t.operator === "Exists") {
    if (value) errs.push(invalidValue(child(field, "value"), value, "must be empty for operator `Exists`"))
  } else if (t.operator === "Equal") errs.push(...validateLabelValueAt(value, child(field, "value")))
  else if (!t.operator) errs.push(required(child(field, "operator"), ""))
  else errs.push(notSupported(child(field, "operator"), t.operator, TOLERATION_OPERATORS))
  if (t.effect && !TAINT_EFFECTS.includes(t.effect))
    errs.push(notSupported(child(field, "effect"), t.effect, TAINT_EFFECTS))
  return errs
}

/** Tolerations of a request or an allocated device. */
export function validateDeviceTolerations(
  tolerations: readonly DeviceToleration[] | undefined,
  field: string,
): FieldError[] {
  return validateList(tolerations, -1, field, validateDeviceToleration)
}

/** Binding conditions and failure conditions: label names, at most 4 each, both or neither, apart. */
export function validateBindingConditions(
  conditions: readonly string[] | undefined,
  failures: readonly string[] | undefined,
  field: string,
): FieldError[] {
  const ok = conditions ?? []
  const failed = failures ?? []
  const okField = child(field, "bindingConditions")
  const failedField = child(field, "bindingFailureConditions")
  const errs = [
    ...validateList(ok, MAX_BINDING_CONDITIONS, okField, validateLabelName),
    ...validateList(failed, MAX_BINDING_CONDITIONS, failedField, validateLabelName),
  ]
  const seen = new Set<string>()
  ok.forEach((c, i) => {
    if (seen.has(c)) errs.push(duplicate(index(okField, i), c))
    seen.add(c)
  })
  const seenFailed = new Set<string>()
  failed.forEach((c, i) => {
    if (seenFailed.has(c)) errs.push(duplicate(index(failedField, i), c))
    seenFailed.add(c)
    if (seen.has(c))
      errs.push(
        invalidValue(
          index(failedField, i),
          c,
          "bindingFailureConditions must not overlap with bindingConditions",
        ),
      )
  })
  if (!ok.length && failed.length)
    errs.push(invalidValue(okField, null, "bindingConditions are required to use bindingFailureConditions"))
  if (!failed.length && ok.length)
    errs.push(
      invalidValue(failedField, null, "bindingFailureConditions are required to use bindingConditions"),
    )
  return errs
}
