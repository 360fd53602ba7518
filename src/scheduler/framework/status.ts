/**
 * The outcome of a plugin at an extension point (upstream's framework.Status): a code and the
 * reasons shown to users. Plugins return one; they never throw.
 */

/** What a plugin decided. */
export type Code = "Success" | "Unschedulable" | "UnschedulableAndUnresolvable" | "Error" | "Skip" | "Wait"

/** A plugin's verdict: a code, user-facing reasons, and the plugin that gave it. */
export interface Status {
  readonly code: Code
  readonly reasons: readonly string[]
  plugin?: string
}

const SUCCESS: Status = Object.freeze({ code: "Success", reasons: Object.freeze([]) }) as Status

/** The shared Success status. */
export function success(): Status {
  return SUCCESS
}

/** Unschedulable: the pod does not fit now, preemption may help. */
export function unschedulable(...reasons: string[]): Status {
  return { code: "Unschedulable", reasons }
}

/** UnschedulableAndUnresolvable: preemption cannot help on this node. */
export function unresolvable(...reasons: string[]): Status {
  return { code: "UnschedulableAndUnresolvable", reasons }
}

/** An internal error. */
export function errorStatus(message: string): Status {
  return { code: "Error", reasons: [message] }
}

/** Skip: the plugin has nothing to do for this pod at the matching later point. */
export function skip(): Status {
  return { code: "Skip", reasons: [] }
}

/** True for Success (and Skip, which is a success that opts out). */
export function isSuccess(s: Status): boolean {
  return s.code === "Success" || s.code === "Skip"
}

/** True for both unschedulable codes. */
export function isRejected(s: Status): boolean {
  return s.code === "Unschedulable" || s.code === "UnschedulableAndUnresolvable"
}

/** A shared, frozen rejection of `plugin` with one fixed reason (no allocation per node). */
export function fixedStatus(
  code: "Unschedulable" | "UnschedulableAndUnresolvable",
  plugin: string,
  reason: string,
): Status {
  return Object.freeze({ code, reasons: Object.freeze([reason]), plugin }) as Status
}
