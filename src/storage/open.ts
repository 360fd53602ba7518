/** Opens a Store from a URL: `sqlite:///path/state.db`, `memory://`, `etcd://host:port[,host:port]`. */
import type { Store } from "./store.ts"

/** A backend constructor keyed by URL scheme (the map is built in cmd/). */
export type StoreDriver = (url: StoreUrl) => Promise<Store>

/** A parsed datastore URL. */
export interface StoreUrl {
  readonly scheme: string
  /** sqlite: the file path; etcd: unused. */
  readonly path: string
  /** etcd: the endpoints as `host:port`. */
  readonly hosts: string[]
  readonly params: URLSearchParams
}

/** Parses a datastore URL. @throws TypeError with the accepted forms when it is malformed */
export function parseStoreUrl(raw: string): StoreUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?]*)([^?]*)(?:\?(.*))?$/i.exec(raw.trim())
  if (!m) {
    throw new TypeError(
      `Cannot parse datastore URL "${raw}": use sqlite:///path/to/state.db, memory:// or etcd://host:port[,host:port]`,
    )
  }
  const [, scheme = "", authority = "", path = "", query = ""] = m
  const hosts = authority ? authority.split(",").filter(Boolean) : []
  return {
    scheme: scheme.toLowerCase(),
    path: decodeURIComponent(path),
    hosts,
    params: new URLSearchParams(query),
  }
}

/** Opens the store the URL names with the matching driver. */
export async function openStore(raw: string, drivers: Readonly<Record<string, StoreDriver>>): Promise<Store> {
  const url = parseStoreUrl(raw)
  const driver = drivers[url.scheme]
  if (!driver) {
    throw new TypeError(
      `Cannot open datastore "${raw}": unknown scheme "${url.scheme}" (known: ${Object.keys(drivers).join(", ")})`,
    )
  }
  return driver(url)
}
