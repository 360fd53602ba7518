/** The resource quota controller: ResourceQuota status.hard and status.used from the counted kinds. */
export {
  COUNTED_KINDS,
  quotaStatus,
  quotaUsage,
  RESYNC_PERIOD_MS,
  resourceQuotaController,
} from "./resourcequota.ts"
