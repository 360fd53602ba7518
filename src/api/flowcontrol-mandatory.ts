/**
 * The mandatory API Priority and Fairness configuration (upstream's bootstrap package): the
 * FlowSchemas and PriorityLevelConfigurations `exempt` and `catch-all`. The API server
 * creates them when missing and puts back their specs; validation keeps their specs as fixed as
 * upstream does.
 */
import type { FlowSchema, PriorityLevelConfiguration } from "kubernetes-types/flowcontrol/v1.js"
import { everything, flowSchema, groups, priorityLevel } from "./flowcontrol-objects.ts"

/** The mandatory priority levels: `catch-all` (5 shares, rejecting) and `exempt` (no limit), in upstream's order. */
export const MANDATORY_PRIORITY_LEVELS: readonly PriorityLevelConfiguration[] = [
  priorityLevel("catch-all", {
    type: "Limited",
    limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: "Reject" } },
  }),
  priorityLevel("exempt", { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } }),
]

/** The mandatory flow schemas: `exempt` for system:masters, `catch-all` for everyone else. */
export const MANDATORY_FLOW_SCHEMAS: readonly FlowSchema[] = [
  flowSchema("exempt", { level: "exempt", precedence: 1, rules: everything(groups("system:masters")) }),
  flowSchema("catch-all", {
    level: "catch-all",
    precedence: 10000,
    distinguisher: "ByUser",
    rules: everything(groups("system:unauthenticated", "system:authenticated")),
  }),
]
