/**
 * The ReplicationController controller: the ReplicaSet logic behind an adapter for core/v1
 * ReplicationControllers, whose selector is a plain label map.
 */
import { type ResourceRef, ReplicationControllers, selectorFromSet } from "../../api/index.ts"
import type { ControllerSpec } from "../../client/index.ts"
import { type ReplicaSetKind, type ReplicaSetLike, replicaSetControllerFor } from "./replicaset.ts"

/** ReplicationControllers: core/v1, an equality selector. */
export const REPLICATION_CONTROLLER_KIND: ReplicaSetKind = {
  name: "replicationcontroller",
  component: "replication-controller",
  ref: ReplicationControllers as ResourceRef<ReplicaSetLike>,
  matcher(rc) {
    const sel = rc.spec?.selector as Record<string, string> | undefined
    // An empty selector would select every pod in the namespace: treat it as selecting none.
    if (!sel || Object.keys(sel).length === 0) return () => false
    return selectorFromSet(sel)
  },
}

/** A new ReplicationController controller ("replicationcontroller"). */
export function newReplicationControllerController(): ControllerSpec {
  return replicaSetControllerFor(REPLICATION_CONTROLLER_KIND)
}
