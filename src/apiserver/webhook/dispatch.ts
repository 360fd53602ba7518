/**
 * The MutatingAdmissionWebhook and ValidatingAdmissionWebhook admission plugins, as upstream's
 * dispatchers run them: mutating webhooks one after the other, each JSON patch applied to the
 * object at the webhook's version and the result decoded and defaulted again, reinvoked once
 * (reinvocationPolicy IfNeeded) when a later change needs it; validating webhooks all at once,
 * the first failure failing the request. A webhook that cannot be called fails the request
 * (failurePolicy Fail, a 500) or is skipped (Ignore).
 */
import { randomUUID } from "node:crypto"
import fastJsonPatch, { type Operation } from "fast-json-patch"
import type { MutatingWebhook } from "kubernetes-types/admissionregistration/v1.js"
import type { ApiObject, ResourceInfo } from "../../api/index.ts"
import { goQuote, jsonEqual, type Logger } from "../../util/index.ts"
import type { AdmissionPlugin } from "../admission.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { CallFailure, postReview, type ServiceResolver } from "./client.ts"
import { CallingWebhookError, denied, dryRunUnsupported, internalError } from "./errors.ts"
import {
  type Attributes,
  attributesOf,
  type Invocation,
  isExempt,
  type MatchEnv,
  shouldCallHook,
} from "./match.ts"
import { type AdmissionResult, admissionReview, reviewVersionOf, verifyAdmissionResponse } from "./review.ts"
import type { ConditionInput } from "./conditions.ts"
import type { Hook, WebhookSource } from "./source.ts"

const { applyPatch } = fastJsonPatch

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
function optionsOf(req: AdmissionRequest): Readonly<Record<string, unknown>> | undefined {
  if (req.origin) return req.origin.options(req.operation)
  const kind = OPTIONS_KINDS[req.operation]
  if (!kind) return undefined
  return { kind, apiVersion: "meta.k8s.io/v1", ...(req.dryRun ? { dryRun: ["All"] } : {}) }
}

/** An object of `from` as served at `to`'s version. */
function versioned(
  o: WebhookAdmissionOptions,
  obj: ApiObject | undefined,
  from: ResourceInfo,
  to: ResourceInfo,
): ApiObject | undefined {
  if (!obj || from === to || (from.group === to.group && from.version === to.version)) return obj
  return o.convert(obj, from, to)
}

/**
 * Whether `req` is a create in the mutating phase, where upstream's object has no uid, no
 * creation time and (from a generateName) no name yet: they are given after mutating admission.
 */
function isUnborn(req: AdmissionRequest, mutating: boolean): boolean {
  return mutating && req.operation === "CREATE" && req.subresource === ""
}

/** The object as a mutating webhook sees a create (see isUnborn): creationTimestamp null, as Go writes it. */
function unborn(req: AdmissionRequest, obj: ApiObject | undefined): ApiObject | undefined {
  if (!obj) return obj
  const { uid: _uid, ...meta } = obj.metadata ?? {}
  if (req.name === "") delete meta.name
  return { ...obj, metadata: { ...meta, creationTimestamp: null } } as unknown as ApiObject
}

/** Gives a patched create back what the webhook did not see (a name only if it set none). */
function reborn(patched: ApiObject, original: ApiObject): void {
  const meta = (patched.metadata ??= {})
  const was = original.metadata ?? {}
  if (was.uid !== undefined) meta.uid = was.uid
  if (was.creationTimestamp !== undefined) meta.creationTimestamp = was.creationTimestamp
  if (!meta.name && was.name) meta.name = was.name
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
    const object = versioned(o, req.object, a.info, inv.info)
    return {
      object: isUnborn(req, inv.hook.mutating) ? unborn(req, object) : object,
      oldObject: versioned(o, req.old, a.info, inv.info),
      request,
    }
  }
}

/** Whether to call `hook` (see shouldCallHook), its matchConditions seeing `req`. */
function invocationOf(
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
async function callHook(
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
  const at = versioned(o, req.object, a.info, inv.info)
  const object = isUnborn(req, inv.hook.mutating) ? unborn(req, at) : at
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

/** The operations of a JSON patch a webhook answered with. */
function patchOperations(w: MutatingWebhook, patch: Buffer): Operation[] {
  let ops: unknown
  try {
    ops = JSON.parse(patch.toString("utf8"))
  } catch (err) {
    throw new CallingWebhookError(
      w.name,
      `received undecodable patch in webhook response: ${(err as Error).message}`,
    )
  }
  if (!Array.isArray(ops) || ops.some((op) => typeof op !== "object" || op === null || Array.isArray(op))) {
    const got = Array.isArray(ops) ? "object" : typeof ops
    throw new CallingWebhookError(
      w.name,
      `received undecodable patch in webhook response: json: cannot unmarshal ${got} into Go value of type jsonpatch.Patch`,
    )
  }
  return ops as Operation[]
}

/** The reason a JSON patch does not apply, near the words of upstream's json-patch library. */
function patchFailure(err: unknown, op: Operation | undefined): string {
  const name = (err as { name?: string }).name ?? ""
  const path = op ? goQuote(op.path) : '""'
  if (name === "TEST_OPERATION_FAILED") return `testing value ${path} failed: test failed`
  if (name === "OPERATION_OP_INVALID") return `Unexpected kind: ${op?.op ?? ""}`
  return `${op?.op ?? "patch"} operation does not apply: doc is missing path: ${path}: missing value`
}

/**
 * Calls one mutating webhook and applies its patch to `req.object` (in place, so the request
 * goes on with it). Returns whether the object changed.
 */
async function callMutating(
  o: WebhookAdmissionOptions,
  req: AdmissionRequest,
  a: Attributes,
  inv: Invocation,
): Promise<boolean> {
  const w = inv.hook.webhook
  const { result, object } = await callHook(o, req, a, inv)
  if (!result.patch?.length) return false
  const ops = patchOperations(w, result.patch)
  if (ops.length === 0) return false
  if (!object || !req.object) {
    throw internalError(
      `admission webhook ${goQuote(w.name)} attempted to modify the object, which is not supported for this operation`,
    )
  }
  if (result.patchType !== "JSONPatch")
    throw new CallingWebhookError(w.name, `unsupported patch type ${goQuote(result.patchType ?? "")}`)
  let patched: ApiObject
  let i = 0
  try {
    // A copy of the object as JSON: the request's object may share its values with the cache's.
    patched = JSON.parse(JSON.stringify(object)) as ApiObject
    for (; i < ops.length; i++) patched = applyPatch(patched, [ops[i] as Operation], true, true).newDocument
  } catch (err) {
    throw internalError(patchFailure(err, ops[i]))
  }
  patched = o.decode(inv.info, patched)
  const changed = !jsonEqual(object, patched)
  if (isUnborn(req, true)) reborn(patched, req.object)
  o.defaults(inv.info, patched)
  replaceContents(req.object, versioned(o, patched, inv.info, a.info) as ApiObject)
  return changed
}

/** Makes `target` hold what `source` holds (the request's object is changed in place). */
function replaceContents(target: ApiObject, source: ApiObject): void {
  const t = target as unknown as Record<string, unknown>
  const s = source as unknown as Record<string, unknown>
  for (const k of Object.keys(t)) if (!(k in s)) delete t[k]
  Object.assign(t, s)
}

/** What one request's mutating rounds remember (upstream's webhookReinvokeContext). */
class ReinvokeContext {
  /** A copy of the object as the last webhook left it. */
  #lastOutput: unknown = null
  #invoked = new Set<string>()
  #reinvoke = new Set<string>()

  outputChanged(obj: ApiObject | undefined): boolean {
    return !jsonEqual(obj ?? null, this.#lastOutput)
  }

  setLastOutput(obj: ApiObject | undefined): void {
    // Only compared when some webhook may be reinvoked: no copy otherwise.
    this.#lastOutput = obj && this.#invoked.size > 0 ? JSON.parse(JSON.stringify(obj)) : (obj ?? null)
  }

  shouldReinvoke(uid: string): boolean {
    return this.#reinvoke.has(uid)
  }

  addInvoked(uid: string): void {
    this.#invoked.add(uid)
  }

  /** The webhooks invoked so far that may be reinvoked are to be called again. */
  requireReinvoking(): void {
    for (const uid of this.#invoked) this.#reinvoke.add(uid)
    this.#invoked.clear()
  }
}

const reinvokeContexts = new WeakMap<AdmissionRequest, ReinvokeContext>()

/** What happens to a webhook's failure: thrown on, or (failurePolicy Ignore) logged. */
function failureOf(o: WebhookAdmissionOptions, w: MutatingWebhook, err: unknown): unknown {
  if (!(err instanceof CallingWebhookError)) return err
  if (w.failurePolicy === "Ignore") {
    o.log.warn({ webhook: w.name, err: err.message }, "Failed calling webhook, failing open")
    return undefined
  }
  o.log.warn({ webhook: w.name, err: err.message }, "Failed calling webhook, failing closed")
  return internalError(err.message)
}

async function dispatchMutating(
  o: WebhookAdmissionOptions,
  req: AdmissionRequest,
  hooks: readonly Hook[],
): Promise<void> {
  if (isExempt(attributesOf(req))) return
  let ctx = reinvokeContexts.get(req)
  if (!ctx) reinvokeContexts.set(req, (ctx = new ReinvokeContext()))
  const reinvoking = req.reinvocation === "running"
  // The in-tree plugins changed the object since: every webhook that may be reinvoked is.
  if (reinvoking && ctx.outputChanged(req.object)) ctx.requireReinvoking()
  try {
    for (const hook of hooks) {
      // Matched against the object as the webhooks before changed it.
      const a = attributesOf(req)
      const inv = await invocationOf(o, req, hook, a)
      if (!inv) continue
      // A webhook skipped in the first round is not called for the first time in the second.
      if (reinvoking && !ctx.shouldReinvoke(hook.uid)) continue
      let changed = false
      let error: unknown
      try {
        changed = await callMutating(o, req, a, inv)
      } catch (err) {
        error = err
      }
      if (changed) {
        ctx.requireReinvoking()
        if (!reinvoking) req.reinvocation = "requested"
      }
      if (hook.webhook.reinvocationPolicy === "IfNeeded") ctx.addInvoked(hook.uid)
      if (error === undefined) continue
      const failure = failureOf(o, hook.webhook, error)
      if (failure !== undefined) throw failure
    }
  } finally {
    ctx.setLastOutput(req.object)
  }
}

async function dispatchValidating(
  o: WebhookAdmissionOptions,
  req: AdmissionRequest,
  hooks: readonly Hook[],
): Promise<void> {
  const a = attributesOf(req)
  if (isExempt(a)) return
  const invocations: Invocation[] = []
  for (const hook of hooks) {
    const inv = await invocationOf(o, req, hook, a)
    if (inv) invocations.push(inv)
  }
  if (invocations.length === 0) return
  // All at once; the first to fail (in the order they fail) fails the request.
  const failures: unknown[] = []
  await Promise.all(
    invocations.map((inv) =>
      callHook(o, req, a, inv).then(
        () => undefined,
        (err: unknown) => {
          const failure = failureOf(o, inv.hook.webhook, err)
          if (failure !== undefined) failures.push(failure)
        },
      ),
    ),
  )
  if (failures.length) throw failures[0]
}

/** The MutatingAdmissionWebhook plugin: nothing to do (one length check) without webhooks. */
export function mutatingAdmissionWebhook(o: WebhookAdmissionOptions): AdmissionPlugin {
  return {
    name: "MutatingAdmissionWebhook",
    mutate(req) {
      const hooks = o.source.mutating()
      if (hooks.length === 0) return
      return dispatchMutating(o, req, hooks)
    },
  }
}

/** The ValidatingAdmissionWebhook plugin. */
export function validatingAdmissionWebhook(o: WebhookAdmissionOptions): AdmissionPlugin {
  return {
    name: "ValidatingAdmissionWebhook",
    validate(req) {
      const hooks = o.source.validating()
      if (hooks.length === 0) return
      return dispatchValidating(o, req, hooks)
    },
  }
}
