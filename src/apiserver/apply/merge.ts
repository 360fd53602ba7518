/**
 * The two value operations of server-side apply: merging an applied configuration into the live
 * object (the configuration wins; granular maps and structs merge key by key, associative lists
 * and sets item by item, keeping upstream's order), and removing a set of fields from an object.
 */
import { type Shape, childOf } from "../shapes.ts"
import { ownValue, setKey } from "../../util/index.ts"
import { type FieldSet, fieldPE, valuePE } from "./field-set.ts"
import { type Obj, isObj, itemPE, modeOf } from "./typed.ts"

/** `rhs` (the configuration) merged into `lhs` (the live value); neither is changed. */
export function merge(lhs: unknown, rhs: unknown, shape: Shape): unknown {
  if (rhs === undefined) return lhs
  if (lhs === undefined || lhs === null || rhs === null) return rhs
  const mode = modeOf(rhs, shape)
  switch (mode.kind) {
    case "fields": {
      if (!isObj(lhs)) return rhs
      const out: Obj = { ...lhs }
      for (const [k, v] of Object.entries(rhs as Obj)) {
        const m = merge(ownValue(out, k), v, childOf(shape, k).shape)
        if (m === null) delete out[k]
        else setKey(out, k, m)
      }
      return out
    }
    case "assoc":
      if (!Array.isArray(lhs)) return rhs
      return mergeItems(lhs, rhs as unknown[], {
        pe: (item, i) => itemPE(item, i, mode),
        merge: (l, r) => merge(l, r, mode.elem),
      })
    case "set":
      if (!Array.isArray(lhs)) return rhs
      return mergeItems(lhs, rhs as unknown[], { pe: (item) => valuePE(item), merge: (_l, r) => r })
    default:
      return rhs
  }
}

interface ItemOps {
  pe(item: unknown, i: number): string
  merge(lhs: unknown, rhs: unknown): unknown
}

/**
 * Merges two keyed lists the way upstream orders them: walking both, items only live stay where
 * they were, the configuration's items come in its order, shared items where the configuration
 * puts them relative to each other.
 */
function mergeItems(lhs: unknown[], rhs: unknown[], ops: ItemOps): unknown[] {
  const lpe = lhs.map((v, i) => ops.pe(v, i))
  const rpe = rhs.map((v, i) => ops.pe(v, i))
  const lByPE = new Map(lpe.map((pe, i) => [pe, lhs[i]]))
  const rSet = new Set(rpe)
  const shared = rpe.filter((pe) => lByPE.has(pe))
  let nextShared = shared.shift()
  const merged = new Set<string>()
  const out: unknown[] = []
  let l = 0
  let r = 0
  const takeRight = () => {
    const pe = rpe[r] as string
    merged.add(pe)
    out.push(ops.merge(lByPE.get(pe), rhs[r]))
    r++
    if (nextShared === pe) nextShared = shared.shift()
  }
  while (l < lpe.length || r < rpe.length) {
    if (l < lpe.length && r < rpe.length) {
      if (lpe[l] === rpe[r]) {
        takeRight()
        l++
        continue
      }
      // A shared item whose turn has not come: the configuration places it later.
      if (rSet.has(lpe[l] as string) && nextShared !== undefined && nextShared !== lpe[l]) {
        l++
        continue
      }
    }
    if (l < lpe.length) {
      if (!rSet.has(lpe[l] as string)) {
        out.push(lhs[l])
        l++
        continue
      }
      if (merged.has(lpe[l] as string)) l++
    }
    if (r < rpe.length) takeRight()
  }
  return out
}

/**
 * `value` without the members of `set` (a member removes its whole subtree); maps and lists left
 * empty by the removal disappear too. Returns undefined when the value itself is removed.
 */
export function removeItems(value: unknown, set: FieldSet, shape: Shape): unknown {
  if (set.member) return undefined
  if (set.children.size === 0) return value
  const mode = modeOf(value, shape)
  if (mode.kind === "fields") {
    const out: Obj = {}
    let removed = false
    for (const [k, v] of Object.entries(value as Obj)) {
      const sub = set.children.get(fieldPE(k))
      const kept = sub ? removeItems(v, sub, childOf(shape, k).shape) : v
      if (kept !== undefined) setKey(out, k, kept)
      else removed = true
    }
    return !removed || Object.keys(out).length ? out : undefined
  }
  if (mode.kind === "assoc" || mode.kind === "set") {
    const out: unknown[] = []
    let removed = false
    ;(value as unknown[]).forEach((item, i) => {
      const pe = mode.kind === "set" ? valuePE(item) : itemPE(item, i, mode)
      const sub = set.children.get(pe)
      const kept = sub ? removeItems(item, sub, mode.kind === "assoc" ? mode.elem : shape) : item
      if (kept !== undefined) out.push(kept)
      else removed = true
    })
    return !removed || out.length ? out : undefined
  }
  return value
}
