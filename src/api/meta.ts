/** The parts of every API object that all components rely on (types from kubernetes-types). */
import type { ObjectMeta as ReadonlyObjectMeta, OwnerReference, ListMeta } from "kubernetes-types/meta/v1.js"

export type { OwnerReference, ListMeta }

/** Removes `readonly` from the top-level fields of T. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Object metadata; the API server and controllers write its fields, so they are mutable here. */
export type ObjectMeta = Mutable<ReadonlyObjectMeta>

/** Any API object: plain JSON data, never a class. */
export interface ApiObject {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
  [field: string]: unknown
}

/** A list of objects as the API returns it. */
export interface List<T extends ApiObject = ApiObject> {
  apiVersion: string
  kind: string
  metadata: ListMeta
  items: T[]
}

/** A watch event as it travels on the wire. */
export interface WatchEvent<T extends ApiObject = ApiObject> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR"
  object: T
}

/** A namespaced name: `{ namespace, name }` (namespace empty for cluster-scoped objects). */
export interface ObjectKey {
  readonly namespace?: string
  readonly name: string
}

/** The queue key of an object: "ns/name", or "name" when cluster-scoped. */
export function keyOf(obj: ApiObject | ObjectKey): string {
  const m = "metadata" in obj ? obj.metadata : (obj as ObjectKey)
  const ns = m?.namespace
  return ns ? `${ns}/${m?.name ?? ""}` : (m?.name ?? "")
}

/** Splits a queue key back into namespace and name. */
export function parseKey(key: string): ObjectKey {
  const i = key.indexOf("/")
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) }
}

/** The controller owner reference of an object, if any. */
export function controllerOf(obj: ApiObject): OwnerReference | undefined {
  // A plain loop: controllers call it for every pod of every sync and every watch event.
  const refs = obj.metadata?.ownerReferences
  if (refs) for (let i = 0; i < refs.length; i++) if (refs[i]?.controller) return refs[i]
  return undefined
}

/** True when `owner` is the controller of `obj`. */
export function isControlledBy(obj: ApiObject, owner: ApiObject): boolean {
  const ref = controllerOf(obj)
  return !!ref && ref.uid === owner.metadata?.uid
}
