/**
 * JSON nulls as upstream's typed decoder leaves them. Go's decoder sets a pointer, slice or map
 * field that is null to nil and leaves any other field at its zero value, so a null field is as
 * good as absent; a null element of a list, or value of a map, becomes the element type's zero
 * value (`"ports": [null]` decodes as one empty ServicePort, `"labels": {"a": null}` as the label
 * `a` with an empty value). Upstream's defaulting and validation then only ever see typed values:
 * `[null]` ports are refused as a port 0 is (422), not answered with a crash. Objects of free-form
 * types (RawExtension, JSON) keep their nulls, as upstream keeps the bytes.
 */
import { isPlainObject, type schema } from "../api/index.ts"
import { planOf } from "./decode-types.ts"

/** Go's zero value of a list element or map value of type `t`, or null where upstream keeps a null. */
function zeroOf(t: string): unknown {
  const plan = planOf(t)
  switch (plan.is) {
    case "struct":
      return {}
    case "quantity":
      return "0"
    case "intOrString":
      return 0
    case "scalar":
      if (t === "bool") return false
      return t === "string" || t === "bytes" ? "" : 0
    default:
      // Free-form values keep their null; a zero time or duration is written as null by upstream too.
      return null
  }
}

/** Zeroes the nulls under field `f`'s value `v` (a list, a map or a single value). */
function field(v: unknown, f: schema.FieldSchema): void {
  if (f.map) {
    if (!isPlainObject(v) || Object.isFrozen(v)) return
    for (const k in v) {
      if (v[k] === null) v[k] = zeroOf(f.t)
      else value(v[k], f.t)
    }
    return
  }
  if (f.rep) {
    if (!Array.isArray(v) || Object.isFrozen(v)) return
    for (let i = 0; i < v.length; i++) {
      if (v[i] === null) v[i] = zeroOf(f.t)
      else value(v[i], f.t)
    }
    return
  }
  value(v, f.t)
}

/** Zeroes the nulls in `v`, a value of type `t`: a struct's null fields are removed. */
function value(v: unknown, t: string): void {
  if (!isPlainObject(v) || Object.isFrozen(v)) return
  const plan = planOf(t)
  if (plan.is !== "struct") return
  for (const name in v) {
    const f = plan.fields[name]
    if (!f) continue
    const x = v[name]
    if (x === null) delete v[name]
    else if (typeof x === "object") field(x, f)
  }
}

/**
 * Rewrites, in place, the nulls of `obj` (a decoded body of message `type`) as upstream's typed
 * decoder reads them (see the module comment). Objects already frozen (kept from a stored object,
 * which has no nulls) are left alone. `text`: the body's JSON, when there is one; a text without
 * `null` has nothing to rewrite.
 */
export function zeroNulls(obj: unknown, type: string | undefined, text?: string): void {
  if (!type || (text !== undefined && !text.includes("null"))) return
  value(obj, type)
}
