/**
 * What the MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins (mutating.ts,
 * validating.ts) share, as upstream's dispatchers and generic webhook do it: whether a webhook
 * applies (its matchConditions seeing the object at its version), the review sent and the answer
 * checked, and what a webhook that cannot be called does: fail the request (failurePolicy Fail,
 * a 500) or let it go on (Ignore).
 */
import { randomUUID } from "node:crypto"
import type { MutatingWebhook } from "kubernetes-types/admissionregistration/v1.js"
import type { ApiObject, ResourceInfo } from "../../api/index.ts"
import type { Logger } from "../../util/index.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { CallFailure, postReview, type ServiceResolver } from "./client.ts"
import type { ConditionInput } from "./conditions.ts"
import { CallingWebhookError, denied, dryRunUnsupported, internalError } from "./errors.ts"
import {
  type Attributes,
  type Invocation,
  type MatchEnv,
  requestAuthorizer,
  shouldCallHook,
} from "./match.ts"
import { type AdmissionResult, admissionReview, reviewVersionOf, verifyAdmissionResponse } from "./review.ts"
import type { Hook, WebhookSource } from "./source.ts"

/** What the webhook plugins need from the server. */
export interface WebhookAdmissionOptions {
  readonly source: WebhookSource
  readonly match: MatchEnv
  /** Where a webhook's Service is reached. */
  readonly resolve: ServiceResolver
  /** Converts an object of `from`'s kind to `to`'s version (an equivalent resource's). */
  readonly convert: (obj: ApiObject, from: ResourceInfo, to: ResourceInfo) => ApiObject
  /** Decodes a patched object as upstream decodes it into its type (unknown fields, zeros dropped). */
  readonly decode: (info: ResourceInfo, obj: ApiObject) => ApiObject
  /** Fills the defaults of a patched object. */
  readonly defaults: (info: ResourceInfo, obj: ApiObject) => void
  readonly log: Logger
  /** Posts a review (tests replace it); default HTTPS. */
  readonly post?: typeof postReview
}

/** Upstream's default webhook timeout, when a configuration somehow has none. */
const DEFAULT_TIMEOUT_SECONDS = 10

const OPTIONS_KINDS: Readonly<Record<string, string>> = {
  CREATE: "CreateOptions",
  UPDATE: "UpdateOptions",
  DELETE: "DeleteOptions",
}

/** The operation's options: the request's, else what the attributes tell (a server's own write). */
export function optionsOf(req: AdmissionRequest): Readonly<Record<string, unknown>> | undefined {
  if (req.origin) return req.origin.options(req.operation)
  const kind = OPTIONS_KINDS[req.operation]
  if (!kind) return undefined
  return { kind, apiVersion: "meta.k8s.io/v1", ...(req.dryRun ? { dryRun: ["All"] } : {}) }
}

/** An object of `from` as served at `to`'s version. */
export function versioned(
  o: WebhookAdmissionOptions,
  obj: ApiObject | undefined,
  from: ResourceInfo,
  to: ResourceInfo,
): ApiObject | undefined {
  if (!obj || from === to || (from.group === to.group && from.version === to.version)) return obj
  return o.convert(obj, from, to)
}

/**
 * The object a webhook is sent (`mutating`: a mutating webhook): a create's, which the registry
 * gives its creationTimestamp only after mutating admission, has it null there, as Go writes it.
 */
function asSent(req: AdmissionRequest, obj: ApiObject | undefined, mutating: boolean): ApiObject | undefined {
  if (!mutating || req.operation !== "CREATE" || req.subresource !== "") return obj
  const meta = obj?.metadata
  if (!obj || !meta || meta.creationTimestamp !== undefined) return obj
  return { ...obj, metadata: { ...meta, creationTimestamp: null } } as unknown as ApiObject
}

/** What a hook's matchConditions see of an invocation: the objects at its version, the request. */
function conditionInputOf(
  o: WebhookAdmissionOptions,
  req: AdmissionRequest,
  a: Attributes,
): (inv: Invocation) => ConditionInput {
  return (inv) => {
    const input = { uid: "", user: req.user, dryRun: req.dryRun, options: optionsOf(req) }
    const {
      uid: _uid,
      object: _object,
      oldObject: _old,
      ...request
    } = admissionReview("v1", a, inv, input).request
    return {
      object: asSent(req, versioned(o, req.object, a.info, inv.info), inv.hook.mutating),
      oldObject: versioned(o, req.old, a.info, inv.info),
      request,
      authorizer: requestAuthorizer(o.match, req, inv.info, a),
    }
  }
}

/** Whether to call `hook` (see shouldCallHook), its matchConditions seeing `req`. */
export function invocationOf(
  o: WebhookAdmissionOptions,
  req: AdmissionRequest,
  hook: Hook,
  a: Attributes,
): Promise<Invocation | undefined> {
  const input = hook.conditions.length ? conditionInputOf(o, req, a) : undefined
  return shouldCallHook(hook, a, o.match, input)
}

/** A dry run only reaches webhooks without side effects. */
function checkDryRun(req: AdmissionRequest, w: MutatingWebhook): void {
  if (!req.dryRun) return
  if (!w.sideEffects) throw new CallingWebhookError(w.name, "Webhook SideEffects is nil")
  if (w.sideEffects !== "None" && w.sideEffects !== "NoneOnDryRun") throw dryRunUnsupported(w.name)
}

/** Sends the review of `a` to the invoked webhook and returns its checked answer. */
export async function callHook(
  o: WebhookAdmissionOptions,
  req: AdmissionRequest,
  a: Attributes,
  inv: Invocation,
): Promise<{ result: AdmissionResult; object: ApiObject | undefined }> {
  const w = inv.hook.webhook
  checkDryRun(req, w)
  const version = reviewVersionOf(w.admissionReviewVersions)
  if (!version) {
    throw new CallingWebhookError(
      w.name,
      "could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)",
    )
  }
  const object = asSent(req, versioned(o, req.object, a.info, inv.info), inv.hook.mutating)
  const old = versioned(o, req.old, a.info, inv.info)
  const uid = randomUUID()
  const review = admissionReview(version, a, inv, {
    uid,
    user: req.user,
    dryRun: req.dryRun,
    options: optionsOf(req),
    object,
    old,
  })
  const timeout = w.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS
  let answer: unknown
  try {
    answer = await (o.post ?? postReview)(w.clientConfig, JSON.stringify(review), timeout, o.resolve)
  } catch (err) {
    if (!(err instanceof CallFailure)) throw err
    throw new CallingWebhookError(w.name, `failed to call webhook: ${err.message}`)
  }
  let result: AdmissionResult
  try {
    result = verifyAdmissionResponse(version, uid, inv.hook.mutating, answer)
  } catch (err) {
    throw new CallingWebhookError(w.name, `received invalid webhook response: ${(err as Error).message}`)
  }
  for (const warning of result.warnings) if (warning) req.notes?.warn(warning)
  if (!result.allowed) throw denied(w.name, result.status)
  return { result, object }
}

/** What happens to a webhook's failure: thrown on, or (failurePolicy Ignore) logged. */
export function failureOf(o: WebhookAdmissionOptions, w: MutatingWebhook, err: unknown): unknown {
  if (!(err instanceof CallingWebhookError)) return err
  if (w.failurePolicy === "Ignore") {
    o.log.warn({ webhook: w.name, err: err.message }, "Failed calling webhook, failing open")
    return undefined
  }
  o.log.warn({ webhook: w.name, err: err.message }, "Failed calling webhook, failing closed")
  return internalError(err.message)
}
