/**
 * Batch workloads' Job side: the Job controller, and the TTL-after-finished controller that
 * deletes finished Jobs. Watches Jobs and Pods; writes Pods, Job status and Events. Imports
 * api, client and util.
 */
export { jobController } from "./job.ts"
export { ttlAfterFinishedController } from "./ttl-after-finished.ts"
