/**
 * How far an HPA may move at once (upstream's normalizeDesiredReplicas and its behavior form):
 * the stabilization windows over recent recommendations, the scale-up and scale-down policies
 * over recent scale events, and the min/max bounds, each with the AbleToScale and
 * ScalingLimited reasons upstream reports.
 */
import type { HPAScalingRules, HorizontalPodAutoscalerBehavior } from "kubernetes-types/autoscaling/v2.js"

/** One recommendation and when it was made. */
export interface Recommendation {
  readonly replicas: number
  readonly at: number
}

/** One change of the target's replicas and when it happened. */
export interface ScaleEvent {
  readonly change: number
  readonly at: number
}

/** What normalization needs to know. */
export interface NormalizeArgs {
  readonly current: number
  readonly desired: number
  readonly min: number
  readonly max: number
  readonly now: number
}

/** A normalized count and the conditions to report. */
export interface Normalized {
  readonly replicas: number
  readonly ableToScale: { readonly reason: string; readonly message: string }
  readonly limited: { readonly status: "True" | "False"; readonly reason: string; readonly message: string }
}

/** --horizontal-pod-autoscaler-downscale-stabilization. */
export const DEFAULT_DOWNSCALE_STABILIZATION_MS = 300_000

/** The behavior the API defaults an HPA to (autoscaling/v2). */
export const DEFAULT_SCALE_UP: HPAScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Pods", value: 4, periodSeconds: 15 },
    { type: "Percent", value: 100, periodSeconds: 15 },
  ],
}
export const DEFAULT_SCALE_DOWN: HPAScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: "Max",
  policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
}

const READY = { reason: "ReadyForNewScale", message: "recommended size matches current size" }
const WITHIN = {
  status: "False",
  reason: "DesiredWithinRange",
  message: "the desired count is within the acceptable range",
} as const
const UP_LIMIT = "the desired replica count is increasing faster than the maximum scale rate"
const DOWN_LIMIT = "the desired replica count is decreasing faster than the maximum scale rate"
const TOO_MANY = "the desired replica count is more than the maximum replica count"
const TOO_FEW = "the desired replica count is less than the minimum replica count"

/** Replaces the oldest record older than `cutoff` with `rec`, else appends it. */
function record(recs: Recommendation[], rec: Recommendation, cutoff: number): void {
  const old = recs.findIndex((r) => r.at < cutoff)
  if (old >= 0) recs[old] = rec
  else recs.push(rec)
}

function limited(
  replicas: number,
  stabilized: number,
  reason: string,
  message: string,
): Normalized["limited"] {
  return replicas === stabilized ? { status: "False", reason, message } : { status: "True", reason, message }
}

/** Without spec.behavior: the highest recommendation of the last 5 minutes, then max(2x, 4) up. */
export function normalizeWithoutBehavior(
  a: NormalizeArgs,
  recs: Recommendation[],
  windowMs = DEFAULT_DOWNSCALE_STABILIZATION_MS,
): Normalized {
  let stabilized = a.desired
  for (const r of recs) if (r.at > a.now - windowMs) stabilized = Math.max(stabilized, r.replicas)
  record(recs, { replicas: a.desired, at: a.now }, a.now - windowMs)
  const ableToScale =
    stabilized !== a.desired
      ? {
          reason: "ScaleDownStabilized",
          message:
            "recent recommendations were higher than current one, applying the highest recent recommendation",
        }
      : READY
  const upLimit = Math.max(2 * a.current, 4)
  const [maxAllowed, maxReason, maxMessage] =
    a.max > upLimit ? [upLimit, "ScaleUpLimit", UP_LIMIT] : [a.max, "TooManyReplicas", TOO_MANY]
  let replicas = stabilized
  let why: Normalized["limited"] = WITHIN
  if (stabilized < a.min) {
    replicas = a.min
    why = limited(replicas, stabilized, "TooFewReplicas", TOO_FEW)
  } else if (stabilized > maxAllowed) {
    replicas = maxAllowed
    why = limited(replicas, stabilized, maxReason, maxMessage)
  }
  return { replicas, ableToScale, limited: why }
}

/** The replicas changed by `events` within the last `periodSeconds`. */
function changeInPeriod(events: readonly ScaleEvent[], periodSeconds: number, now: number): number {
  let sum = 0
  for (const e of events) if (e.at > now - periodSeconds * 1000) sum += e.change
  return sum
}

/** The most replicas scale-up policies allow now. */
export function scaleUpLimit(
  current: number,
  up: readonly ScaleEvent[],
  down: readonly ScaleEvent[],
  rules: HPAScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === "Disabled") return current
  const pick = rules.selectPolicy === "Min" ? Math.min : Math.max
  let result = rules.selectPolicy === "Min" ? Infinity : -Infinity
  for (const p of rules.policies ?? []) {
    const start =
      current - changeInPeriod(up, p.periodSeconds, now) + changeInPeriod(down, p.periodSeconds, now)
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100))
    result = pick(result, proposed)
  }
  return Number.isFinite(result) ? result : current
}

/** The fewest replicas scale-down policies allow now. */
export function scaleDownLimit(
  current: number,
  up: readonly ScaleEvent[],
  down: readonly ScaleEvent[],
  rules: HPAScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === "Disabled") return current
  const pick = rules.selectPolicy === "Min" ? Math.max : Math.min
  let result = rules.selectPolicy === "Min" ? -Infinity : Infinity
  for (const p of rules.policies ?? []) {
    const start =
      current - changeInPeriod(up, p.periodSeconds, now) + changeInPeriod(down, p.periodSeconds, now)
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100))
    result = pick(result, proposed)
  }
  return Number.isFinite(result) ? result : current
}

/** The windows of both directions over the recent recommendations (records `a.desired`). */
function stabilize(a: NormalizeArgs, recs: Recommendation[], up: HPAScalingRules, down: HPAScalingRules) {
  const upWindow = (up.stabilizationWindowSeconds ?? 0) * 1000
  const downWindow = (down.stabilizationWindowSeconds ?? 300) * 1000
  let upRec = a.desired
  let downRec = a.desired
  for (const r of recs) {
    if (r.at > a.now - upWindow) upRec = Math.min(upRec, r.replicas)
    if (r.at > a.now - downWindow) downRec = Math.max(downRec, r.replicas)
  }
  let stabilized = a.current
  if (stabilized < upRec) stabilized = upRec
  if (stabilized > downRec) stabilized = downRec
  record(recs, { replicas: a.desired, at: a.now }, a.now - Math.max(upWindow, downWindow))
  const ableToScale =
    stabilized === a.desired
      ? READY
      : a.desired >= a.current
        ? {
            reason: "ScaleUpStabilized",
            message:
              "recent recommendations were lower than current one, applying the lowest recent recommendation",
          }
        : {
            reason: "ScaleDownStabilized",
            message:
              "recent recommendations were higher than current one, applying the highest recent recommendation",
          }
  return { stabilized, ableToScale }
}

/** With spec.behavior: stabilization windows, then the policies' rates, then min and max. */
export function normalizeWithBehavior(
  a: NormalizeArgs,
  behavior: HorizontalPodAutoscalerBehavior,
  recs: Recommendation[],
  events: { readonly up: readonly ScaleEvent[]; readonly down: readonly ScaleEvent[] },
): Normalized {
  const up = { ...DEFAULT_SCALE_UP, ...behavior.scaleUp }
  const down = { ...DEFAULT_SCALE_DOWN, ...behavior.scaleDown }
  const { stabilized, ableToScale } = stabilize(a, recs, up, down)
  let replicas = stabilized
  let reason: string = WITHIN.reason
  let message: string = WITHIN.message
  if (stabilized > a.current) {
    const limit = Math.max(scaleUpLimit(a.current, events.up, events.down, up, a.now), a.current)
    const [allowed, r, m] =
      a.max > limit ? [limit, "ScaleUpLimit", UP_LIMIT] : [a.max, "TooManyReplicas", TOO_MANY]
    if (stabilized > allowed) [replicas, reason, message] = [allowed, r, m]
  } else if (stabilized < a.current) {
    const limit = Math.min(scaleDownLimit(a.current, events.up, events.down, down, a.now), a.current)
    const [allowed, r, m] =
      a.min < limit ? [limit, "ScaleDownLimit", DOWN_LIMIT] : [a.min, "TooFewReplicas", TOO_FEW]
    if (stabilized < allowed) [replicas, reason, message] = [allowed, r, m]
  }
  return { replicas, ableToScale, limited: limited(replicas, stabilized, reason, message) }
}

/** The longest policy period of a direction, in ms (events older than it no longer matter). */
export function longestPeriodMs(rules: HPAScalingRules | undefined): number {
  let s = 0
  for (const p of rules?.policies ?? []) s = Math.max(s, p.periodSeconds)
  return s * 1000
}
