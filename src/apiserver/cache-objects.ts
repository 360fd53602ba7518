/**
 * The objects of one watch-cache resource, by key, read as a Map. An object nothing has written
 * for a while in a large cache is kept only as its JSON (packed): a string, or bytes outside the
 * JavaScript heap, instead of a graph of hundreds of small objects that the garbage collector
 * copies out of the young generation and marks again at every major collection for as long as
 * the object lives (the API bench's 25,000 creates: ~7% less CPU per create, a heap a third the
 * size; keeping no pods at all would save ~25%). A read of a packed object parses its JSON again,
 * each time, into a fresh object; lists, GETs and selectors on name, namespace and labels use the
 * JSON and metadata as kept (raw, matchingKept).
 */
import type { ApiObject } from "../api/index.ts"
import { setObjectJson } from "./output.ts"
import type { ObjectFilter, PackedMetadata } from "./filter.ts"

/**
 * An object kept as its JSON, which has its resourceVersion, with its name, namespace and labels,
 * which lists and watches test selectors on, and its revision, which a read compares with the
 * store's, without parsing the JSON.
 */
export class PackedObject {
  #json: string | Buffer
  /** Its name, namespace and labels (the object's own, never changed). */
  readonly metadata: PackedMetadata
  /** Its resourceVersion, as a number (NaN when it has none). */
  readonly revision: number

  constructor(json: string | Buffer, obj: ApiObject) {
    this.#json = json
    const meta = obj.metadata
    this.metadata = { name: meta?.name, namespace: meta?.namespace, labels: meta?.labels ?? NO_LABELS }
    this.revision = Number(meta?.resourceVersion ?? NaN)
  }

  /** The object, parsed again (a fresh one on each call, its JSON known for encoding). */
  unpack(): ApiObject {
    return revive(this.#json)
  }

  /** The JSON, as kept. */
  get json(): string | Buffer {
    return this.#json
  }

  /** The JSON as UTF-8 bytes (a string's encoded once, then kept instead). */
  bytes(): Buffer {
    if (typeof this.#json === "string") this.#json = Buffer.from(this.#json)
    return this.#json
  }
}

/** Parses JSON an object was kept as, which then is the new object's encoding too. */
export function revive(json: string | Buffer): ApiObject {
  const obj = JSON.parse(typeof json === "string" ? json : json.toString("utf8")) as ApiObject
  setObjectJson(obj, json)
  return obj
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({})

function unpacked(v: ApiObject | PackedObject): ApiObject {
  return v instanceof PackedObject ? v.unpack() : v
}

/** A Map of objects whose entries may be packed; reads give objects, never to be changed. */
export class CacheObjects implements ReadonlyMap<string, ApiObject> {
  readonly #entries = new Map<string, ApiObject | PackedObject>()

  get size(): number {
    return this.#entries.size
  }

  has(key: string): boolean {
    return this.#entries.has(key)
  }

  /** The object at `key` (parsed again when packed). */
  get(key: string): ApiObject | undefined {
    const v = this.#entries.get(key)
    return v === undefined ? undefined : unpacked(v)
  }

  /** The entry as kept: the object, or its JSON when packed. */
  raw(key: string): ApiObject | PackedObject | undefined {
    return this.#entries.get(key)
  }

  set(key: string, obj: ApiObject): this {
    this.#entries.set(key, obj)
    return this
  }

  delete(key: string): boolean {
    return this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }

  /** Keeps the object at `key` as `json` (exactly its JSON), if `obj` still is the one there. */
  pack(key: string, obj: ApiObject, json: string | Buffer): void {
    if (this.#entries.get(key) === obj) this.#entries.set(key, new PackedObject(json, obj))
  }

  keys(): MapIterator<string> {
    return this.#entries.keys()
  }

  *values(): MapIterator<ApiObject> {
    for (const v of this.#entries.values()) yield unpacked(v)
  }

  *entries(): MapIterator<[string, ApiObject]> {
    for (const [k, v] of this.#entries) yield [k, unpacked(v)]
  }

  [Symbol.iterator](): MapIterator<[string, ApiObject]> {
    return this.entries()
  }

  forEach(
    fn: (value: ApiObject, key: string, map: ReadonlyMap<string, ApiObject>) => void,
    thisArg?: unknown,
  ): void {
    for (const [k, v] of this.#entries) fn.call(thisArg, unpacked(v), k, this)
  }
}

/**
 * The entries of `objects` whose keys start with `prefix` (a namespace's, say): keys tested
 * first, so only those objects are read (parsed, when packed).
 */
export function* entriesUnder<T>(objects: ReadonlyMap<string, T>, prefix: string): Generator<[string, T]> {
  for (const key of objects.keys()) {
    if (!key.startsWith(prefix)) continue
    const obj = objects.get(key)
    if (obj !== undefined) yield [key, obj]
  }
}

/**
 * The object as a list or watch gives it when it matches the filter: a packed one as its JSON for
 * a `raw` list, and tested on its metadata alone when the filter can be (parsed only when given).
 */
export function matchingKept(
  kept: ApiObject | PackedObject,
  filter: ObjectFilter,
  raw: boolean,
): ApiObject | PackedObject | undefined {
  if (!(kept instanceof PackedObject)) return filter.matches(kept) ? kept : undefined
  if (filter.selective && filter.matchesMetadata === undefined) {
    const obj = kept.unpack()
    return filter.matches(obj) ? obj : undefined
  }
  if (filter.selective && !filter.matchesMetadata?.(kept.metadata)) return undefined
  return raw ? kept : kept.unpack()
}
