/**
 * The controller reference an owner puts on the objects it creates or adopts (upstream's
 * metav1.NewControllerRef): the owner's apiVersion, kind, name and uid, with `controller` and
 * `blockOwnerDeletion` set, so the garbage collector deletes the dependent with its owner and
 * foreground deletion of the owner waits for it.
 */
import type { OwnerReference } from "./meta.ts"
import { groupVersion } from "./resources.ts"

/** What controllerRef reads of the owner: its name and uid (typed or plain metadata). */
export interface ControllerOwner {
  readonly metadata?: { readonly name?: string; readonly uid?: string }
}

/** The owner's group, version and kind: a ResourceRef such as `ReplicaSets`. */
export interface OwnerKind {
  readonly group: string
  readonly version: string
  readonly kind: string
}

/** The controller reference to `owner`, of the resource `ref`, for its dependents. */
export function controllerRef(owner: ControllerOwner, ref: OwnerKind): OwnerReference {
  return {
    apiVersion: groupVersion(ref),
    kind: ref.kind,
    name: owner.metadata?.name ?? "",
    uid: owner.metadata?.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  }
}
