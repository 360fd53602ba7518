/** The API objects the Job controller handles, as the client and caches hand them out. */
import type { ApiObject } from "../../api/index.ts"
import type { Job as JobV1 } from "kubernetes-types/batch/v1.js"
import type { Pod as PodV1 } from "kubernetes-types/core/v1.js"

/** A batch/v1 Job. */
export type Job = JobV1 & ApiObject
/** A core/v1 Pod. */
export type Pod = PodV1 & ApiObject
