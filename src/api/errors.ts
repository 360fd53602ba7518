/** The one error type that crosses the wire (apimachinery's StatusError), and its Status form. */

/** Why a request failed: the `reason` field of a Kubernetes Status. */
export type Reason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "UnsupportedMediaType"
  | "RequestEntityTooLarge"
  | "Gone"
  | "Expired"
  | "Timeout"
  | "TooManyRequests"
  | "ServiceUnavailable"
  | "InternalError"

/** The HTTP code of each reason (apimachinery's table). */
export const REASON_CODES: Readonly<Record<Reason, number>> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  UnsupportedMediaType: 415,
  RequestEntityTooLarge: 413,
  Gone: 410,
  Expired: 410,
  Timeout: 504,
  TooManyRequests: 429,
  ServiceUnavailable: 503,
  InternalError: 500,
}

/** The cause types upstream's field validation reports (metav1.CauseType). */
export type FieldErrorType =
  | "FieldValueNotFound"
  | "FieldValueRequired"
  | "FieldValueDuplicate"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "InternalError"
  | "FieldValueTypeInvalid"

/** One invalid field: becomes a `details.causes[]` entry of a 422 Status. */
export interface FieldError {
  readonly type: FieldErrorType
  /** The field path as upstream prints it, e.g. `spec.containers[0].image`. */
  readonly field: string
  /** What is wrong, e.g. `Required value` or `Invalid value: "A": must be lowercase`. */
  readonly message: string
}

/** What a Status says about the object involved. */
export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  uid?: string
  causes?: { reason?: string; message?: string; field?: string }[]
  retryAfterSeconds?: number
}

/** A Kubernetes Status object (meta/v1). */
export interface Status {
  kind: "Status"
  apiVersion: "v1"
  /** A Status's ListMeta: empty, but for an expired continue token's replacement. */
  metadata: { continue?: string }
  status: "Success" | "Failure"
  message?: string
  reason?: string
  details?: StatusDetails
  code: number
}

/** An API failure with its Kubernetes reason. Callers branch on `reason`, never on text. */
export class ApiError extends Error {
  override name = "ApiError"
  readonly reason: Reason
  readonly details: StatusDetails | undefined
  /** Overrides the reason's usual HTTP code (e.g. 500 for an internal error with another reason). */
  readonly code: number

  constructor(reason: Reason, message: string, details?: StatusDetails, code?: number) {
    super(message)
    this.reason = reason
    this.details = details
    this.code = code ?? REASON_CODES[reason]
  }

  /** The error as a Status body. */
  toStatus(): Status {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    }
  }

  /** Rebuilds an ApiError from a Status body (what an HTTP client receives). */
  static fromStatus(status: Partial<Status>, httpCode?: number): ApiError {
    const code = status.code ?? httpCode ?? 500
    const reason = (
      status.reason && status.reason in REASON_CODES ? status.reason : reasonForCode(code)
    ) as Reason
    return new ApiError(reason, status.message ?? `HTTP ${code}`, status.details, code)
  }
}

/**
 * What upstream answers for an error that is not a Status (a plain Go error reaching the
 * handler): code 500, no reason (StatusReasonUnknown), the bare message. Its `reason` here stays
 * InternalError, which is also what a client rebuilds from the Status.
 */
export function unknownReason(message: string): ApiError {
  return new UnknownReasonError(message)
}

class UnknownReasonError extends ApiError {
  constructor(message: string) {
    super("InternalError", message)
  }

  override toStatus(): Status {
    const { reason: _, ...status } = super.toStatus()
    return status
  }
}

function reasonForCode(code: number): Reason {
  const found = (Object.entries(REASON_CODES) as [Reason, number][]).find(([, c]) => c === code)
  return found ? found[0] : "InternalError"
}

/** A resource name and group, for messages like `pods "web" not found`. */
export interface Qualified {
  readonly resource: string
  readonly group?: string
}

function qualifiedName(q: Qualified): string {
  return q.group ? `${q.resource}.${q.group}` : q.resource
}

/** `pods "web" not found` (404). */
export function notFound(q: Qualified, name: string): ApiError {
  return new ApiError("NotFound", `${qualifiedName(q)} "${name}" not found`, {
    name,
    ...(q.group ? { group: q.group } : {}),
    kind: q.resource,
  })
}

/** `pods "web" already exists` (409). */
export function alreadyExists(q: Qualified, name: string): ApiError {
  return new ApiError("AlreadyExists", `${qualifiedName(q)} "${name}" already exists`, {
    name,
    ...(q.group ? { group: q.group } : {}),
    kind: q.resource,
  })
}

/** `watch is not supported on resources of kind "componentstatuses"` (405): a verb the resource lacks. */
export function methodNotSupported(q: Qualified, action: string): ApiError {
  return new ApiError(
    "MethodNotAllowed",
    `${action} is not supported on resources of kind ${JSON.stringify(qualifiedName(q))}`,
    { ...(q.group ? { group: q.group } : {}), kind: q.resource },
  )
}

/** Upstream's optimistic-concurrency message (409 Conflict). */
export function conflict(q: Qualified, name: string, why: string): ApiError {
  return new ApiError("Conflict", `Operation cannot be fulfilled on ${qualifiedName(q)} "${name}": ${why}`, {
    name,
    ...(q.group ? { group: q.group } : {}),
    kind: q.resource,
  })
}

/** `Pod "web" is invalid: spec.containers[0].image: Required value` (422) with one cause per field. */
export function invalid(kind: string, name: string, errors: readonly FieldError[], group?: string): ApiError {
  // The message lists each distinct error once, as upstream's ErrorList.ToAggregate; the causes keep all.
  const summary = [...new Set(errors.map((e) => `${e.field}: ${e.message}`))]
  const list = summary.length === 1 ? summary[0] : `[${summary.join(", ")}]`
  const qualified = group ? `${kind}.${group}` : kind
  return new ApiError("Invalid", `${qualified} "${name}" is invalid: ${list}`, {
    ...(name ? { name } : {}),
    ...(group ? { group } : {}),
    // Upstream's StatusDetails leave an empty kind out (a patch that does not decode names none)
    ...(kind ? { kind } : {}),
    causes: errors.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
  })
}

/** A 400 with a message. */
export function badRequest(message: string): ApiError {
  return new ApiError("BadRequest", message)
}

/** True for a NotFound ApiError. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.reason === "NotFound"
}

/** True for an AlreadyExists ApiError. */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.reason === "AlreadyExists"
}

/** True for a Conflict ApiError. */
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.reason === "Conflict"
}

/** True for the 403 of a create in a namespace being deleted (its cause NamespaceTerminating). */
export function isNamespaceTerminating(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    err.reason === "Forbidden" &&
    !!err.details?.causes?.some((c) => c.reason === "NamespaceTerminating")
  )
}

/** Swallows NotFound (for deletes of things already gone); rethrows anything else. */
export function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err
}
