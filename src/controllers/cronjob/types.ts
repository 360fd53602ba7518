/** The API objects the CronJob controller handles, as the client and caches hand them out. */
import type { ApiObject } from "../../api/index.ts"
import type { CronJob as CronJobV1, Job as JobV1 } from "kubernetes-types/batch/v1.js"

/** A batch/v1 CronJob. */
export type CronJob = CronJobV1 & ApiObject
/** A batch/v1 Job. */
export type Job = JobV1 & ApiObject
