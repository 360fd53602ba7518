/** Cell formatting shared by the printers: ages, labels, selectors, container lists, quantities. */
import { parseQuantity, quantityString, type LabelSelector } from "../../api/index.ts"
import type { Printable } from "./types.ts"
import type { Container } from "kubernetes-types/core/v1.js"
import type { LabelSelectorRequirement } from "kubernetes-types/meta/v1.js"

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

function withRest(n: number, unit: string, rest: number, restUnit: string): string {
  return rest === 0 ? `${n}${unit}` : `${n}${unit}${rest}${restUnit}`
}

function humanHours(hours: number): string {
  const days = Math.trunc(hours / 24)
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) return withRest(days, "d", hours % 24, "h")
  if (hours < 24 * 365 * 2) return `${days}d`
  const years = Math.trunc(days / 365)
  if (hours < 24 * 365 * 8) return withRest(years, "y", days % 365, "d")
  return `${years}y`
}

/** Upstream's HumanDuration: `5s`, `3m2s`, `15m`, `4h10m`, `2d3h`, `40d`, `3y20d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND)
  // Up to a second in the future counts as now (clock skew); further is invalid
  if (seconds < -1) return "<invalid>"
  if (seconds < 0) return "0s"
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.trunc(ms / MINUTE)
  if (minutes < 10) return withRest(minutes, "m", seconds % 60, "s")
  if (minutes < 180) return `${minutes}m`
  const hours = Math.trunc(ms / HOUR)
  if (hours < 8) return withRest(hours, "h", minutes % 60, "m")
  return humanHours(hours)
}

function timeOf(ts: string | null | undefined): number | undefined {
  if (!ts) return undefined
  const t = Date.parse(ts)
  return Number.isNaN(t) ? undefined : t
}

/** The HumanDuration since an RFC 3339 timestamp, `<unknown>` when it is unset. */
export function since(ts: string | null | undefined, now: number): string {
  const t = timeOf(ts)
  return t === undefined ? "<unknown>" : humanDuration(now - t)
}

/** The Age cell: time since creationTimestamp. */
export function age(obj: Printable, now: number): string {
  return since(obj.metadata?.creationTimestamp, now)
}

/** Milliseconds since the epoch of a timestamp, 0 when unset (upstream's zero time). */
export function timestampMs(ts: string | null | undefined): number {
  return timeOf(ts) ?? 0
}

/** `a=1,b=2` sorted by key, `<none>` when empty (upstream's labels.FormatLabels). */
export function formatLabels(labels: Readonly<Record<string, string>> | null | undefined): string {
  const s = Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${labels?.[k] ?? ""}`)
    .join(",")
  return s === "" ? "<none>" : s
}

function requirementString(r: LabelSelectorRequirement): string {
  const values = [...(r.values ?? [])].sort().join(",")
  switch (r.operator) {
    case "In":
      return `${r.key} in (${values})`
    case "NotIn":
      return `${r.key} notin (${values})`
    case "Exists":
      return r.key
    case "DoesNotExist":
      return `!${r.key}`
  }
  throw new RangeError(`Cannot format label selector: operator "${r.operator}" is not supported`)
}

/**
 * A label selector as upstream's Selector.String(): requirements sorted by key, `""` for an
 * empty or missing selector; throws RangeError on an unknown operator.
 */
export function selectorString(sel: LabelSelector | null | undefined): string {
  if (!sel) return ""
  const reqs: { key: string; text: string }[] = []
  for (const [key, value] of Object.entries(sel.matchLabels ?? {}))
    reqs.push({ key, text: `${key}=${value}` })
  for (const r of sel.matchExpressions ?? []) reqs.push({ key: r.key, text: requirementString(r) })
  return reqs
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(",")
}

/** Upstream's FormatLabelSelector: the selector string, `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(sel: LabelSelector | null | undefined): string {
  try {
    return selectorString(sel) || "<none>"
  } catch {
    return "<error>"
  }
}

/** The Containers and Images cells: names and images joined by commas. */
export function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const list = containers ?? []
  return [list.map((c) => c.name).join(","), list.map((c) => c.image ?? "").join(",")]
}

/** A quantity in upstream's canonical form (`0` when unset; the raw text when unparsable). */
export function quantity(q: string | number | null | undefined): string {
  if (q === undefined || q === null) return "0"
  const parsed = parseQuantity(q)
  return parsed ? quantityString(parsed) : String(q)
}

/** `True`, `False` or `<unset>`. */
export function boolPtr(v: boolean | null | undefined): string {
  if (v === undefined || v === null) return "<unset>"
  return v ? "True" : "False"
}

/** Up to `max` items joined by commas, then ` + N more...`; `<unset>` when there are none. */
export function listWithMore(items: readonly string[], max = 3): string {
  const head = items.slice(0, max).join(",")
  if (items.length > max) return `${head} + ${items.length - max} more...`
  return head === "" ? "<unset>" : head
}

/** `<none>` for an empty string. */
export function orNone(s: string | null | undefined): string {
  return s ? s : "<none>"
}
