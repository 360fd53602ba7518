/**
 * The field errors of failed rules, worded as upstream's validator words them: the value
 * shown for scalars only, the message from messageExpression, message or `failed rule: <rule>`,
 * the error type from the rule's reason, and evaluation errors naming the rule.
 */
import type { FieldError, ValidationRule } from "../../../api/index.ts"
import { goQuote } from "../../../util/index.ts"
import type { CompiledRule } from "./compile.ts"
import { evalErrorText } from "./errors.ts"

/** Upstream's limit on a messageExpression's result. */
const MAX_MESSAGE_BYTES = 5 * 1024

/** Go's %v of a float64. */
function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf"
  const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)))
  if (exp < -4 || exp >= 21) {
    const [m = "", e = "0"] = n.toExponential().split("e")
    const x = Number(e)
    return `${m}e${x < 0 ? "-" : "+"}${String(Math.abs(x)).padStart(2, "0")}`
  }
  return String(n)
}

/** A scalar as field.Error prints a bad value; objects and lists print none. */
function shownValue(v: unknown): string | undefined {
  if (typeof v === "string") return goQuote(v)
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : goFloat(v)
  if (typeof v === "boolean") return String(v)
  return undefined
}

/** The rule as errors name it: its message if it has one, else its text. */
function ruleText(rule: ValidationRule): string {
  return rule.message ? rule.message.trim() : rule.rule.trim()
}

/** `path: Invalid value[: shown]: detail`. */
export function invalid(path: string, shown: string | undefined, detail: string): FieldError {
  const value = shown === undefined ? "" : `: ${shown}`
  return { type: "FieldValueInvalid", field: path, message: `Invalid value${value}: ${detail}` }
}

/** The error of a rule that could not run at a position of schema type `type`. */
export function ruleError(path: string, type: string, detail: string): FieldError {
  return invalid(path, goQuote(type), detail)
}

/** The error of a rule whose evaluation failed. */
export function evaluationFailure(
  path: string,
  type: string,
  rule: ValidationRule,
  err: unknown,
): FieldError {
  const text = evalErrorText(err)
  const detail =
    text === "no such overload"
      ? `'${text}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleText(rule)}`
      : `${text} evaluating rule: ${ruleText(rule)}`
  return ruleError(path, type, detail)
}

/** The detail of a failed rule: its messageExpression's result when usable, else message or default. */
function detailOf(c: CompiledRule, vars: Record<string, unknown>): string {
  if (c.message) {
    try {
      const out = c.message(vars)
      const text = typeof out === "string" ? out.trim() : ""
      if (text && Buffer.byteLength(text) <= MAX_MESSAGE_BYTES && !/\n/.test(text)) return text
    } catch {
      // A messageExpression that fails falls back to the message, as upstream logs and falls back.
    }
  }
  return c.rule.message ? c.rule.message.trim() : `failed rule: ${c.rule.rule.trim()}`
}

/** The error of a rule that evaluated to false for `value` (shown when a scalar). */
export function ruleFailure(
  path: string,
  value: unknown,
  c: CompiledRule,
  vars: Record<string, unknown>,
): FieldError {
  const shown = shownValue(value)
  const detail = detailOf(c, vars)
  switch (c.rule.reason) {
    case "FieldValueForbidden":
      return { type: "FieldValueForbidden", field: path, message: `Forbidden: ${detail}` }
    case "FieldValueRequired":
      return { type: "FieldValueRequired", field: path, message: `Required value: ${detail}` }
    case "FieldValueDuplicate":
      return {
        type: "FieldValueDuplicate",
        field: path,
        message: `Duplicate value${shown ? `: ${shown}` : ""}`,
      }
  }
  return invalid(path, shown, detail)
}
