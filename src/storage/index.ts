/**
 * The store: a revisioned key/value log with watch (etcd's model). Backends: MemoryStore,
 * SqliteStore (the embedded default), EtcdStore (for high availability). Only the API server
 * and the composition roots import this folder. Imports only util.
 */
export type { Store, Entry, StoreEvent, ListOptions, ListResult } from "./store.ts"
export { prefixEnd } from "./store.ts"
export {
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
  CompactedError,
  StoreClosedError,
} from "./errors.ts"
export { MemoryStore } from "./memory.ts"
export { SqliteStore, type SqliteOptions } from "./sqlite.ts"
export { openStore, parseStoreUrl, type StoreDriver, type StoreUrl } from "./open.ts"
export { EtcdStore, openEtcdStore, type EtcdOptions } from "./etcd.ts"
