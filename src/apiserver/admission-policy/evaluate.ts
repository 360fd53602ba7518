/**
 * Evaluates a compiled policy for one request and one param, as upstream's validator does: its
 * matchConditions first (a false one: nothing to say; an error: a denial under failurePolicy
 * Fail, nothing under Ignore), then each validation (an error is a denial or, under Ignore, an
 * admission; false is a denial with the validation's reason, Invalid by default, and the message
 * of its messageExpression, else its message, else `failed expression: <expression>`), then the
 * audit annotations (a string is published, null or blank is not).
 */
import type { Reason } from "../../api/index.ts"
import { goQuote } from "../../util/index.ts"
import { evalErrorText } from "../crd/cel/errors.ts"
import { typeNameOf } from "../crd/cel/type-names.ts"
import { celValue, newAuthorizer } from "../webhook/admission-cel.ts"
import { evaluateConditionsWith } from "../webhook/conditions.ts"
import type { Compiled, CompiledPolicy } from "./compile.ts"
import { LazyVariables } from "./environment.ts"

/** upstream's MaxEvaluatedMessageExpressionSizeBytes. */
const MAX_MESSAGE_BYTES = 5 * 1024

/** What a policy's expressions see (JSON values; null where absent). */
export interface EvaluationInput {
  readonly object: unknown
  readonly oldObject: unknown
  /** The param object, or null (no paramKind, or a binding without paramRef). */
  readonly params: unknown
  /** The request as CEL's kubernetes.AdmissionRequest (the review's, without uid and objects). */
  readonly request: unknown
  /** The namespace of the request (its metadata, spec and status), or null. */
  readonly namespaceObject: unknown
  /** The `authorizer` variable (newAuthorizer); absent: one that allows everything. */
  readonly authorizer?: object
}

/** What one validation decided (upstream's PolicyDecision). */
export interface PolicyDecision {
  readonly action: "admit" | "deny"
  readonly evaluation: "admit" | "deny" | "error"
  readonly message: string
  /** A denial's reason (a validation's; errors have none). */
  readonly reason?: Reason
}

/** What one audit annotation came to. */
export interface AuditAnnotationResult {
  readonly key: string
  readonly action: "publish" | "error" | "exclude"
  readonly value?: string
  readonly error?: string
}

/** The decisions and audit annotations of one evaluation (upstream's ValidateResult). */
export interface ValidateResult {
  readonly decisions: readonly PolicyDecision[]
  readonly auditAnnotations: readonly AuditAnnotationResult[]
}

const NOTHING: ValidateResult = { decisions: [], auditAnnotations: [] }

/** A variable that cannot be had: its whole text is what an expression reading it reports. */
class VariableError extends Error {
  override name = "VariableError"
  readonly summary: string

  constructor(message: string) {
    super(message)
    this.summary = message
  }
}

/** The activation of an evaluation: the inputs as CEL values, and `variables` computed lazily. */
function activation(p: CompiledPolicy, input: EvaluationInput, authorizer: boolean): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    object: celValue(input.object ?? null),
    oldObject: celValue(input.oldObject ?? null),
    request: celValue(input.request),
    namespaceObject: celValue(input.namespaceObject ?? null),
    params: celValue(input.params ?? null),
  }
  if (authorizer) vars.authorizer = input.authorizer ?? newAuthorizer()
  vars.variables = new LazyVariables(new Set(p.variables.keys()), (name) => {
    const c = p.variables.get(name) as Compiled
    if ("error" in c)
      throw new VariableError(`composited variable ${goQuote(name)} fails to compile: ${c.error}`)
    try {
      return c.program(vars)
    } catch (err) {
      throw new VariableError(`composited variable ${goQuote(name)} fails to evaluate: ${evalErrorText(err)}`)
    }
  })
  return vars
}

/** The outcome of one expression: its value, or the error upstream's activation reports. */
function run(c: Compiled, vars: Record<string, unknown>): { value: unknown } | { error: string } {
  if ("error" in c) return { error: `compilation error: ${c.error}` }
  try {
    return { value: c.program(vars) }
  } catch (err) {
    return { error: `expression '${c.expression}' resulted in error: ${evalErrorText(err)}` }
  }
}

/** A messageExpression's message, when it gives a usable one. */
function messageOf(c: Compiled | undefined, vars: () => Record<string, unknown>): string {
  if (!c) return ""
  const r = run(c, vars())
  if (!("value" in r) || typeof r.value !== "string") return ""
  const message = r.value.trim()
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES || message.includes("\n")) return ""
  return message
}

function auditAnnotationOf(
  key: string,
  c: Compiled,
  vars: Record<string, unknown>,
  ignore: boolean,
): AuditAnnotationResult {
  const r = run(c, vars)
  if ("error" in r) return { key, action: ignore ? "exclude" : "error", error: r.error }
  if (r.value === null || r.value === undefined) return { key, action: "exclude" }
  if (typeof r.value !== "string") {
    const error = `valueExpression '${c.expression}' resulted in unsupported return type: ${typeNameOf(r.value)}. Return type must be either string or null.`
    return { key, action: "error", error }
  }
  const value = r.value.trim()
  return value ? { key, action: "publish", value } : { key, action: "exclude" }
}

/** Evaluates `p` for `input` under `failurePolicy` (Fail unless Ignore). */
export function validate(
  p: CompiledPolicy,
  input: EvaluationInput,
  failurePolicy: string | undefined,
): ValidateResult {
  const ignore = failurePolicy === "Ignore"
  const onError = ignore ? "admit" : "deny"
  const vars = activation(p, input, true)
  if (p.matchConditions.length) {
    // Match conditions see no namespaceObject, as upstream's matcher passes none.
    const matched = evaluateConditionsWith(p.matchConditions, { ...vars, namespaceObject: null })
    if ("error" in matched) {
      if (ignore) return NOTHING
      return {
        decisions: [{ action: "deny", evaluation: "error", message: matched.error }],
        auditAnnotations: [],
      }
    }
    if (!matched.matches) return NOTHING
  }
  let messageVars: Record<string, unknown> | undefined
  // Message expressions run apart, without the authorizer, as upstream's message filter.
  const forMessages = () => (messageVars ??= activation(p, input, false))
  const decisions = p.validations.map((v): PolicyDecision => {
    const r = run(v.expression, vars)
    if ("error" in r) return { action: onError, evaluation: "error", message: r.error }
    if (r.value === true) return { action: "admit", evaluation: "admit", message: "" }
    const message =
      messageOf(v.message, forMessages) ||
      v.validation.message?.trim() ||
      `failed expression: ${(v.validation.expression ?? "").trim()}`
    const reason = (v.validation.reason || "Invalid") as Reason
    return { action: "deny", evaluation: "deny", message, reason }
  })
  const audit = activation(p, input, false)
  const auditAnnotations = p.auditAnnotations.map((a) => auditAnnotationOf(a.key, a.value, audit, ignore))
  return { decisions, auditAnnotations }
}
