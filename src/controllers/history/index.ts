/**
 * The history StatefulSets and DaemonSets keep: ControllerRevisions holding each pod template
 * they ran, named `<owner>-<hash>` after upstream's FNV-32a template hash, numbered in order,
 * trimmed to revisionHistoryLimit. Writes ControllerRevisions through the client.
 */
export { canonicalJson, computeHash, fnv32a, safeEncodeString } from "./hash.ts"
export {
  CONTROLLER_REVISION_HASH_LABEL,
  createControllerRevision,
  equalRevision,
  findEqualRevisions,
  newControllerRevision,
  nextRevision,
  revisionName,
  sortRevisions,
  truncateHistory,
  updateRevisionNumber,
  type Created,
  type NewRevisionOptions,
  type Revision,
} from "./history.ts"
