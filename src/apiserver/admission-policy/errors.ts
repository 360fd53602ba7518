/**
 * How ValidatingAdmissionPolicies refuse a request and what they note beside it, in upstream's
 * words: the first denial fails the request as admission's Forbidden error
 * (`<resource> "<name>" is forbidden: ValidatingAdmissionPolicy '<p>' with binding '<b>' denied
 * request: <message>`) whose reason is the denial's (Invalid by default) with that reason's code
 * (Forbidden 403, RequestEntityTooLarge 413, else 422) and the message as a cause; a Warn action
 * becomes a warning, an Audit action the validation_failure audit annotation.
 */
import type { ValidatingAdmissionPolicyBinding } from "kubernetes-types/admissionregistration/v1.js"
import { ApiError, type Reason } from "../../api/index.ts"
import { admissionForbidden } from "../admission.ts"
import type { AdmissionRequest } from "../registry/context.ts"

/** A denial of one policy, and binding when it was one's. */
export interface Denial {
  readonly policy: string
  readonly binding?: string
  readonly message: string
  readonly reason?: Reason
}

/** upstream's reasonToCode. */
function codeOf(reason: Reason): number {
  switch (reason) {
    case "Forbidden":
      return 403
    case "Unauthorized":
      return 401
    case "RequestEntityTooLarge":
      return 413
    default:
      return 422
  }
}

/** The error the first denial fails the request with. */
export function deniedError(req: AdmissionRequest, d: Denial): ApiError {
  const message = d.binding
    ? `ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.message}`
    : `ValidatingAdmissionPolicy '${d.policy}' denied request: ${d.message}`
  const forbidden = admissionForbidden(req, message)
  const reason = d.reason ?? "Invalid"
  const details = { ...forbidden.details, causes: [{ message }] }
  return new ApiError(reason, forbidden.message, details, codeOf(reason))
}

/** The warning of a Warn action. */
export function warningOf(policy: string, binding: string, message: string): string {
  return `Validation failed for ValidatingAdmissionPolicy '${policy}' with binding '${binding}': ${message}`
}

/** The audit annotation key of an Audit action's failures. */
export const VALIDATION_FAILURE_KEY = "validation.policy.admission.k8s.io/validation_failure"

/** JSON as Go's encoding/json writes it (HTML characters escaped). */
function goJson(v: unknown): string {
  return JSON.stringify(v).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  )
}

/** The value of the validation_failure annotation for a failed validation at `index`. */
export function validationFailureValue(
  binding: ValidatingAdmissionPolicyBinding,
  index: number,
  message: string,
): string {
  return goJson([
    {
      message,
      policy: binding.spec?.policyName ?? "",
      binding: binding.metadata?.name ?? "",
      expressionIndex: index,
      validationActions: binding.spec?.validationActions ?? null,
    },
  ])
}

/** upstream's maxAuditAnnotationValueLength. */
const MAX_AUDIT_VALUE = 10 * 1024

/** A policy's published audit annotations: each key's distinct values, in order. */
export class AuditAnnotations {
  readonly #values = new Map<string, string[]>()

  add(key: string, value: string): void {
    const v = value.length > MAX_AUDIT_VALUE ? value.slice(0, MAX_AUDIT_VALUE) : value
    const values = this.#values.get(key) ?? []
    if (!values.includes(v)) this.#values.set(key, [...values, v])
  }

  /** Notes them on the request as `<policy>/<key>`, several values joined with ", ". */
  publish(policy: string, req: AdmissionRequest): void {
    for (const [key, values] of this.#values) req.notes?.annotate(`${policy}/${key}`, values.join(", "))
  }
}
