/**
 * The MutatingAdmissionWebhook plugin, as upstream's mutating dispatcher: webhooks one after the
 * other in the mutating phase, each JSON patch applied to the object at the webhook's version and
 * the result decoded and defaulted again, then converted back; the mutating plugins run once
 * more when a change calls for webhooks with reinvocationPolicy IfNeeded to see it.
 */
import type { MutatingWebhook } from "kubernetes-types/admissionregistration/v1.js"
import type { ApiObject } from "../../api/index.ts"
import { goQuote, jsonEqual } from "../../util/index.ts"
import type { AdmissionPlugin } from "../admission.ts"
import { JsonPatchError, applyJsonPatch } from "../json-patch.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { callHook, failureOf, invocationOf, versioned, type WebhookAdmissionOptions } from "./dispatch.ts"
import { CallingWebhookError, internalError } from "./errors.ts"
import { type Attributes, attributesOf, type Invocation, isExempt } from "./match.ts"
import type { Hook } from "./source.ts"

/** The operations of a JSON patch a webhook answered with. */
function patchOperations(w: MutatingWebhook, patch: Buffer): unknown[] {
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
  return ops
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
  try {
    // Applied to the object as JSON has it (upstream encodes it): members set to undefined gone.
    patched = applyJsonPatch(JSON.parse(JSON.stringify(object)) as object, ops) as ApiObject
  } catch (err) {
    if (err instanceof JsonPatchError) throw internalError(err.message)
    throw err
  }
  patched = o.decode(inv.info, patched)
  const changed = !jsonEqual(object, patched)
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
