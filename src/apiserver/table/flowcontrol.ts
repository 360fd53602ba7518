/** Printers of flowcontrol.apiserver.k8s.io/v1 FlowSchemas and PriorityLevelConfigurations. */
import type { FlowSchema, PriorityLevelConfiguration } from "kubernetes-types/flowcontrol/v1.js"
import { DOCS } from "./descriptions.ts"
import { age } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, type Cell, type Printer } from "./types.ts"

/** FlowSchemas: NAME PRIORITYLEVEL MATCHINGPRECEDENCE DISTINGUISHERMETHOD AGE MISSINGPL, by precedence then name. */
export const flowSchemaPrinter: Printer<FlowSchema> = {
  columns: [
    NAME_COLUMN,
    column("PriorityLevel", "string", DOCS.fsPriorityLevel),
    column("MatchingPrecedence", "string", DOCS.fsMatchingPrecedence),
    column("DistinguisherMethod", "string", DOCS.fsDistinguisherMethod),
    AGE_COLUMN,
    column("MissingPL", "string", "references a broken or non-existent PriorityLevelConfiguration"),
  ],
  cells(fs, { now }) {
    // The Dangling condition says whether the referenced level is missing; `?` until one is set
    const dangling = (fs.status?.conditions ?? []).find((c) => c.type === "Dangling")
    return [
      fs.metadata?.name ?? "",
      fs.spec?.priorityLevelConfiguration?.name ?? "",
      fs.spec?.matchingPrecedence ?? 0,
      fs.spec?.distinguisherMethod?.type ?? "<none>",
      age(fs, now),
      dangling ? (dangling.status ?? "") : "?",
    ]
  },
  compare: (a, b) =>
    (a.spec?.matchingPrecedence ?? 0) - (b.spec?.matchingPrecedence ?? 0) ||
    compareStrings(a.metadata?.name ?? "", b.metadata?.name ?? ""),
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** PriorityLevelConfigurations: NAME TYPE NOMINALCONCURRENCYSHARES QUEUES HANDSIZE QUEUELENGTHLIMIT AGE. */
export const priorityLevelConfigurationPrinter: Printer<PriorityLevelConfiguration> = {
  columns: [
    NAME_COLUMN,
    column("Type", "string", DOCS.plcType),
    column("NominalConcurrencyShares", "string", DOCS.plcNominalConcurrencyShares),
    column("Queues", "string", DOCS.plcQueues),
    column("HandSize", "string", DOCS.plcHandSize),
    column("QueueLengthLimit", "string", DOCS.plcQueueLengthLimit),
    AGE_COLUMN,
  ],
  cells(plc, { now }) {
    const limited = plc.spec?.limited
    const q = limited?.limitResponse?.queuing
    const numbers: Cell[] = limited
      ? [
          limited.nominalConcurrencyShares ?? 0,
          q ? (q.queues ?? 0) : "<none>",
          q ? (q.handSize ?? 0) : "<none>",
          q ? (q.queueLengthLimit ?? 0) : "<none>",
        ]
      : ["<none>", "<none>", "<none>", "<none>"]
    return [plc.metadata?.name ?? "", plc.spec?.type ?? "", ...numbers, age(plc, now)]
  },
}
