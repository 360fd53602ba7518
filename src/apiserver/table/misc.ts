/** Printers of Lease, PodDisruptionBudget and PriorityClass. */
import type { Lease } from "kubernetes-types/coordination/v1.js"
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js"
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js"
import { DOCS } from "./descriptions.ts"
import { age } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, type Printer } from "./types.ts"

/** Leases: NAME HOLDER AGE. */
export const leasePrinter: Printer<Lease> = {
  columns: [NAME_COLUMN, column("Holder", "string", DOCS.leaseHolder), AGE_COLUMN],
  cells: (l, { now }) => [l.metadata?.name ?? "", l.spec?.holderIdentity ?? "", age(l, now)],
}

function intOrString(v: number | string | undefined): string {
  return v === undefined || v === null ? "N/A" : String(v)
}

/** PodDisruptionBudgets: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE. */
export const podDisruptionBudgetPrinter: Printer<PodDisruptionBudget> = {
  columns: [
    NAME_COLUMN,
    column("Min Available", "string", "The minimum number of pods that must be available."),
    column("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
    column("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
    AGE_COLUMN,
  ],
  cells: (pdb, { now }) => [
    pdb.metadata?.name ?? "",
    intOrString(pdb.spec?.minAvailable),
    intOrString(pdb.spec?.maxUnavailable),
    pdb.status?.disruptionsAllowed ?? 0,
    age(pdb, now),
  ],
}

/** PriorityClasses: NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY. */
export const priorityClassPrinter: Printer<PriorityClass> = {
  columns: [
    NAME_COLUMN,
    column("Value", "integer", DOCS.pcValue),
    column("Global-Default", "boolean", DOCS.pcGlobalDefault),
    AGE_COLUMN,
    column("PreemptionPolicy", "string", DOCS.pcPreemptionPolicy),
  ],
  cells: (pc, { now }) => [
    pc.metadata?.name ?? "",
    pc.value,
    pc.globalDefault ?? false,
    age(pc, now),
    pc.preemptionPolicy ?? "",
  ],
}
