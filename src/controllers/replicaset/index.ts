/**
 * The ReplicaSet and ReplicationController controllers, and the pod helpers other workload
 * controllers share: activity, deletion order, claiming by selector.
 * Watches ReplicaSets, ReplicationControllers and Pods; writes Pods, status and Events.
 */
export {
  newReplicaSetController,
  REPLICA_SET_KIND,
  type ReplicaSetKind,
  type ReplicaSetLike,
} from "./replicaset.ts"
export { newReplicationControllerController } from "./replication-controller.ts"
export { compareForDeletion, isPodActive } from "./pods.ts"
export { claim, type ClaimOptions } from "./claim.ts"
