/** Typed storage errors. The API server maps them to API reasons in one place. */
import type { Entry } from "./store.ts"

/** `create` found the key already present. */
export class KeyExistsError extends Error {
  override name = "KeyExistsError"
  constructor(readonly key: string) {
    super(`Cannot create key "${key}": it already exists`)
  }
}

/** The key does not exist. */
export class KeyNotFoundError extends Error {
  override name = "KeyNotFoundError"
  constructor(readonly key: string) {
    super(`Key "${key}" not found`)
  }
}

/** A guarded write saw another revision than the one it expected. */
export class RevisionConflictError extends Error {
  override name = "RevisionConflictError"
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly current: Entry,
  ) {
    super(`Cannot write key "${key}": expected revision ${expected}, current is ${current.revision}`)
  }
}

/** The requested revision has been compacted away (etcd's "required revision has been compacted"). */
export class CompactedError extends Error {
  override name = "CompactedError"
  constructor(
    readonly requested: number,
    readonly compacted: number,
    message?: string,
  ) {
    super(message ?? `Revision ${requested} is compacted: the oldest retained revision is ${compacted}`)
  }
}

/** The store was closed while the operation was pending. */
export class StoreClosedError extends Error {
  override name = "StoreClosedError"
  constructor() {
    super("The store is closed")
  }
}
