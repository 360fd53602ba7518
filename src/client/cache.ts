/** An indexed in-memory cache of API objects, keyed "ns/name" (client-go's Indexer). */
import { type ApiObject, keyOf } from "../api/index.ts"
import { deepFreeze } from "../util/index.ts"

/** The values an object is filed under in one index (none: not indexed). */
export type IndexFunc<T extends ApiObject = ApiObject> = (obj: T) => readonly string[]

/** The built-in index of objects by `metadata.namespace`. */
export const BY_NAMESPACE = "namespace"
/** The built-in index of objects by the uid of each of their `metadata.ownerReferences`. */
export const BY_OWNER = "owner"
/** The built-in index of objects by `spec.nodeName` (pods bound to a node). */
export const BY_NODE_NAME = "nodeName"

/** No index values (shared: the built-in indexers run for every object an informer caches). */
const NONE: readonly string[] = Object.freeze([])

const BUILTIN_INDEXERS: Readonly<Record<string, IndexFunc>> = {
  [BY_NAMESPACE]: (obj) => (obj.metadata?.namespace ? [obj.metadata.namespace] : NONE),
  [BY_OWNER]: (obj) => {
    const refs = obj.metadata?.ownerReferences
    return refs?.length ? refs.map((r) => r.uid) : NONE
  },
  [BY_NODE_NAME]: (obj) => {
    const node = (obj.spec as { nodeName?: unknown } | undefined)?.nodeName
    return typeof node === "string" && node ? [node] : NONE
  },
}

/** One index: its function and the keys filed under each value. */
interface Index<T extends ApiObject> {
  readonly name: string
  readonly fn: IndexFunc<T>
  readonly byValue: Map<string, Set<string>>
  /**
   * False for a built-in index nobody looked up yet: it is filled at its first lookup and kept
   * from then on. Most readers use one or two of them (a kubelet the node index, the ReplicaSet
   * controller the owner index), and keeping the others would cost every change of every object.
   */
  built: boolean
}

/**
 * A read-only view of an informer's cache. It is eventually consistent with the API server.
 * Objects are deeply frozen and shared: clone before editing (`structuredClone`).
 */
export interface Cache<T extends ApiObject> {
  /** The object with queue key `key` ("ns/name", or "name" when cluster-scoped). */
  get(key: string): T | undefined
  /** Every object, or those of one namespace. */
  list(namespace?: string): T[]
  /** The objects filed under `value` in index `index` (BY_OWNER, BY_NODE_NAME or a custom one). */
  byIndex(index: string, value: string): T[]
  /** Every key. */
  keys(): string[]
  /** How many objects the cache holds. */
  readonly size: number
}

/** A Cache with the built-in indexes plus custom ones, written to by an informer. */
export class IndexedCache<T extends ApiObject> implements Cache<T> {
  readonly #items = new Map<string, T>()
  /**
   * Each cached object's values in each index (in #list's order), as filed: an update compares
   * the new object's with them instead of running every indexer on the old object again.
   */
  readonly #filed = new Map<string, (readonly string[])[]>()
  /** The indexes in the order they were added (an array: set() walks them for every object). */
  readonly #list: Index<T>[] = []
  readonly #indexes = new Map<string, Index<T>>()

  constructor(indexers: Readonly<Record<string, IndexFunc<T>>> = {}) {
    for (const [name, fn] of Object.entries(BUILTIN_INDEXERS)) {
      if (!(name in indexers)) this.#add(name, fn as IndexFunc<T>, false)
    }
    for (const [name, fn] of Object.entries(indexers)) this.addIndexer(name, fn)
  }

  /** Adds an index and files every object already cached under it. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.#indexes.has(name)) throw new TypeError(`Cannot add indexer "${name}": it exists`)
    this.#add(name, fn, true)
  }

  #add(name: string, fn: IndexFunc<T>, build: boolean): void {
    const index: Index<T> = { name, fn, byValue: new Map(), built: false }
    this.#indexes.set(name, index)
    this.#list.push(index)
    if (build) this.#build(index)
  }

  /** Files every cached object under `index`, which keeps them filed from then on. */
  #build(index: Index<T>): void {
    const at = this.#list.indexOf(index)
    for (const [key, obj] of this.#items) {
      const values = index.fn(obj)
      fileValues(index, key, values)
      const filed = this.#filed.get(key)
      if (filed) filed[at] = values
    }
    index.built = true
  }

  /** True when an index of that name exists. */
  hasIndex(name: string): boolean {
    return this.#indexes.has(name)
  }

  get size(): number {
    return this.#items.size
  }

  get(key: string): T | undefined {
    return this.#items.get(key)
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.#items.values()]
    return this.byIndex(BY_NAMESPACE, namespace)
  }

  byIndex(index: string, value: string): T[] {
    const found = this.#indexes.get(index)
    if (!found) throw new TypeError(`Cannot look up index "${index}": no such indexer`)
    if (!found.built) this.#build(found)
    const keys = found.byValue.get(value)
    if (!keys) return []
    const out: T[] = []
    for (const k of keys) {
      const obj = this.#items.get(k)
      if (obj) out.push(obj)
    }
    return out
  }

  keys(): string[] {
    return [...this.#items.keys()]
  }

  /** Stores `obj` (frozen) and returns the object it replaced. */
  set(obj: T): T | undefined {
    const key = keyOf(obj)
    const old = this.#items.get(key)
    deepFreeze(obj)
    this.#items.set(key, obj)
    const indexes = this.#list
    let filed = this.#filed.get(key)
    if (!filed) this.#filed.set(key, (filed = []))
    for (let i = 0; i < indexes.length; i++) {
      const index = indexes[i] as Index<T>
      if (!index.built) continue
      const values = index.fn(obj)
      const before = filed[i]
      if (before !== undefined) {
        // Most updates leave an object's index values as they were: then nothing moves.
        if (sameValues(before, values)) continue
        unfile(index, key, before)
      }
      fileValues(index, key, values)
      filed[i] = values
    }
    return old
  }

  /** Removes the object with queue key `key` and returns it. */
  delete(key: string): T | undefined {
    const old = this.#items.get(key)
    if (!old) return undefined
    const filed = this.#filed.get(key) ?? []
    const indexes = this.#list
    for (let i = 0; i < indexes.length; i++) {
      const before = filed[i]
      if (before !== undefined) unfile(indexes[i] as Index<T>, key, before)
    }
    this.#items.delete(key)
    this.#filed.delete(key)
    return old
  }
}

function fileValues(
  index: { readonly byValue: Map<string, Set<string>> },
  key: string,
  values: readonly string[],
): void {
  for (const v of values) {
    let keys = index.byValue.get(v)
    if (!keys) index.byValue.set(v, (keys = new Set()))
    keys.add(key)
  }
}

function unfile(
  index: { readonly byValue: Map<string, Set<string>> },
  key: string,
  values: readonly string[],
): void {
  for (const v of values) {
    const keys = index.byValue.get(v)
    if (!keys) continue
    keys.delete(key)
    if (keys.size === 0) index.byValue.delete(v)
  }
}

/** True when two lists of index values are the same, in the same order. */
function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
