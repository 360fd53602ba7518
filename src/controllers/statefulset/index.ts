/**
 * The StatefulSet controller: pods with stable names, hostnames and claims, created and
 * deleted in ordinal order, rolled through ControllerRevisions with a partition. Watches
 * StatefulSets, Pods, ControllerRevisions and PersistentVolumeClaims; writes all of them.
 */
export { statefulSetController } from "./statefulset.ts"
export { POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL } from "./identity.ts"
