/**
 * The old value of each position of an updated object, as upstream correlates them for
 * transition rules and ratcheting: object fields and map keys by name, items of
 * x-kubernetes-list-type=map lists by their keys; other list items have none.
 */
import { isDeepStrictEqual } from "node:util"
import { type StructuralSchema as Schema, additionalOf, isPlainObject, itemsOf } from "../../../api/index.ts"

function keyOf(keys: readonly string[], item: unknown): string | undefined {
  if (!isPlainObject(item)) return undefined
  const parts: unknown[] = []
  for (const k of keys) {
    const v = item[k]
    if (v === undefined || (v !== null && typeof v === "object")) return undefined
    parts.push(v)
  }
  return JSON.stringify(parts)
}

/** The items of an old map-list by key (the first of equal keys), for finding an item's old self. */
export class MapList {
  readonly #keys: readonly string[]
  readonly #byKey = new Map<string, unknown>()

  constructor(schema: Schema, old: readonly unknown[]) {
    const keys = schema["x-kubernetes-list-map-keys"] ?? []
    this.#keys = schema["x-kubernetes-list-type"] === "map" ? keys : []
    if (!this.#keys.length) return
    for (const item of old) {
      const k = keyOf(this.#keys, item)
      if (k !== undefined && !this.#byKey.has(k)) this.#byKey.set(k, item)
    }
  }

  /** True when the list is a map-list whose items correlate by key. */
  get keyed(): boolean {
    return this.#keys.length > 0
  }

  /** The old item with `item`'s keys, if any. */
  get(item: unknown): unknown {
    if (!this.#keys.length) return undefined
    const k = keyOf(this.#keys, item)
    return k === undefined ? undefined : this.#byKey.get(k)
  }
}

/** A position of the new object with its correlated old value; compares them once. */
export class Correlated {
  #equal: boolean | undefined
  #mapList: MapList | undefined
  readonly #children = new Map<string | number, Correlated | undefined>()

  constructor(
    readonly value: unknown,
    readonly old: unknown,
    readonly schema: Schema | undefined,
  ) {}

  /** The child at field or key `name`, when both sides have it. */
  key(name: string): Correlated | undefined {
    if (this.#children.has(name)) return this.#children.get(name)
    let child: Correlated | undefined
    const s = this.schema
    if (s && isPlainObject(this.value) && isPlainObject(this.old)) {
      const v = this.value[name]
      const o = this.old[name]
      const sub = s.properties?.[name] ?? additionalOf(s)
      if (v !== undefined && o !== undefined && sub) child = new Correlated(v, o, sub)
    }
    this.#children.set(name, child)
    return child
  }

  /** The child at list index `i`, when it correlates (map-lists only). */
  index(i: number): Correlated | undefined {
    if (this.#children.has(i)) return this.#children.get(i)
    let child: Correlated | undefined
    const s = this.schema
    const items = s && itemsOf(s)
    if (s && items && Array.isArray(this.value) && Array.isArray(this.old) && i < this.value.length) {
      this.#mapList ??= new MapList(s, this.old)
      const old = this.#mapList.get(this.value[i])
      if (old !== undefined) child = new Correlated(this.value[i], old, items)
    }
    this.#children.set(i, child)
    return child
  }

  /** True when the new value equals the old one (a map-list's items in any order). */
  equal(): boolean {
    this.#equal ??= this.#compare()
    return this.#equal
  }

  #compare(): boolean {
    const { value, old } = this
    if (Array.isArray(value) && Array.isArray(old)) {
      if (value.length !== old.length) return false
      for (let i = 0; i < value.length; i++) {
        const child = this.index(i)
        if (!child) return !this.#mapList?.keyed && isDeepStrictEqual(value, old)
        if (!child.equal()) return false
      }
      return true
    }
    if (isPlainObject(value) && isPlainObject(old)) {
      const keys = Object.keys(value)
      if (keys.length !== Object.keys(old).length) return false
      return keys.every((k) => this.key(k)?.equal() ?? false)
    }
    return isDeepStrictEqual(value, old)
  }
}
