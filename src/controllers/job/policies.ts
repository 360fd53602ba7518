/**
 * The Job's pod failure policy (which failed pods fail the Job or their index, which are
 * ignored, which count) and success policy (which succeeded indexes make the Job succeed).
 */
import type {
  PodFailurePolicy,
  PodFailurePolicyOnExitCodesRequirement,
  PodFailurePolicyRule,
  SuccessPolicy,
} from "kubernetes-types/batch/v1.js"
import type { ContainerStatus, PodCondition } from "kubernetes-types/core/v1.js"
import type { Pod } from "./types.ts"
import { type Intervals, parseIntervals, totalOf } from "./intervals.ts"

/** What the pod failure policy makes of one failed pod. */
export type PodFailureAction = "FailJob" | "FailIndex" | "Ignore" | "Count"

/** The outcome of matching a failed pod against the pod failure policy. */
export interface PolicyMatch {
  /** The matched rule's action; undefined when no rule matched. */
  readonly action?: PodFailureAction
  /** Whether the failure counts against the backoff limit. */
  readonly countFailed: boolean
  /** For FailJob: why the Job fails. */
  readonly message?: string
}

const NO_MATCH: PolicyMatch = { countFailed: true }

function matchingContainer(
  statuses: readonly ContainerStatus[] | undefined,
  req: PodFailurePolicyOnExitCodesRequirement,
): ContainerStatus | undefined {
  for (const s of statuses ?? []) {
    const terminated = s.state?.terminated
    if (!terminated || terminated.exitCode === 0) continue
    if (req.containerName && req.containerName !== s.name) continue
    const listed = req.values.includes(terminated.exitCode)
    if (req.operator === "In" ? listed : req.operator === "NotIn" && !listed) return s
  }
  return undefined
}

function matchingCondition(
  conditions: readonly PodCondition[] | undefined,
  patterns: readonly { type: string; status?: string }[],
): PodCondition | undefined {
  for (const c of conditions ?? []) {
    for (const p of patterns) if (c.type === p.type && c.status === (p.status ?? "True")) return c
  }
  return undefined
}

/** Why `rule` matches the failed pod (the FailJob message), or undefined when it does not. */
function ruleMatch(rule: PodFailurePolicyRule, index: number, pod: Pod): string | undefined {
  const where = `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`
  if (rule.onExitCodes) {
    const s =
      matchingContainer(pod.status?.containerStatuses, rule.onExitCodes) ??
      matchingContainer(pod.status?.initContainerStatuses, rule.onExitCodes)
    if (!s) return undefined
    return `Container ${s.name} for pod ${where} failed with exit code ${s.state?.terminated?.exitCode} matching ${rule.action} rule at index ${index}`
  }
  if (rule.onPodConditions) {
    const c = matchingCondition(pod.status?.conditions, rule.onPodConditions)
    if (!c) return undefined
    return `Pod ${where} has condition ${c.type} matching ${rule.action} rule at index ${index}`
  }
  return undefined
}

/** Matches a failed pod against the rules in order; the first match decides (upstream's semantics). */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PolicyMatch {
  if (!policy) return NO_MATCH
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    const message = ruleMatch(rule, index, pod)
    if (message === undefined) continue
    const action = rule.action as PodFailureAction
    if (action === "Ignore") return { action, countFailed: false }
    if (action === "FailJob") return { action, countFailed: true, message }
    if (action === "FailIndex" || action === "Count") return { action, countFailed: true }
  }
  return NO_MATCH
}

/** How many of `rule` intervals the succeeded intervals cover. */
function overlap(rule: Intervals, succeeded: Intervals): number {
  let n = 0
  for (const r of rule) {
    for (const s of succeeded) {
      const o = Math.min(r.last, s.last) - Math.max(r.first, s.first) + 1
      if (o > 0) n += o
    }
  }
  return n
}

/** The message of the first success-policy rule the succeeded indexes meet, if any. */
export function matchSuccessPolicy(
  policy: SuccessPolicy | undefined,
  completions: number,
  succeeded: Intervals,
): string | undefined {
  if (!policy || succeeded.length === 0) return undefined
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    const count = rule.succeededCount
    let met: boolean
    if (rule.succeededIndexes !== undefined) {
      const required = parseIntervals(rule.succeededIndexes, completions)
      if (required.length === 0) continue
      const covered = overlap(required, succeeded)
      met = count === undefined ? covered === totalOf(required) : covered >= count
    } else met = count !== undefined && totalOf(succeeded) >= count
    if (met) return `Matched rules at index ${index}`
  }
  return undefined
}
