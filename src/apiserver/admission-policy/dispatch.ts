/**
 * The ValidatingAdmissionPolicy admission plugin, as upstream's validating dispatcher: for each
 * policy (in name order) whose matchConstraints take the request, each of its bindings whose
 * matchResources take it too is evaluated with each of its params, the object converted to the
 * version the policy matched it at. A failed validation does what the binding's
 * validationActions say (Deny, Warn, Audit); a policy or binding that cannot be applied (a
 * namespace that cannot be read, a paramKind the server does not serve, a param not found under
 * Deny) fails the request unless its failurePolicy is Ignore. The first denial fails the request.
 * The policies' own kinds are never admitted by them.
 */
import type {
  ParamKind,
  ValidatingAdmissionPolicyBinding,
} from "kubernetes-types/admissionregistration/v1.js"
import type { ApiObject, ResourceInfo } from "../../api/index.ts"
import type { AdmissionPlugin } from "../admission.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { optionsOf } from "../webhook/dispatch.ts"
import { type Attributes, attributesOf, type MatchEnv, requestAuthorizer } from "../webhook/match.ts"
import { admissionReview } from "../webhook/review.ts"
import {
  AuditAnnotations,
  type Denial,
  deniedError,
  VALIDATION_FAILURE_KEY,
  validationFailureValue,
  warningOf,
} from "./errors.ts"
import { type EvaluationInput, validate, type ValidateResult } from "./evaluate.ts"
import { type Matched, matchRequest } from "./match.ts"
import { collectParams, gvkString, paramKindOf, type ParamSource } from "./params.ts"
import type { BoundBinding, PolicyHook, PolicySource } from "./source.ts"

/** What the plugin needs from the server. */
export interface PolicyAdmissionOptions {
  readonly source: PolicySource
  readonly match: MatchEnv
  /** The Namespace named (from the cache, else the store). @throws ApiError NotFound */
  readonly namespace: (name: string) => Promise<ApiObject>
  readonly params: ParamSource
  /** Converts an object of `from`'s kind to `to`'s version (an equivalent resource's). */
  readonly convert: (obj: ApiObject, from: ResourceInfo, to: ResourceInfo) => ApiObject
}

/** The resources whose requests policies never see (upstream's admissionResources). */
const EXCLUDED = new Set([
  "validatingadmissionpolicies",
  "validatingadmissionpolicybindings",
  "mutatingadmissionpolicies",
  "mutatingadmissionpolicybindings",
])

function isExcluded(req: AdmissionRequest): boolean {
  return req.info.group === "admissionregistration.k8s.io" && EXCLUDED.has(req.info.resource)
}

/** The namespace as CEL's namespaceObject has it (upstream's CreateNamespaceObject). */
function namespaceView(ns: ApiObject): Record<string, unknown> {
  const m = ns.metadata ?? {}
  const keep = [
    "name",
    "generateName",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "finalizers",
  ] as const
  const metadata = Object.fromEntries(keep.filter((k) => m[k] !== undefined).map((k) => [k, m[k]]))
  const { spec, status } = ns as { spec?: unknown; status?: unknown }
  return { metadata, spec: spec ?? {}, status: status ?? {} }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** The objects and request a policy's expressions see, at the version it matched the request as. */
function inputOf(
  o: PolicyAdmissionOptions,
  req: AdmissionRequest,
  a: Attributes,
  m: Matched,
): Omit<EvaluationInput, "params" | "namespaceObject"> {
  const at = (obj: ApiObject | undefined) =>
    !obj || (a.info.group === m.info.group && a.info.version === m.info.version)
      ? obj
      : o.convert(obj, a.info, m.info)
  const review = admissionReview(
    "v1",
    a,
    { ...m, subresource: a.subresource },
    {
      uid: "",
      user: req.user,
      dryRun: req.dryRun,
      options: optionsOf(req),
    },
  )
  const { uid: _uid, object: _object, oldObject: _old, ...request } = review.request
  return {
    object: at(req.object) ?? null,
    oldObject: at(req.old) ?? null,
    request,
    authorizer: requestAuthorizer(o.match, req, m.info, a),
  }
}

/** What every policy's evaluation of one request shares. */
interface RequestContext {
  readonly o: PolicyAdmissionOptions
  readonly req: AdmissionRequest
  readonly a: Attributes
  /** The denials so far, in the order they were decided. */
  readonly denials: Denial[]
}

/** One policy's evaluation of a request, collecting its denials. */
class HookDispatch {
  readonly #o: PolicyAdmissionOptions
  readonly #req: AdmissionRequest
  readonly #a: Attributes
  readonly #hook: PolicyHook
  readonly #denials: Denial[]
  readonly #name: string
  readonly #failurePolicy: string

  constructor(c: RequestContext, hook: PolicyHook) {
    this.#o = c.o
    this.#req = c.req
    this.#a = c.a
    this.#hook = hook
    this.#denials = c.denials
    this.#name = hook.policy.metadata?.name ?? ""
    this.#failurePolicy = hook.policy.spec?.failurePolicy ?? "Fail"
  }

  /** A policy or binding that cannot be applied: a denial unless the failurePolicy is Ignore. */
  #configError(err: unknown, binding?: string): void {
    if (this.#failurePolicy === "Ignore") return
    const what = binding === undefined ? "policy" : "binding"
    const message =
      this.#failurePolicy === "Fail"
        ? `failed to configure ${what}: ${errorText(err)}`
        : `unrecognized failure policy: '${this.#failurePolicy}'`
    this.#denials.push({ policy: this.#name, ...(binding === undefined ? {} : { binding }), message })
  }

  async run(): Promise<void> {
    const hook = this.#hook
    if ("error" in hook.match) return this.#configError(hook.match.error)
    let matched: Matched | undefined
    try {
      matched = await matchRequest(hook.match, this.#a, this.#o.match)
    } catch (err) {
      return this.#configError(err)
    }
    if (!matched) return
    const paramKind = hook.policy.spec?.paramKind
    let paramInfo: ResourceInfo | undefined
    if (paramKind) {
      const gvk = paramKindOf(paramKind)
      paramInfo = this.#o.params.resolve(gvk.group, gvk.version, gvk.kind)
      if (!paramInfo)
        return this.#configError(`failed to find resource referenced by paramKind: '${gvkString(gvk)}'`)
    }
    const annotations = new AuditAnnotations()
    let input: ReturnType<typeof inputOf> | undefined
    for (const bound of hook.bindings) {
      const params = await this.#paramsOf(bound, paramKind, paramInfo)
      if (!params?.length) continue
      input ??= inputOf(this.#o, this.#req, this.#a, matched)
      const isNamespace =
        this.#a.kind.group === "" && this.#a.kind.version === "v1" && this.#a.kind.kind === "Namespace"
      const nsName = isNamespace ? "" : this.#a.namespace
      // A namespace that cannot be read fails the request with its own error, as upstream's.
      const namespaceObject = nsName ? namespaceView(await this.#o.namespace(nsName)) : null
      for (const params_ of params) {
        const result = validate(
          hook.compiled,
          { ...input, params: params_, namespaceObject },
          this.#failurePolicy,
        )
        this.#apply(bound.binding, result, annotations)
      }
    }
    annotations.publish(this.#name, this.#req)
  }

  /** The params to evaluate a binding with; undefined when it does not apply or cannot be. */
  async #paramsOf(
    bound: BoundBinding,
    paramKind: ParamKind | undefined,
    paramInfo: ResourceInfo | undefined,
  ): Promise<readonly (ApiObject | null)[] | undefined> {
    const name = bound.binding.metadata?.name ?? ""
    if (bound.match) {
      if ("error" in bound.match) return void this.#configError(bound.match.error, name)
      try {
        if (!(await matchRequest(bound.match, this.#a, this.#o.match))) return undefined
      } catch (err) {
        return void this.#configError(err, name)
      }
    }
    try {
      const ref = bound.binding.spec?.paramRef
      return collectParams(paramKind, paramInfo, ref, this.#a.namespace, this.#o.params)
    } catch (err) {
      return void this.#configError(err, name)
    }
  }

  /** What the binding's validationActions make of a result. */
  #apply(
    binding: ValidatingAdmissionPolicyBinding,
    result: ValidateResult,
    annotations: AuditAnnotations,
  ): void {
    const bindingName = binding.metadata?.name ?? ""
    const notes = this.#req.notes
    result.decisions.forEach((d, i) => {
      if (d.action !== "deny") return
      for (const action of binding.spec?.validationActions ?? []) {
        if (action === "Deny")
          this.#denials.push({
            policy: this.#name,
            binding: bindingName,
            message: d.message,
            ...(d.reason ? { reason: d.reason } : {}),
          })
        else if (action === "Audit")
          notes?.annotate(VALIDATION_FAILURE_KEY, validationFailureValue(binding, i, d.message))
        else if (action === "Warn") notes?.warn(warningOf(this.#name, bindingName, d.message))
      }
    })
    for (const an of result.auditAnnotations) {
      if (an.action === "publish") annotations.add(an.key, an.value ?? "")
      else if (an.action === "error")
        this.#denials.push({ policy: this.#name, binding: bindingName, message: an.error ?? "" })
    }
  }
}

/** The ValidatingAdmissionPolicy plugin; with no bindings it costs a size check per write. */
export function validatingAdmissionPolicy(o: PolicyAdmissionOptions): AdmissionPlugin {
  return {
    name: "ValidatingAdmissionPolicy",
    validate(req) {
      const hooks = o.source.hooks()
      if (hooks.length === 0 || isExcluded(req)) return
      return dispatch(o, req, hooks)
    },
  }
}

async function dispatch(
  o: PolicyAdmissionOptions,
  req: AdmissionRequest,
  hooks: readonly PolicyHook[],
): Promise<void> {
  const c: RequestContext = { o, req, a: attributesOf(req), denials: [] }
  for (const hook of hooks) await new HookDispatch(c, hook).run()
  const first = c.denials[0]
  if (first) throw deniedError(req, first)
}
