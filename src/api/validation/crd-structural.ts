/**
 * Whether a CRD version's openAPIV3Schema is structural, with upstream's messages: every
 * field typed, no unsupported keywords, value validations (allOf/anyOf/oneOf/not) that only
 * restrict, root metadata limited to name and generateName.
 */
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, required } from "../field-errors.ts"
import type { StructuralSchema as Schema } from "../crd-schema.ts"
import { child, index, key } from "./_field.ts"

type Level = "root" | "item" | "field"

const EMPTY_TYPE: Record<Level, string> = {
  root: "must not be empty at the root",
  item: "must not be empty for specified array items",
  field: "must not be empty for specified object fields",
}

const UNSUPPORTED = ["id", "additionalItems", "patternProperties", "definitions", "dependencies"] as const

function isIntOrStringAnyOf(list: Schema[] | undefined): boolean {
  return (
    list?.length === 2 &&
    list[0]?.type === "integer" &&
    list[1]?.type === "string" &&
    Object.keys(list[0]).length === 1 &&
    Object.keys(list[1]).length === 1
  )
}

function keywords(s: Schema, path: string): FieldError[] {
  const errs: FieldError[] = []
  for (const k of UNSUPPORTED)
    if (s[k] !== undefined) errs.push(forbidden(child(path, k), `${k} is not supported`))
  if (s.$ref !== undefined) errs.push(forbidden(child(path, "$ref"), "$ref is not supported"))
  if (s.type === "null") errs.push(forbidden(child(path, "type"), "type cannot be set to null"))
  if (Array.isArray(s.items))
    errs.push(forbidden(child(path, "items"), "items must be a schema object and not an array"))
  if (s.uniqueItems === true) {
    errs.push(
      forbidden(
        child(path, "uniqueItems"),
        "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
      ),
    )
  }
  if (s.additionalProperties !== undefined && s.properties && Object.keys(s.properties).length) {
    if (s.additionalProperties === false || typeof s.additionalProperties === "object") {
      errs.push(
        forbidden(
          child(path, "additionalProperties"),
          "additionalProperties and properties are mutual exclusive",
        ),
      )
    }
  }
  if (s["x-kubernetes-preserve-unknown-fields"] === false) {
    errs.push(
      invalidValue(child(path, "x-kubernetes-preserve-unknown-fields"), false, "must be true or undefined"),
    )
  }
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, "u")
    } catch (err) {
      errs.push(
        invalidValue(
          child(path, "pattern"),
          s.pattern,
          `must be a valid regular expression, but isn't: ${(err as Error).message}`,
        ),
      )
    }
  }
  return errs
}

function rootMetadata(s: Schema, path: string): FieldError[] {
  const errs: FieldError[] = []
  for (const [name, want] of [
    ["kind", "string"],
    ["apiVersion", "string"],
    ["metadata", "object"],
  ] as const) {
    const p = s.properties?.[name]
    if (p && p.type !== want)
      errs.push(
        invalidValue(child(key(child(path, "properties"), name), "type"), p.type ?? "", `must be ${want}`),
      )
  }
  const meta = s.properties?.metadata
  if (meta) {
    const { type: _t, properties, default: _d, ...rest } = meta
    const names = Object.keys(properties ?? {}).filter((n) => n !== "name" && n !== "generateName")
    if (names.length || Object.keys(rest).length) {
      errs.push(
        forbidden(
          key(child(path, "properties"), "metadata"),
          "must not specify anything other than name and generateName, but metadata is implicitly specified",
        ),
      )
    }
  }
  return errs
}

/** Checks of a schema under allOf/anyOf/oneOf/not: it may only restrict values. */
function nested(s: Schema, path: string, skipAnyOf: boolean): FieldError[] {
  const errs: FieldError[] = []
  const mustBe = (name: string, what: string) =>
    errs.push(forbidden(child(path, name), `must be ${what} to be structural`))
  if (s.type) mustBe("type", "empty")
  if (s.additionalProperties !== undefined) mustBe("additionalProperties", "undefined")
  if (s.default !== undefined) mustBe("default", "undefined")
  if (s.title) mustBe("title", "empty")
  if (s.description) mustBe("description", "empty")
  if (s.nullable) mustBe("nullable", "false")
  if (s["x-kubernetes-preserve-unknown-fields"]) mustBe("x-kubernetes-preserve-unknown-fields", "false")
  if (s["x-kubernetes-embedded-resource"]) mustBe("x-kubernetes-embedded-resource", "false")
  if (s["x-kubernetes-int-or-string"]) mustBe("x-kubernetes-int-or-string", "false")
  if (s["x-kubernetes-list-type"] !== undefined) mustBe("x-kubernetes-list-type", "undefined")
  if (s.properties?.metadata)
    errs.push(
      forbidden(key(child(path, "properties"), "metadata"), "must not be specified in a nested context"),
    )
  for (const [k, p] of Object.entries(s.properties ?? {}))
    errs.push(...nested(p, key(child(path, "properties"), k), false))
  if (s.items && !Array.isArray(s.items)) errs.push(...nested(s.items, child(path, "items"), false))
  errs.push(...junctors(s, path, skipAnyOf))
  return errs
}

function junctors(s: Schema, path: string, skipAnyOf: boolean): FieldError[] {
  const errs: FieldError[] = []
  if (!skipAnyOf)
    s.anyOf?.forEach((sub, i) => errs.push(...nested(sub, index(child(path, "anyOf"), i), false)))
  const allOfIntOrString = isIntOrStringAnyOf(s.allOf?.[0]?.anyOf)
  s.allOf?.forEach((sub, i) =>
    errs.push(...nested(sub, index(child(path, "allOf"), i), i === 0 && allOfIntOrString)),
  )
  s.oneOf?.forEach((sub, i) => errs.push(...nested(sub, index(child(path, "oneOf"), i), false)))
  if (s.not) errs.push(...nested(s.not, child(path, "not"), false))
  return errs
}

function typeErrors(s: Schema, level: Level, path: string): FieldError[] {
  const errs: FieldError[] = []
  const intOrString = !!s["x-kubernetes-int-or-string"]
  if (s["x-kubernetes-embedded-resource"] && s.type !== "object") {
    const msg = "must be object if x-kubernetes-embedded-resource is true"
    errs.push(s.type ? invalidValue(child(path, "type"), s.type, msg) : required(child(path, "type"), msg))
  } else if (!s.type && !intOrString && !s["x-kubernetes-preserve-unknown-fields"]) {
    errs.push(required(child(path, "type"), EMPTY_TYPE[level]))
  }
  if (level === "root" && s.type && s.type !== "object")
    errs.push(invalidValue(child(path, "type"), s.type, "must be object at the root"))
  if (intOrString && s["x-kubernetes-preserve-unknown-fields"]) {
    errs.push(
      invalidValue(
        child(path, "x-kubernetes-preserve-unknown-fields"),
        true,
        "must be false if x-kubernetes-int-or-string is true",
      ),
    )
  }
  return errs
}

function visit(s: Schema, level: Level, path: string): FieldError[] {
  const errs: FieldError[] = [...keywords(s, path), ...typeErrors(s, level, path)]
  if (s.type === "array" && s.items === undefined)
    errs.push(required(child(path, "items"), "must be specified"))
  if (s.items && !Array.isArray(s.items)) errs.push(...visit(s.items, "item", child(path, "items")))
  for (const [k, p] of Object.entries(s.properties ?? {}))
    errs.push(...visit(p, "field", key(child(path, "properties"), k)))
  if (typeof s.additionalProperties === "object") {
    if (level === "root")
      errs.push(forbidden(child(path, "additionalProperties"), "must not be used at the root"))
    errs.push(...visit(s.additionalProperties, "field", child(path, "additionalProperties")))
  }
  if (level === "root") errs.push(...rootMetadata(s, path))
  errs.push(...junctors(s, path, !!s["x-kubernetes-int-or-string"] && isIntOrStringAnyOf(s.anyOf)))
  return errs
}

/** The structural-schema errors of a version's openAPIV3Schema at `path`, sorted as upstream sorts them. */
export function validateStructuralSchema(s: Schema, path: string): FieldError[] {
  const errs = visit(s, "root", path)
  return errs.sort((a, b) => {
    const x = `${a.field}: ${a.message}`
    const y = `${b.field}: ${b.message}`
    return x < y ? -1 : x > y ? 1 : 0
  })
}
