/**
 * metadata.managedFields read into per-manager field sets and written back, as upstream keys
 * and orders them: one entry per manager, operation, subresource and (for updates) apiVersion;
 * Apply entries before Update entries, then by time, manager, apiVersion and subresource.
 */
import { FieldSet } from "./field-set.ts"

/** One manager's ownership. */
export interface ManagerEntry {
  readonly manager: string
  readonly operation: "Apply" | "Update"
  readonly apiVersion: string
  readonly subresource?: string
  time?: string
  set: FieldSet
}

/** Every manager's ownership by identifier (see managerId). */
export type Managers = Map<string, ManagerEntry>

/** The wire form of one entry (meta/v1 ManagedFieldsEntry). */
export interface ManagedFieldsEntry {
  manager?: string
  operation?: string
  apiVersion?: string
  time?: string
  fieldsType?: string
  fieldsV1?: unknown
  subresource?: string
}

/** Upstream's manager identifier: appliers are one manager whatever apiVersion they apply. */
export function managerId(e: Omit<ManagerEntry, "set" | "time">): string {
  // The JSON of {manager, operation, apiVersion (updates), subresource}, written out.
  let id = "{"
  if (e.manager !== undefined) id += `"manager":${JSON.stringify(e.manager)},`
  id += `"operation":${JSON.stringify(e.operation)}`
  if (e.operation === "Update" && e.apiVersion !== undefined)
    id += `,"apiVersion":${JSON.stringify(e.apiVersion)}`
  if (e.subresource) id += `,"subresource":${JSON.stringify(e.subresource)}`
  return `${id}}`
}

/** How upstream names a manager in conflict messages: `"kubectl-client-side-apply" using apps/v1`. */
export function printManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager)
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`
  if (e.operation === "Update") s += ` using ${e.apiVersion}`
  return s
}

/**
 * The FieldsV1 each set read from a stored object came from. Sets never change once built, and
 * stored managedFields are in the canonical form encodeManagedFields writes, so a manager an
 * update leaves alone keeps its FieldsV1 as it was instead of having it encoded again.
 */
const storedForms = new WeakMap<FieldSet, unknown>()

/**
 * The set each stored FieldsV1 reads as: the object an update keeps unchanged (a manager it left
 * alone) is the next stored object's too, and the watch cache shares it, so it is read once.
 */
const storedSets = new WeakMap<object, FieldSet>()

function storedSet(fieldsV1: unknown): FieldSet {
  if (typeof fieldsV1 !== "object" || fieldsV1 === null) return FieldSet.fromFieldsV1(fieldsV1)
  let set = storedSets.get(fieldsV1)
  if (!set) {
    set = FieldSet.fromFieldsV1(fieldsV1)
    storedSets.set(fieldsV1, set)
    storedForms.set(set, fieldsV1)
  }
  return set
}

/**
 * Reads managedFields; `stored` when they are a stored object's (written by encodeManagedFields).
 * @throws Error with upstream's reason when an entry is malformed
 */
export function decodeManagedFields(list: unknown, stored = false): Managers {
  const out: Managers = new Map()
  if (list === undefined || list === null) return out
  if (!Array.isArray(list)) throw new Error("managedFields must be a list")
  list.forEach((raw: ManagedFieldsEntry, i) => {
    if (raw.operation !== "Apply" && raw.operation !== "Update") {
      throw new Error("operation must be `Apply` or `Update`")
    }
    if (!raw.apiVersion) throw new Error("apiVersion must not be empty")
    if (!raw.fieldsType) throw new Error(`missing fieldsType in managed fields entry ${i}`)
    if (raw.fieldsType !== "FieldsV1") {
      throw new Error(`invalid fieldsType "${raw.fieldsType}" in managed fields entry ${i}`)
    }
    const set = stored && raw.fieldsV1 ? storedSet(raw.fieldsV1) : FieldSet.fromFieldsV1(raw.fieldsV1 ?? {})
    const entry = withSet(
      { manager: raw.manager ?? "", operation: raw.operation, apiVersion: raw.apiVersion },
      set,
      raw.time,
      raw.subresource,
    )
    out.set(managerId(entry), entry)
  })
  return out
}

/** An entry and its time in milliseconds (parsed once per sort). */
type Timed = readonly [ManagerEntry, number]

/**
 * The entry of `base`'s manager owning `set` (and `time`, `subresource` when given), built key by
 * key: spreading `base` and adding keys would take V8's slow path on every write.
 */
export function withSet(
  base: Omit<ManagerEntry, "set">,
  set: FieldSet,
  time = base.time,
  subresource = base.subresource,
): ManagerEntry {
  const e: { -readonly [K in keyof ManagerEntry]: ManagerEntry[K] } = {
    manager: base.manager,
    operation: base.operation,
    apiVersion: base.apiVersion,
    set,
  }
  if (subresource) e.subresource = subresource
  if (time) e.time = time
  return e
}

function compareEntries([p, pt]: Timed, [q, qt]: Timed): number {
  if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1
  if (pt !== qt) return pt - qt
  for (const [a, b] of [
    [p.manager, q.manager],
    [p.apiVersion, q.apiVersion],
    [p.subresource ?? "", q.subresource ?? ""],
  ] as const) {
    if (a !== b) return a < b ? -1 : 1
  }
  return 0
}

/** The wire form of the managers, sorted as upstream sorts them; undefined when there are none. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] | undefined {
  const timed: Timed[] = []
  for (const e of managers.values()) if (!e.set.isEmpty()) timed.push([e, e.time ? Date.parse(e.time) : 0])
  if (timed.length === 0) return undefined
  return timed.sort(compareEntries).map(([e]) => {
    // Keys set one by one, in the wire order (no conditional spreads: V8's slow path).
    const out: ManagedFieldsEntry = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion }
    if (e.time) out.time = e.time
    out.fieldsType = "FieldsV1"
    out.fieldsV1 = storedForms.get(e.set) ?? e.set.toFieldsV1()
    if (e.subresource) out.subresource = e.subresource
    return out
  })
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/** Upstream's default manager: the user agent up to its first "/", printable, at most 128 bytes. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const slash = (userAgent ?? "").indexOf("/")
  const prefix = slash < 0 ? (userAgent ?? "") : (userAgent as string).slice(0, slash)
  // Printable ASCII within the limit (every client's) is kept whole.
  if (prefix.length <= 128 && PRINTABLE_ASCII.test(prefix)) return prefix
  let out = ""
  for (const ch of prefix) {
    if (!/\P{C}/u.test(ch)) continue
    if (Buffer.byteLength(out + ch) > 128) break
    out += ch
  }
  return out
}

/** How many Update entries an object keeps before the oldest fold into "ancient-changes". */
export const MAX_UPDATE_MANAGERS = 10

/** Folds the oldest Update entries into one "ancient-changes" entry per apiVersion, as upstream. */
export function capUpdateManagers(managers: Managers, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managers.entries()].filter(([, e]) => e.operation === "Update")
  if (updaters.length <= max) return
  const seconds = (e: ManagerEntry) => (e.time ? Math.floor(Date.parse(e.time) / 1000) : 0)
  updaters.sort(([ia, a], [ib, b]) => seconds(a) - seconds(b) || (ia < ib ? -1 : ia > ib ? 1 : 0))
  const firstOfVersion = new Map<string, string>()
  let length = updaters.length
  for (const [id, e] of updaters) {
    if (length <= max) break
    const bucketEntry = { manager: "ancient-changes", operation: "Update" as const, apiVersion: e.apiVersion }
    const bucket = managerId(bucketEntry)
    const first = firstOfVersion.get(e.apiVersion)
    if (first === undefined) {
      firstOfVersion.set(e.apiVersion, id)
      continue
    }
    if (!managers.has(bucket)) {
      const firstEntry = managers.get(first) as ManagerEntry
      managers.delete(first)
      managers.set(bucket, { ...bucketEntry, set: firstEntry.set })
    }
    const b = managers.get(bucket) as ManagerEntry
    managers.set(bucket, { ...bucketEntry, set: e.set.union(b.set), ...(e.time ? { time: e.time } : {}) })
    managers.delete(id)
    length--
  }
}
