/**
 * The ValidatingAdmissionWebhook plugin, as upstream's validating dispatcher: the webhooks that
 * apply are called all at once in the validating phase; the first to fail fails the request.
 */
import type { AdmissionPlugin } from "../admission.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { callHook, failureOf, invocationOf, type WebhookAdmissionOptions } from "./dispatch.ts"
import { attributesOf, type Invocation, isExempt } from "./match.ts"
import type { Hook } from "./source.ts"

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
