/**
 * The Store contract: a revisioned key/value log with watch, after etcd's model (and kine's).
 *
 * - One global revision counter. Every successful write (create, update, delete) gets the next
 *   revision; failed writes consume none, so acknowledged revisions are gapless and increasing.
 * - Values are opaque strings (the API server stores JSON). A delete leaves a tombstone in the
 *   history: watchers see a "delete" event carrying the deleted value.
 * - A write that resolved survives a crash of the process (backends that persist).
 * - `watch(prefix, from)` replays every change after `from` in revision order, then follows.
 *   History older than the compacted revision is gone: asking for it throws CompactedError.
 */
export interface Store {
  /** The latest value of `key`, or undefined when it does not exist. */
  get(key: string): Promise<Entry | undefined>
  /**
   * Live keys under `prefix` in key order, at the current revision or at `opts.revision`.
   * @throws CompactedError when `opts.revision` is older than the compacted revision
   */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>
  /** Creates `key`. @throws KeyExistsError when it exists */
  create(key: string, value: string): Promise<Entry>
  /**
   * Replaces the value of `key` if its latest revision is `expectedRevision`.
   * @throws KeyNotFoundError when the key does not exist
   * @throws RevisionConflictError when the key's revision differs (the error carries the current entry)
   */
  update(key: string, value: string, expectedRevision: number): Promise<Entry>
  /**
   * Deletes `key` (only if its latest revision is `expectedRevision`, when given).
   * Resolves to the deleted entry; its `revision` is the delete's revision.
   * @throws KeyNotFoundError, RevisionConflictError
   */
  delete(key: string, expectedRevision?: number): Promise<Entry>
  /**
   * Every change under `prefix` after revision `from` (exclusive), in order, then live changes
   * until `signal` aborts or the store closes. A consumer that falls too far behind is ended with
   * a CompactedError so it can re-list.
   * @throws CompactedError (from the iterator) when `from` is older than the compacted revision
   */
  watch(prefix: string, from: number, signal: AbortSignal): AsyncIterable<StoreEvent>
  /**
   * Discards history older than `revision`: lists at `revision` or later and watches from
   * `revision` or later keep working; earlier ones throw CompactedError.
   */
  compact(revision: number): Promise<void>
  /** The current (latest committed) revision. */
  revision(): Promise<number>
  /** The compacted revision: the oldest revision a watch or list may still start from. */
  compactedRevision(): Promise<number>
  /** Stops background work, ends watches and releases the backend. */
  close(): Promise<void>
}

/** What `list` takes. */
export interface ListOptions {
  /** At most this many entries; the result says whether more remain. */
  readonly limit?: number
  /** Start after this key (exclusive): the last key of the previous page. */
  readonly after?: string
  /** Read as of this revision instead of the current one. */
  readonly revision?: number
}

/** What `list` returns. */
export interface ListResult {
  readonly entries: Entry[]
  /** The revision the list was read at. */
  readonly revision: number
  /** True when `limit` cut the list short. */
  readonly more: boolean
  /** How many live keys under the prefix follow the returned page (when `more`). */
  readonly remaining: number
}

/** One key's value at one revision. */
export interface Entry {
  readonly key: string
  readonly value: string
  /** The revision of the write that produced this entry (etcd's mod_revision). */
  readonly revision: number
  /** The revision at which the key was created. */
  readonly createRevision: number
}

/** One change, as a watch delivers it. `prev` is the value before the change, when known. */
export interface StoreEvent {
  readonly type: "put" | "delete"
  readonly entry: Entry
  readonly prev?: Entry
}

/** The end of a prefix range: the smallest string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  return prefix + "\uffff"
}
