/** The shape of a quota evaluator, shared by the pod evaluator and the others (see quota.ts). */
import type { ScopedResourceSelectorRequirement } from "kubernetes-types/core/v1.js"
import type { ApiObject } from "./meta.ts"
import type { Amounts } from "./resource-list.ts"

/** One unit, as quota usage counts objects. */
export const ONE = { nano: 1_000_000_000n, format: "DecimalSI" } as const
/** Zero, as quota usage reports what an object does not use. */
export const ZERO = { nano: 0n, format: "DecimalSI" } as const

/** Charges one kind of object against quotas. */
export interface QuotaEvaluator {
  /** The group and plural resource it charges, e.g. "" and "pods". */
  readonly group: string
  readonly resource: string
  /** True when `name` (a quota's hard resource) is something this evaluator charges. */
  matches(name: string): boolean
  /** What `obj` charges at `now` (ms). */
  usage(obj: ApiObject, now: number): Amounts
  /** Whether an object of this kind falls under a quota scope requirement. */
  matchesScope(scope: ScopedResourceSelectorRequirement, obj: ApiObject): boolean
  /** Whether an admission of `operation` (of `subresource`, when one) can change usage. */
  handles(operation: string, subresource?: string): boolean
  /** Why `obj` may not be admitted under a quota limiting `required`, if it may not. */
  constraints?(required: readonly string[], obj: ApiObject): string | undefined
}
