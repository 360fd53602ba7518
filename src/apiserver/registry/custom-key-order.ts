/**
 * The key order of custom resources: upstream holds their objects as Go maps, whose JSON
 * (encoding/json) writes object keys sorted at every level, whatever order the client wrote.
 * k8ts sorts a custom resource's object once, when it is written, so what is stored, answered,
 * listed and watched is in that order without sorting on reads; its metadata keeps a
 * resourceVersion key in its sorted place for the revision the write gets. (Keys JavaScript
 * orders first, array indices such as "10", keep JavaScript's order.)
 */
import type { ApiObject } from "../../api/index.ts"
import { setKey } from "../../util/index.ts"

type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false
  return true
}

/** inOrder of an object's own keys, read without making their array (decode asks it of every object). */
function keysInOrder(o: Obj): boolean {
  let prev: string | undefined
  for (const k in o) {
    if (prev !== undefined && prev > k) return false
    prev = k
  }
  return true
}

/** `v` with its object keys sorted at every level; `v` itself (no copy) where they already are. */
export function withSortedKeys<T>(v: T): T {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined
    for (let i = 0; i < v.length; i++) {
      const s = withSortedKeys(v[i])
      if (s !== v[i]) (out ??= v.slice())[i] = s
    }
    return (out ?? v) as T
  }
  if (!isObj(v)) return v
  const keys = Object.keys(v)
  // The values that changed, made only when one did: an object already in order allocates nothing.
  let changed: Map<string, unknown> | undefined
  for (const k of keys) {
    const s = withSortedKeys(v[k])
    if (s !== v[k]) (changed ??= new Map()).set(k, s)
  }
  if (!changed && inOrder(keys)) return v
  const out: Obj = {}
  for (const k of [...keys].sort()) setKey(out, k, changed?.has(k) ? changed.get(k) : v[k])
  return out as T
}

/**
 * `meta` with `key` set to `value` in its sorted place (a copy), when its keys are sorted and
 * it lacks `key`; otherwise `meta`, `key` set (last when it was missing).
 */
export function setInOrder(meta: Obj, key: string, value: unknown): Obj {
  if (key in meta) {
    meta[key] = value
    return meta
  }
  const keys = Object.keys(meta)
  if (!inOrder(keys)) {
    meta[key] = value
    return meta
  }
  const out: Obj = {}
  let placed = false
  for (const k of keys) {
    if (!placed && k > key) {
      setKey(out, key, value)
      placed = true
    }
    setKey(out, k, meta[k])
  }
  if (!placed) setKey(out, key, value)
  return out
}

/**
 * A custom resource's object as it is stored: keys sorted, and its metadata holding a
 * resourceVersion key in place (undefined, which JSON leaves out, until the write's revision is
 * stamped in).
 */
export function customStoredForm(obj: ApiObject): ApiObject {
  const sorted = withSortedKeys(obj)
  const meta = sorted.metadata as Obj | undefined
  if (!meta || "resourceVersion" in meta) return sorted
  const copy = sorted === obj ? { ...obj } : sorted
  // A copy: the sorted metadata lacks the key.
  copy.metadata = setInOrder(meta, "resourceVersion", undefined)
  return copy
}

/** True when the keys of `obj` and of its metadata are sorted (a custom resource's stored form). */
export function hasSortedKeys(obj: Obj): boolean {
  return keysInOrder(obj) && isObj(obj.metadata) && keysInOrder(obj.metadata)
}
