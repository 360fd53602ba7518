/**
 * How admission webhooks fail a request, in upstream's words and codes: a webhook that refused
 * (its Status, the message prefixed `admission webhook "<name>" denied the request`), a webhook
 * that could not be called (`failed calling webhook "<name>": ...`, a 500 under failurePolicy
 * Fail), and a dry run sent to a webhook with side effects (400).
 */
import { ApiError, REASON_CODES, type Reason, type Status, type StatusDetails } from "../../api/index.ts"
import { goQuote } from "../../util/index.ts"

/**
 * A webhook that could not be called or answered with something that is not a review (upstream's
 * ErrCallingWebhook): the request fails or goes on by the webhook's failurePolicy.
 */
export class CallingWebhookError extends Error {
  override name = "CallingWebhookError"

  constructor(webhook: string, reason: string) {
    super(`failed calling webhook ${goQuote(webhook)}: ${reason}`)
  }
}

/** apimachinery's NewInternalError: 500, reason InternalError, the message as its one cause. */
export function internalError(message: string): ApiError {
  return new ApiError("InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] })
}

/** The 400 of a dry run that reaches a webhook with side effects. */
export function dryRunUnsupported(webhook: string): ApiError {
  return new ApiError("BadRequest", `admission webhook ${goQuote(webhook)} does not support dry run`)
}

/** A Status a webhook refused a request with, sent to the client as it is (its reason too, or none). */
class WebhookStatusError extends ApiError {
  readonly #reason: string | undefined

  constructor(message: string, code: number, reason: string | undefined, details?: StatusDetails) {
    const known = reason && reason in REASON_CODES ? (reason as Reason) : reasonForCode(code)
    super(known, message, details, code)
    this.#reason = reason || undefined
  }

  override toStatus(): Status {
    const { reason: _, ...status } = super.toStatus()
    return this.#reason === undefined ? status : { ...status, reason: this.#reason }
  }
}

function reasonForCode(code: number): Reason {
  const found = (Object.entries(REASON_CODES) as [Reason, number][]).find(([, c]) => c === code)
  return found ? found[0] : "InternalError"
}

/**
 * The error of a webhook's refusal (upstream's ToStatusErr): its Status with a code of at least
 * 400 and the message naming the webhook.
 */
export function denied(webhook: string, result: Partial<Status> | undefined): ApiError {
  const by = `admission webhook ${goQuote(webhook)} denied the request`
  const code = typeof result?.code === "number" && result.code >= 400 ? result.code : 400
  const reason = typeof result?.reason === "string" ? result.reason : undefined
  const message = result?.message
    ? `${by}: ${result.message}`
    : reason
      ? `${by}: ${reason}`
      : `${by} without explanation`
  const details = typeof result?.details === "object" && result.details ? result.details : undefined
  return new WebhookStatusError(message, code, reason, details)
}

/**
 * The message of apimachinery's NewGenericServerResponse for an answer of `code` to a POST that
 * carried no Status (`serverMessage`: its text, or "unknown").
 */
export function genericServerMessage(code: number, serverMessage: string): string {
  switch (code) {
    case 409:
      return "the server reported a conflict"
    case 404:
      return "the server could not find the requested resource"
    case 400:
      return "the server rejected our request for an unknown reason"
    case 401:
      return "the server has asked for the client to provide credentials"
    case 403:
    case 415:
      return serverMessage
    case 406:
      return serverMessage === "" || serverMessage === "unknown"
        ? "the server was unable to respond with a content type that the client supports"
        : serverMessage
    case 405:
      return "the server does not allow this method on the requested resource"
    case 422:
      return "the server rejected our request due to an error in our request"
    case 503:
      return "the server is currently unable to handle the request"
    case 504:
      return "the server was unable to return a response in the time allotted, but may still be processing the request"
    case 429:
      return "the server has received too many requests and has asked us to try again later"
  }
  if (code >= 500)
    return `an error on the server (${goQuote(serverMessage)}) has prevented the request from succeeding`
  return `the server responded with the status code ${code} but did not return more information`
}

/** apimachinery's NewForbidden: `<resource>.<group> "<name>" is forbidden: <message>` (403). */
export function forbidden(
  resource: { readonly group: string; readonly resource: string },
  name: string,
  message: string,
): ApiError {
  const qualified = resource.group ? `${resource.resource}.${resource.group}` : resource.resource
  const text = name
    ? `${qualified} ${goQuote(name)} is forbidden: ${message}`
    : `${qualified} is forbidden: ${message}`
  return new ApiError("Forbidden", text, {
    ...(name ? { name } : {}),
    ...(resource.group ? { group: resource.group } : {}),
    kind: resource.resource,
  })
}
