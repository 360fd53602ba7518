/**
 * What one attempt of an update carries (the registry's update path, update.ts): its options,
 * the transform that makes the object to write, the stored value it starts from and what it
 * returns.
 */
import type { ApiObject } from "../../api/index.ts"
import type { RegistryDeps, Served, StoredValue } from "./context.ts"
import type { WriteOptions } from "./write.ts"

/** Options of update. */
export interface UpdateOptions extends WriteOptions {
  /** "" for the main resource, "status" for the status subresource, or another subresource. */
  readonly subresource?: string
  /**
   * A resourceVersion the request requires besides the one the object written carries (a
   * Scale's, the PodDisruptionBudget's of an eviction), if any: a mismatch is a 409.
   */
  readonly clientResourceVersion?: string
  /** Admitted already in another form (a Scale, a Binding): the update itself is not admitted. */
  readonly admitted?: boolean
  /**
   * An update of an existing object must name the resourceVersion it replaces (a PUT of a kind
   * whose upstream strategy refuses unconditional updates): one that names none is a 422.
   */
  readonly versionRequired?: boolean
  /** Create the object when it does not exist (PUT on kinds that allow it, server-side apply). */
  readonly createIfMissing?: boolean
  /**
   * The transform ignores the object it is given or only replaces its top-level or metadata
   * fields, never changing values inside them: it gets a shallow copy of the current object
   * rather than a deep one.
   */
  readonly shallowCurrent?: boolean
  /**
   * The uid a PUT's body names, which must be the stored object's, as upstream's PUT makes it a
   * precondition of the update: another is a 409 Conflict (see uid-precondition.ts). None or ""
   * is no precondition.
   */
  readonly uidPrecondition?: unknown
}

/** Makes the object to write from the current one (undefined when there is none). */
export type UpdateTransform = (current: ApiObject | undefined) => unknown | Promise<unknown>

/** What an update returns: the object as written (or as it stays), and whether it was created. */
export interface UpdateResult {
  object: ApiObject
  created: boolean
}

/** What updateObject needs of the registry. */
export interface UpdateHost {
  readonly deps: RegistryDeps
  toServed(s: Served, obj: ApiObject): ApiObject
  create(s: Served, namespace: string, body: unknown, opts?: WriteOptions): Promise<ApiObject>
}

/** What an update starts from: a stored value, and the watch cache's object when it is that one. */
export type Current = StoredValue & { readonly obj?: ApiObject }

/**
 * One attempt of an update: the registry, the resource, the key and the stored value it starts
 * from, the options, and whether the store was written to yet.
 */
export interface Attempt {
  readonly reg: UpdateHost
  readonly s: Served
  readonly key: string
  readonly cur: Current
  readonly opts: UpdateOptions
  /** `cur` is the watch cache's object, which may lag the store. */
  readonly fromCache: boolean
  /** Set once the store is written to. */
  started: boolean
}
