/**
 * The OpenAPI v3 schema of a custom resource version (a CRD's `openAPIV3Schema`), with the
 * Kubernetes vendor extensions, and the JSON type names upstream's validator reports.
 */

/** One node of a structural schema. */
export interface StructuralSchema {
  type?: string
  format?: string
  description?: string
  title?: string
  properties?: Record<string, StructuralSchema>
  items?: StructuralSchema | StructuralSchema[]
  additionalProperties?: StructuralSchema | boolean
  required?: string[]
  enum?: unknown[]
  default?: unknown
  nullable?: boolean
  minimum?: number
  maximum?: number
  exclusiveMinimum?: boolean
  exclusiveMaximum?: boolean
  multipleOf?: number
  minLength?: number
  maxLength?: number
  pattern?: string
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  minProperties?: number
  maxProperties?: number
  allOf?: StructuralSchema[]
  anyOf?: StructuralSchema[]
  oneOf?: StructuralSchema[]
  not?: StructuralSchema
  id?: string
  $ref?: string
  patternProperties?: Record<string, StructuralSchema>
  additionalItems?: StructuralSchema | boolean
  definitions?: Record<string, StructuralSchema>
  dependencies?: Record<string, unknown>
  "x-kubernetes-preserve-unknown-fields"?: boolean
  "x-kubernetes-int-or-string"?: boolean
  "x-kubernetes-embedded-resource"?: boolean
  "x-kubernetes-list-type"?: string
  "x-kubernetes-list-map-keys"?: string[]
  "x-kubernetes-map-type"?: string
  "x-kubernetes-validations"?: ValidationRule[]
}

/** One CEL rule of a schema's `x-kubernetes-validations`. */
export interface ValidationRule {
  rule: string
  message?: string
  messageExpression?: string
  /** FieldValueInvalid (the default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate. */
  reason?: string
  /** Where the failure is reported, relative to the schema's position (`.spec.replicas`). */
  fieldPath?: string
  optionalOldSelf?: boolean
}

/** The JSON type of a value as the validator names it: "integer" for whole numbers. */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return "null"
  if (Array.isArray(v)) return "array"
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number"
  return typeof v
}

/** True for a plain JSON object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

/** The single items schema (CRDs forbid the tuple form). */
export function itemsOf(s: StructuralSchema): StructuralSchema | undefined {
  return Array.isArray(s.items) ? undefined : s.items
}

/** The schema of a map's values, when additionalProperties is a schema. */
export function additionalOf(s: StructuralSchema): StructuralSchema | undefined {
  return typeof s.additionalProperties === "object" ? s.additionalProperties : undefined
}
