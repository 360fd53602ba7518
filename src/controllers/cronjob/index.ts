/**
 * Batch workloads' CronJob side: the CronJob controller. Watches CronJobs and Jobs; writes
 * Jobs, CronJob status and Events. Imports api, client and util.
 */
export { cronJobController } from "./cronjob.ts"
