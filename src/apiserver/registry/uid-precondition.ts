/**
 * The uid precondition of a PUT: the uid its body names must be the stored object's, as
 * upstream's update handler makes it a storage precondition (defaultUpdatedObjectInfo's
 * Preconditions) that its store checks on the object it reads, before the update is made.
 */
import { conflict } from "../../api/index.ts"
import type { Served } from "./context.ts"
import { qualified } from "./write.ts"

/** The etcd key prefixes upstream's storage factory gives some built-in resources instead of their name. */
const SPECIAL_PREFIXES: Readonly<Record<string, string>> = {
  "/replicationcontrollers": "controllers",
  "/endpoints": "services/endpoints",
  "/nodes": "minions",
  "/services": "services/specs",
  "networking.k8s.io/ingresses": "ingress",
  "events.k8s.io/events": "events",
}

/** The groups whose servers prefix their keys with the group (the extensions and aggregation servers'). */
const GROUP_PREFIXED = new Set(["apiextensions.k8s.io", "apiregistration.k8s.io"])

/**
 * The key upstream's etcd storage holds an object under (`/registry/services/endpoints/ns/x`,
 * `/registry/deployments/ns/x`, `/registry/example.com/widgets/ns/x`): its errors name it.
 */
export function upstreamStorageKey(s: Served, namespace: string, name: string): string {
  const { group, resource, namespaced, custom } = s.info
  const prefix =
    custom || GROUP_PREFIXED.has(group)
      ? `${group}/${resource}`
      : (SPECIAL_PREFIXES[`${group}/${resource}`] ?? resource)
  return namespaced ? `/registry/${prefix}/${namespace}/${name}` : `/registry/${prefix}/${name}`
}

/** Upstream's storage precondition failure (`what`: UID or ResourceVersion), as the update's conflict carries it. */
export function preconditionFailed(key: string, what: string, wanted: string, found: string): string {
  return (
    `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: ` +
    `Precondition failed: ${what} in precondition: ${wanted}, ${what} in object meta: ${found}`
  )
}

/**
 * Checks the uid a PUT's body names (`wanted`; none is no precondition) against the stored
 * object's (`found`, "" when there is none: a create-on-update then conflicts as upstream's,
 * whose store checks the empty object it starts from).
 * @throws ApiError Conflict, in the words of upstream's storage error
 */
export function checkUidPrecondition(
  s: Served,
  ref: { readonly namespace: string; readonly name: string },
  uids: { readonly wanted: unknown; readonly found: string },
): void {
  const { wanted, found } = uids
  if (typeof wanted !== "string" || wanted === "" || wanted === found) return
  const key = upstreamStorageKey(s, ref.namespace, ref.name)
  throw conflict(qualified(s), ref.name, preconditionFailed(key, "UID", wanted, found))
}
