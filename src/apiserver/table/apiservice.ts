/** Printer of apiregistration.k8s.io/v1 APIServices. */
import { APISERVICE_AVAILABLE, type APIService, apiServiceCondition } from "../../api/index.ts"
import { age } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, type Printer } from "./types.ts"

/** `Local`, or the Service's `namespace/name`. */
function serviceCell(svc: APIService): string {
  const ref = svc.spec?.service
  return ref ? `${ref.namespace ?? ""}/${ref.name ?? ""}` : "Local"
}

/** `True`, `False (Reason)`, or `Unknown` without an Available condition (upstream's ConvertToTable). */
function availableCell(svc: APIService): string {
  const c = apiServiceCondition(svc, APISERVICE_AVAILABLE)
  if (!c) return "Unknown"
  if (c.status === "True" || !c.reason) return c.status
  return `${c.status} (${c.reason})`
}

/** APIServices: NAME SERVICE AVAILABLE AGE. */
export const apiServicePrinter: Printer<APIService> = {
  columns: [
    NAME_COLUMN,
    column("Service", "string", "The reference to the service that hosts this API endpoint."),
    column("Available", "string", "Whether this service is available."),
    AGE_COLUMN,
  ],
  cells: (svc, { now }) => [svc.metadata?.name ?? "", serviceCell(svc), availableCell(svc), age(svc, now)],
}
