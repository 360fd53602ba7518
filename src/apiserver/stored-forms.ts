/**
 * The values of a written object that upstream stores in one form whatever form they were written
 * in: metav1.Time and MicroTime (api's decodeMetaTime: in UTC, a Time to the second, a MicroTime to
 * the microsecond, the zero time null; `2026-01-02T05:04:05.789+02:00` reads back
 * `2026-01-02T03:04:05Z`) and resource.Quantity (its canonical string, as Quantity.MarshalJSON
 * writes it: `0.5` and `500m` read back `500m`, `1000m` reads back `1`, `1.5Gi` `1536Mi`). Only
 * the messages that hold such a field, themselves or below, are walked.
 */
import {
  decodeMetaTime,
  isPlainObject,
  jsonFieldsOf,
  parseQuantity,
  quantityString,
  schema,
} from "../api/index.ts"

/** Which stored form a field's values take. */
type Form = "time" | "micro" | "quantity"

/** A field worth walking: a value with a stored form (`form` says which) or a message holding one. */
interface FormField {
  readonly name: string
  readonly f: schema.FieldSchema
  readonly form: Form | undefined
}

let byType: ReadonlyMap<string, readonly FormField[]> | undefined

function formOf(t: string): Form | undefined {
  if (t === schema.TIME) return "time"
  if (t === schema.QUANTITY) return "quantity"
  return t === schema.MICRO_TIME ? "micro" : undefined
}

/** The fields of message `t` as declared (an inlined message is one field), none for free-form JSON. */
function declaredFields(t: string): readonly schema.FieldSchema[] {
  const ts = schema.typeSchema(t)
  return ts && !ts.alias && !schema.FREE_FORM_TYPES.has(t) ? Object.values(ts.f) : []
}

/** Every message holding a value with a stored form, with the fields that lead to one (worked out once). */
function formFieldsByType(): ReadonlyMap<string, readonly FormField[]> {
  if (byType) return byType
  const names = schema.typeNames()
  const holders = new Set<string>()
  for (let grew = true; grew;) {
    grew = false
    for (const n of names) {
      if (holders.has(n)) continue
      if (declaredFields(n).some((f) => formOf(f.t) !== undefined || holders.has(f.t))) {
        holders.add(n)
        grew = true
      }
    }
  }
  const out = new Map<string, FormField[]>()
  for (const n of holders) {
    // In JSON an inlined message's fields sit in its parent's object.
    const fields = Object.entries(jsonFieldsOf(n) ?? {})
      .filter(([, f]) => formOf(f.t) !== undefined || holders.has(f.t))
      .map(([name, f]) => ({ name, f, form: formOf(f.t) }))
    out.set(n, fields)
  }
  return (byType = out)
}

/** The stored form of `v` when it differs from `v`: a string, or null for the zero time. */
function rewritten(v: unknown, form: Form): string | null | undefined {
  if (form === "quantity") {
    // A JSON number is a quantity too; anything else was refused by the decode check.
    const q = parseQuantity(v)
    const stored = q && quantityString(q)
    return stored === undefined || stored === v ? undefined : stored
  }
  // Anything else was refused by the decode check (or, in an apply, is left as it is).
  if (typeof v !== "string") return undefined
  const d = decodeMetaTime(v, form === "micro")
  return d.error !== undefined || d.value === v ? undefined : d.value
}

/** The elements of a list or map field: values rewritten (a zero time null), messages walked. */
function elements(v: unknown, field: FormField, kept: unknown): void {
  const ok = field.f.map ? isPlainObject(v) : Array.isArray(v)
  if (!ok || v === kept || Object.isFrozen(v)) return
  const items = v as Record<string, unknown>
  const was = (typeof kept === "object" && kept !== null ? kept : {}) as Record<string, unknown>
  for (const k in items) {
    const x = items[k]
    if (x === null || x === undefined || x === was[k]) continue
    if (field.form === undefined) message(x, field.f.t, was[k])
    else {
      const r = rewritten(x, field.form)
      if (r !== undefined) items[k] = r
    }
  }
}

/** The fields of `v` with a stored form, a value of message `t`; `kept`: the stored value it was made from. */
function message(v: unknown, t: string, kept: unknown): void {
  if (!isPlainObject(v) || v === kept || Object.isFrozen(v)) return
  const fields = formFieldsByType().get(t)
  if (!fields) return
  const was = isPlainObject(kept) ? kept : undefined
  for (const field of fields) {
    const x = v[field.name]
    // A value kept as stored was stored in its final form.
    if (x === null || x === undefined || x === was?.[field.name]) continue
    if (field.f.map || field.f.rep) elements(x, field, was?.[field.name])
    else if (field.form === undefined) message(x, field.f.t, was?.[field.name])
    else {
      const r = rewritten(x, field.form)
      // A zero time is written null, which k8ts keeps as an absent field.
      if (r === null) delete v[field.name]
      else if (r !== undefined) v[field.name] = r
    }
  }
}

/**
 * Rewrites in place every time and quantity in `obj` (a value of message `type`) as upstream
 * stores it, but those `kept` (the stored object a patch or apply started from) holds unchanged.
 */
export function normalizeStored(obj: unknown, type: string | undefined, kept?: unknown): void {
  if (type) message(obj, type, kept)
}
