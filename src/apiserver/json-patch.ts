/**
 * JSON patch (RFC 6902) applied as upstream applies it, with gopkg.in/evanphx/json-patch.v4
 * (v4.13, for PATCH requests and mutating webhooks' patches). Where that library departs from the
 * RFC, clients rely on it, so this does too:
 * - `replace` of a missing object member adds it (an array's index must exist);
 * - `replace` and `test` take the path "" (the whole document), the other operations do not;
 * - an index may be negative, counting from the end (`add` at -1 appends);
 * - a member whose value is null counts as missing on the way down a path, and `test` of a missing
 *   member passes when the value tested is null or absent; `copy` or `move` of a missing member
 *   writes null; `add` or `replace` without a value writes null;
 * - anything before a path's first `/` is ignored (`a/b` is `/b`).
 * Object members are read and written as own properties only: a `__proto__` or `constructor`
 * token names a member like any other. A failure throws JsonPatchError with the library's words.
 */
import { copyJson, goJsonEscape, goParseInt, jsonEqual, ownValue, setKey } from "../util/index.ts"

/** Why a JSON patch does not apply, in evanphx/json-patch v4's words. */
export class JsonPatchError extends Error {}

/** The most bytes `copy` operations may add to a document: upstream's JSONPatchMaxCopyBytes. */
export const MAX_COPY_BYTES = 3 * 1024 * 1024

type Container = Record<string, unknown> | unknown[]

/** Go's name for the JSON type of `v` (not null), as its decoder's errors name it. */
export function goJsonType(v: unknown): string {
  if (Array.isArray(v)) return "array"
  return typeof v === "boolean" ? "bool" : typeof v
}

/**
 * An operation's `path` or `from` string: Operation.Path/From, which take a missing or null
 * member for missing and fail to decode anything but a string.
 */
function pointer(op: Record<string, unknown>, k: "path" | "from"): string | JsonPatchError {
  const v = ownValue(op, k)
  if (v === undefined || v === null) {
    return new JsonPatchError(
      k === "path"
        ? "operation missing path field: missing value"
        : "operation, missing from field: missing value",
    )
  }
  if (typeof v !== "string")
    return new JsonPatchError(`json: cannot unmarshal ${goJsonType(v)} into Go value of type string`)
  return v
}

/** A reference token as RFC 6901 decodes it: `~1` is `/`, `~0` is `~`, in one pass. */
function decodeToken(t: string): string {
  return t.replace(/~[01]/g, (m) => (m === "~1" ? "/" : "~"))
}

/** strconv.Atoi's value of `key`, or its error. */
function atoi(key: string): bigint | JsonPatchError {
  const p = goParseInt(key)
  if (p.error !== undefined) return new JsonPatchError(p.error.replace("strconv.ParseInt", "strconv.Atoi"))
  return p.value
}

function invalidIndex(idx: bigint): JsonPatchError {
  return new JsonPatchError(`Unable to access invalid index: ${idx}: invalid index referenced`)
}

/** The position `idx` names among `length` (negative counts from the end). */
function position(idx: bigint, length: number): number | JsonPatchError {
  const len = BigInt(length)
  const at = idx < 0n ? idx + len : idx
  if (at < 0n || at >= len) return invalidIndex(idx)
  return Number(at)
}

/** The position `key` names in an array of `length` elements. */
function arrayIndex(key: string, length: number): number | JsonPatchError {
  const idx = atoi(key)
  return idx instanceof JsonPatchError ? idx : position(idx, length)
}

/** A member or element: undefined for a missing or null member (Go's nil node). */
function get(c: Container, key: string): unknown {
  if (!Array.isArray(c)) return ownValue(c, key) ?? undefined
  const i = arrayIndex(key, c.length)
  if (i instanceof JsonPatchError) throw i
  return c[i] ?? undefined
}

/** Inserts (an array) or sets (an object) `value` at `key`. */
function add(c: Container, key: string, value: unknown): void {
  if (!Array.isArray(c)) return setKey(c, key, value)
  if (key === "-") {
    c.push(value)
    return
  }
  const idx = atoi(key)
  if (idx instanceof JsonPatchError) {
    throw new JsonPatchError(`value was not a proper array index: '${key}': ${idx.message}`)
  }
  // One more place than elements: the end is a place to insert at.
  const at = position(idx, c.length + 1)
  if (at instanceof JsonPatchError) throw at
  c.splice(at, 0, value)
}

function remove(c: Container, key: string): void {
  if (!Array.isArray(c)) {
    if (!Object.hasOwn(c, key))
      throw new JsonPatchError(`Unable to remove nonexistent key: ${key}: missing value`)
    delete c[key]
    return
  }
  const i = arrayIndex(key, c.length)
  if (i instanceof JsonPatchError) throw i
  c.splice(i, 1)
}

/**
 * The object or array holding what `path` points at, and the last token: findObject, which
 * gives nothing for a path without `/`, or one passing a missing, null or scalar value.
 */
function parentOf(root: Container, path: string): { c: Container; key: string } | undefined {
  const tokens = path.split("/")
  if (tokens.length < 2) return undefined
  let c = root
  for (let i = 1; i < tokens.length - 1; i++) {
    let next: unknown
    try {
      next = get(c, decodeToken(tokens[i] as string))
    } catch {
      return undefined
    }
    if (typeof next !== "object" || next === null) return undefined
    c = next as Container
  }
  return { c, key: decodeToken(tokens[tokens.length - 1] as string) }
}

/** The length json.Marshal gives `v`: what a `copy` adds to the document. */
function marshalledLength(v: unknown): number {
  return v === undefined ? 0 : Buffer.byteLength(goJsonEscape(JSON.stringify(v)))
}

/** Runs `f`, prefixing the message of a JsonPatchError it throws. */
function wrapped<T>(prefix: string, f: () => T): T {
  try {
    return f()
  } catch (err) {
    if (err instanceof JsonPatchError) throw new JsonPatchError(`${prefix}: ${err.message}`)
    throw err
  }
}

function missing(message: string): JsonPatchError {
  return new JsonPatchError(`${message}: missing value`)
}

/** One patch application: the document (replaced whole by a `replace` of "") and what copies added. */
class Application {
  copied = 0

  constructor(
    public doc: Container,
    readonly maxCopyBytes: number,
  ) {}

  apply(op: unknown): void {
    // A null operation decodes to an empty one in Go: of unknown kind.
    const o = (op ?? {}) as Record<string, unknown>
    const named = ownValue(o, "op")
    const kind = typeof named === "string" ? named : "unknown"
    switch (kind) {
      case "add":
        return this.#add(o)
      case "remove":
        return this.#remove(o)
      case "replace":
        return this.#replace(o)
      case "move":
        return this.#move(o)
      case "test":
        return this.#test(o)
      case "copy":
        return this.#copy(o)
      default:
        throw new JsonPatchError(`Unexpected kind: ${kind}`)
    }
  }

  /** The operation's value, a copy (the patch stays as sent): null when it has none. */
  #value(o: Record<string, unknown>): unknown {
    return copyJson(ownValue(o, "value") ?? null)
  }

  #add(o: Record<string, unknown>): void {
    const path = pointer(o, "path")
    if (path instanceof JsonPatchError) throw missing("add operation failed to decode path")
    const at = parentOf(this.doc, path)
    if (!at) throw missing(`add operation does not apply: doc is missing path: "${path}"`)
    wrapped(`error in add for path: '${path}'`, () => add(at.c, at.key, this.#value(o)))
  }

  #remove(o: Record<string, unknown>): void {
    const path = pointer(o, "path")
    if (path instanceof JsonPatchError) throw missing("remove operation failed to decode path")
    const at = parentOf(this.doc, path)
    if (!at) throw missing(`remove operation does not apply: doc is missing path: "${path}"`)
    wrapped(`error in remove for path: '${path}'`, () => remove(at.c, at.key))
  }

  #replace(o: Record<string, unknown>): void {
    const path = pointer(o, "path")
    if (path instanceof JsonPatchError)
      throw new JsonPatchError(`replace operation failed to decode path: ${path.message}`)
    if (path === "") {
      const v = ownValue(o, "value")
      // Go wraps a nil error here: fmt's %w of nil.
      if (typeof v !== "object" || v === null) {
        throw new JsonPatchError("replace operation value must be object or array: %!w(<nil>)")
      }
      this.doc = copyJson(v) as Container
      return
    }
    const at = parentOf(this.doc, path)
    if (!at) throw missing(`replace operation does not apply: doc is missing path: ${path}`)
    if (Array.isArray(at.c)) {
      const i = arrayIndex(at.key, at.c.length)
      if (i instanceof JsonPatchError)
        throw missing(`replace operation does not apply: doc is missing key: ${path}`)
      at.c[i] = this.#value(o)
    } else setKey(at.c, at.key, this.#value(o))
  }

  /** Where an operation's `from` points (`op`: move or copy, for the errors' words). */
  #source(o: Record<string, unknown>, op: "move" | "copy"): { c: Container; key: string; from: string } {
    const from = pointer(o, "from")
    if (from instanceof JsonPatchError)
      throw new JsonPatchError(`${op} operation failed to decode from: ${from.message}`)
    const src = parentOf(this.doc, from)
    if (!src) throw missing(`${op} operation does not apply: doc is missing from path: ${from}`)
    return { ...src, from }
  }

  #move(o: Record<string, unknown>): void {
    const src = this.#source(o, "move")
    const val = wrapped(`error in move for path: '${src.key}'`, () => get(src.c, src.key))
    wrapped(`error in move for path: '${src.key}'`, () => remove(src.c, src.key))
    const path = pointer(o, "path")
    if (path instanceof JsonPatchError)
      throw new JsonPatchError(`move operation failed to decode path: ${path.message}`)
    const dst = parentOf(this.doc, path)
    if (!dst) throw missing(`move operation does not apply: doc is missing destination path: ${path}`)
    wrapped(`error in move for path: '${path}'`, () => add(dst.c, dst.key, val ?? null))
  }

  #test(o: Record<string, unknown>): void {
    const path = pointer(o, "path")
    if (path instanceof JsonPatchError)
      throw new JsonPatchError(`test operation failed to decode path: ${path.message}`)
    const expected = ownValue(o, "value")
    const failed = new JsonPatchError(`testing value ${path} failed: test failed`)
    if (path === "") {
      if (expected === undefined || !jsonEqual(this.doc, expected)) throw failed
      return
    }
    const at = parentOf(this.doc, path)
    if (!at) throw missing(`test operation does not apply: is missing path: ${path}`)
    const val = wrapped(`error in test for path: '${path}'`, () => get(at.c, at.key))
    if (val === undefined) {
      if (expected === undefined || expected === null) return
      throw failed
    }
    if (expected === undefined || !jsonEqual(val, expected)) throw failed
  }

  #copy(o: Record<string, unknown>): void {
    const src = this.#source(o, "copy")
    const val = wrapped(`error in copy for from: '${src.from}'`, () => get(src.c, src.key))
    const path = pointer(o, "path")
    if (path instanceof JsonPatchError) throw missing("copy operation failed to decode path")
    const dst = parentOf(this.doc, path)
    if (!dst) throw missing(`copy operation does not apply: doc is missing destination path: ${path}`)
    this.copied += marshalledLength(val)
    if (this.copied > this.maxCopyBytes) {
      throw new JsonPatchError(
        `Unable to complete the copy, the accumulated size increase of copy is ${this.copied}, exceeding the limit ${this.maxCopyBytes}`,
      )
    }
    wrapped("error while adding value during copy", () => add(dst.c, dst.key, copyJson(val ?? null)))
  }
}

/**
 * `ops` applied in order to a copy of `doc` (an object or array; `doc` is left as it is).
 * @throws JsonPatchError when an operation does not apply: the patch is then not applied at all
 */
export function applyJsonPatch(doc: object, ops: readonly unknown[], maxCopyBytes = MAX_COPY_BYTES): unknown {
  const a = new Application(copyJson(doc) as Container, maxCopyBytes)
  for (const op of ops) a.apply(op)
  return a.doc
}
