/**
 * The zeros upstream's Go types cannot hold. A plain (not pointer) number, boolean or string
 * (named string types included) tagged `omitempty` reads a zero as "not set" and its JSON leaves
 * it out, so upstream never stores or answers `hostNetwork: false`, `hostPort: 0`, a
 * Deployment's `unavailableReplicas: 0` or an env var's `value: ""`, whoever wrote them (a JSON
 * body, a patch, protobuf, whose encoding always writes them). Pointer fields (`replicas`,
 * `runAsUser`, `terminatingReplicas`, `storageClassName`), whose zero is a choice, keep theirs.
 * The same for slices and maps tagged `omitempty`, left out empty: upstream never answers
 * `finalizers: []`, `labels: {}` or a Job's `conditions: []`. A slice or map without
 * `omitempty` that is empty comes back nil from upstream's protobuf storage, which its JSON writes
 * as null: a Role's `rules: []`, an EndpointSlice's `ports: []` or a projected volume's
 * `sources: []` read back `null`. Not where upstream's OpenAPI marks the field required (a
 * LimitRange's `limits`, a CSINode's `drivers`, an EndpointSlice's `endpoints`): the Python client
 * refuses a null there, and with it the whole response (kube-api-compat.md, H2), so those stay
 * `[]`. That null is the storage's, not the decoder's: withoutOmittedZeros gives what upstream
 * decodes (what defaulting, admission and validation see), asStored what it stores and answers.
 * The schema table marks the fields (`oz` and `oe`, from upstream's struct tags; `rep` and `map`).
 */
import { jsonFieldsOf, schema } from "../api/index.ts"
import { isRequiredField } from "./openapi/required-fields.ts"

type Json = Record<string, unknown>

/** A Go zero value as JSON writes it: 0, false or "". */
function isZero(v: unknown): boolean {
  return v === 0 || v === false || v === ""
}

/** An empty list or map. */
function isEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0
  if (typeof v !== "object" || v === null) return false
  for (const _ in v) return false
  return true
}

/** Whether field `f` holding `v` is left out of Go's JSON: a zero of an `oz` field, an empty `oe` one. */
function omitted(f: schema.FieldSchema, v: unknown): boolean {
  return (f.oz === true && isZero(v)) || (f.oe === true && isEmpty(v))
}

/** A slice or map field without omitempty: stored empty, it reads back null. */
function nilWhenEmpty(f: schema.FieldSchema): boolean {
  return (f.rep === true || f.map !== undefined) && f.oe !== true
}

/**
 * Whether `v`, field `name` (`f`) of message `type`, is an empty list or map upstream reads back
 * null, and k8ts too: not a required one (see the module comment).
 */
function readsBackNull(type: string, name: string, f: schema.FieldSchema, v: unknown): boolean {
  return nilWhenEmpty(f) && isEmpty(v) && !isRequiredField(type, name)
}

/** Whether `value` of field `name` of message `type` is a zero Go's JSON would leave out. */
export function omittedZero(type: string, name: string, value: unknown): boolean {
  const f = schema.typeSchema(type)?.f[name]
  return f !== undefined && omitted(f, value)
}

/** What a field's value becomes in one rewrite: `SAME` keeps it (and walks into it). */
const SAME = Symbol("same")

/** One rewrite of a JSON value along the schema table. */
interface Rewrite {
  /** Whether the rewrite may change a field of this schema itself (it walks to the messages holding one). */
  readonly touches: (f: schema.FieldSchema) => boolean
  /** What `v`, field `name` (`f`) of message `type`, becomes: `SAME`, undefined (left out) or another value. */
  readonly field: (type: string, name: string, f: schema.FieldSchema, v: unknown) => unknown
  /** The messages that have a field it touches, themselves or anywhere below; found on first use. */
  holders?: ReadonlySet<string>
  /** Each message's plan (null: nothing to walk), made on first use. */
  readonly plans: Map<string, Plan | null>
}

/**
 * How a rewrite walks a message: only its JSON fields that it may change or that lead to one it
 * may change, so a walk looks each key of a value up once and skips the rest.
 */
interface Plan {
  readonly type: string
  readonly fields: ReadonlyMap<string, FieldPlan>
}

interface FieldPlan {
  readonly f: schema.FieldSchema
  /** The rewrite may change the field itself (Rewrite.touches). */
  readonly touched: boolean
  /** Its message (`f.t`) holds a field the rewrite may change: the walk goes into it. */
  readonly holder: boolean
}

const ZEROS: Rewrite = {
  touches: (f) => f.oz === true || f.oe === true,
  field: (_type, _name, f, v) => (omitted(f, v) ? undefined : SAME),
  plans: new Map(),
}

const NILS: Rewrite = {
  touches: nilWhenEmpty,
  field: (type, name, f, v) => (readsBackNull(type, name, f, v) ? null : SAME),
  plans: new Map(),
}

/** The messages worth walking for `rw` (see Rewrite.holders). */
function holdersOf(rw: Rewrite): ReadonlySet<string> {
  if (rw.holders) return rw.holders
  const found = new Set<string>()
  const names = schema.typeNames()
  for (const n of names) {
    if (Object.values(schema.typeSchema(n)?.f ?? {}).some(rw.touches)) found.add(n)
  }
  for (let grew = true; grew;) {
    grew = false
    for (const n of names) {
      if (found.has(n)) continue
      if (Object.values(schema.typeSchema(n)?.f ?? {}).some((f) => found.has(f.t))) {
        found.add(n)
        grew = true
      }
    }
  }
  return (rw.holders = found)
}

/** The plan of `rw` for message `type`; null when no value of it changes. */
function planOf(rw: Rewrite, type: string): Plan | null {
  let plan = rw.plans.get(type)
  if (plan !== undefined) return plan
  plan = null
  const holders = holdersOf(rw)
  const t = schema.typeSchema(type)
  const fields = holders.has(type) && t && !t.alias ? jsonFieldsOf(type) : undefined
  if (fields) {
    const kept = new Map<string, FieldPlan>()
    for (const [name, f] of Object.entries(fields)) {
      // A field neither changed nor leading to one is left as it is (its rw.field is SAME).
      const touched = rw.touches(f)
      const holder = holders.has(f.t)
      if (touched || holder) kept.set(name, { f, touched, holder })
    }
    plan = { type, fields: kept }
  }
  rw.plans.set(type, plan)
  return plan
}

function isJson(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

/** The value of one field `f`, rewritten below it (itself when nothing changes). */
function rewriteChild(rw: Rewrite, f: schema.FieldSchema, v: unknown): unknown {
  const plan = planOf(rw, f.t)
  if (plan === null) return v
  if (f.map && isJson(v)) {
    let m = v
    for (const k in v) {
      const x = v[k]
      const y = rewritten(rw, plan, x)
      if (y === x) continue
      if (m === v) m = { ...v }
      m[k] = y
    }
    return m
  }
  if (f.rep && Array.isArray(v)) {
    let items = v
    for (let i = 0; i < v.length; i++) {
      const y = rewritten(rw, plan, v[i])
      if (y === v[i]) continue
      if (items === v) items = v.slice()
      items[i] = y
    }
    return items
  }
  return rewritten(rw, plan, v)
}

/**
 * `value`, a JSON value of message `type`, rewritten by `rw`. Copies only what it changes: `value`
 * itself (which may share parts with a cached object) is never modified, and comes back as is
 * when nothing changes. Walks the keys the value has (through the type's JSON fields, inlined
 * structs flattened in), not every field the type declares: it runs on every write of a built-in
 * kind.
 */
function rewrite(rw: Rewrite, type: string, value: unknown): unknown {
  const plan = planOf(rw, type)
  return plan === null ? value : rewritten(rw, plan, value)
}

/** rewrite along the plan of the value's message. */
function rewritten(rw: Rewrite, plan: Plan, value: unknown): unknown {
  if (!isJson(value)) return value
  const fields = plan.fields
  let out = value
  for (const name in value) {
    const p = fields.get(name)
    if (p === undefined) continue
    const v = value[name]
    if (v === undefined || v === null) continue
    const own = p.touched ? rw.field(plan.type, name, p.f, v) : SAME
    if (own === SAME && !p.holder) continue
    const next = own === SAME ? rewriteChild(rw, p.f, v) : own
    if (next === v) continue
    if (out === value) out = { ...value }
    if (next === undefined) delete out[name]
    else out[name] = next
  }
  return out
}

/**
 * `value`, a JSON value of message `type`, without the zeros Go's JSON leaves out, as upstream
 * decodes a body into its Go types. Copies only what it changes (see rewrite).
 */
export function withoutOmittedZeros(type: string, value: unknown): unknown {
  return rewrite(ZEROS, type, value)
}

/**
 * `value`, a JSON value of message `type` about to be stored, as upstream's storage reads it back:
 * its empty lists and maps without omitempty null, the required ones excepted (see the module
 * comment). For what is written and answered once admission and validation are done, never for
 * what they see: upstream's nil comes from the storage round trip. Copies only what it changes.
 */
export function asStored(type: string, value: unknown): unknown {
  return rewrite(NILS, type, value)
}
