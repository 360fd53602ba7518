/**
 * Structural defaulting and pruning of custom resources, as upstream's codec does on every
 * write: nulls of non-nullable fields are dropped (or replaced by their default), `default`
 * fills absent fields top-down, and fields the schema does not specify are removed unless
 * `x-kubernetes-preserve-unknown-fields` keeps them. Mutates the object.
 */
import { type StructuralSchema as Schema, additionalOf, isPlainObject, itemsOf } from "../../api/index.ts"

const ROOT_KEPT = new Set(["apiVersion", "kind", "metadata"])

/** Fills defaults into `v` (an object or array) below schema `s`. */
export function applySchemaDefaults(s: Schema, v: unknown, root = false): void {
  if (Array.isArray(v)) {
    const items = itemsOf(s)
    if (items) for (const item of v) applySchemaDefaults(items, item)
    return
  }
  if (!isPlainObject(v)) return
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    if (root && ROOT_KEPT.has(name)) continue
    const cur = v[name]
    if (cur === null && !prop.nullable) delete v[name]
    if (v[name] === undefined && prop.default !== undefined) v[name] = structuredClone(prop.default)
    if (v[name] !== undefined) applySchemaDefaults(prop, v[name])
  }
  const extra = additionalOf(s)
  if (extra) for (const value of Object.values(v)) applySchemaDefaults(extra, value)
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key
}

/**
 * Removes from `v` every field `s` does not specify (the root keeps apiVersion, kind, metadata)
 * and returns their paths as upstream's strict decoding reports them (`spec.items[0].foo`).
 */
export function pruneUnknown(s: Schema, v: unknown, root = false, path = "", out: string[] = []): string[] {
  if (Array.isArray(v)) {
    const items = itemsOf(s)
    if (items) v.forEach((item, i) => pruneUnknown(items, item, false, `${path}[${i}]`, out))
    return out
  }
  if (!isPlainObject(v) || s["x-kubernetes-embedded-resource"]) return out
  const extra = additionalOf(s)
  const keepAll = s["x-kubernetes-preserve-unknown-fields"] === true || s.additionalProperties === true
  for (const [k, value] of Object.entries(v)) {
    if (root && ROOT_KEPT.has(k)) continue
    const prop = s.properties?.[k] ?? extra
    if (prop) pruneUnknown(prop, value, false, join(path, k), out)
    else if (!keepAll) {
      delete v[k]
      out.push(join(path, k))
    }
  }
  return out
}

/** Defaults then prunes a whole custom resource; returns the pruned paths. */
export function defaultAndPrune(s: Schema, obj: Record<string, unknown>): string[] {
  applySchemaDefaults(s, obj, true)
  return pruneUnknown(s, obj, true)
}
