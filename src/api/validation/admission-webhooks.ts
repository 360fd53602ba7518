/**
 * Mutating- and ValidatingWebhookConfigurations (admissionregistration.k8s.io/v1): fully
 * qualified webhook names, unique within a configuration, rules, policies, timeouts,
 * selectors, review versions and where to call (a URL or a service), as upstream's validation.
 */
import type {
  MutatingWebhookConfiguration,
  ServiceReference,
  ValidatingWebhookConfiguration,
} from "kubernetes-types/admissionregistration/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, invalidShown, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { validateMatchConditions, validateRuleWithOperations } from "./admission-rules.ts"
import { isValidPortNum } from "./formats.ts"
import { goStrings } from "./go-values.ts"
import { validateLabelSelector } from "./labels.ts"
import { isDns1035Label, isDns1123Subdomain, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const FAILURE_POLICIES = ["Fail", "Ignore"]
const MATCH_POLICIES = ["Equivalent", "Exact"]
const NO_SIDE_EFFECTS = ["None", "NoneOnDryRun"]
const ALL_SIDE_EFFECTS = ["None", "NoneOnDryRun", "Some", "Unknown"]
const REINVOCATION = ["IfNeeded", "Never"]
const REVIEW_VERSIONS = ["v1", "v1beta1"]
const URL_FORM = "; desired format: https://host[/path]"

type Webhook = NonNullable<ValidatingWebhookConfiguration["webhooks"]>[number] & {
  reinvocationPolicy?: string
}
type Configuration = ValidatingWebhookConfiguration | MutatingWebhookConfiguration

/** What an update may keep from the stored object that a create may not have. */
interface Options {
  readonly requireNoSideEffects: boolean
  readonly requireRecognizedVersion: boolean
  readonly requireUniqueNames: boolean
  readonly mutating: boolean
}

/** A name of at least three DNS-1123 subdomain segments (`pods.example.com`). */
export function validateFullyQualifiedName(name: string, field: string): FieldError[] {
  if (!name) return [required(field, "")]
  const msgs = isDns1123Subdomain(name)
  if (msgs.length) return [invalidValue(field, name, msgs.join(","))]
  if (name.split(".").length < 3)
    return [invalidValue(field, name, "should be a domain with at least three segments separated by dots")]
  return []
}

/** A webhook URL: https, a host, and no user, fragment or query. */
export function validateWebhookUrl(raw: string, field: string): FieldError[] {
  let u: URL
  try {
    u = new URL(raw)
  } catch (err) {
    return [required(field, `url must be a valid URL: ${(err as Error).message}${URL_FORM}`)]
  }
  const errs: FieldError[] = []
  const scheme = u.protocol.replace(/:$/, "")
  if (scheme !== "https")
    errs.push(invalidValue(field, scheme, `'https' is the only allowed URL scheme${URL_FORM}`))
  if (!u.host) errs.push(invalidValue(field, u.host, `host must be specified${URL_FORM}`))
  if (u.username || u.password) {
    const user = u.password ? `${u.username}:${u.password}` : u.username
    errs.push(invalidValue(field, user, "user information is not permitted in the URL"))
  }
  if (u.hash.length > 1)
    errs.push(invalidValue(field, u.hash.slice(1), "fragments are not permitted in the URL"))
  if (u.search.length > 1)
    errs.push(invalidValue(field, u.search.slice(1), "query parameters are not permitted in the URL"))
  return errs
}

/** The path of a service reference: `/` and DNS-1123 subdomain segments. */
function validateServicePath(path: string, field: string): FieldError[] {
  if (path === "/" || path === "") return []
  if (path === "//") return [invalidValue(field, path, "segment[0] may not be empty")]
  const errs: FieldError[] = []
  if (!path.startsWith("/")) errs.push(invalidValue(field, path, "must start with a '/'"))
  let rest = path.slice(1)
  if (rest.endsWith("/")) rest = rest.slice(0, -1)
  rest.split("/").forEach((step, i) => {
    if (step === "") return void errs.push(invalidValue(field, path, `segment[${i}] may not be empty`))
    for (const m of isDns1123Subdomain(step)) errs.push(invalidValue(field, path, `segment[${i}]: ${m}`))
  })
  return errs
}

/** A service reference: name, namespace, a valid port and path. */
export function validateWebhookService(svc: ServiceReference, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (!svc.name) errs.push(required(child(field, "name"), "service name is required"))
  if (!svc.namespace) errs.push(required(child(field, "namespace"), "service namespace is required"))
  const port = svc.port ?? 443
  const portErrs = isValidPortNum(port)
  if (portErrs.length)
    errs.push(invalidValue(child(field, "port"), port, `port is not valid: ${portErrs.join(", ")}`))
  if (svc.path !== undefined && svc.path !== null)
    errs.push(...validateServicePath(svc.path, child(field, "path")))
  return errs
}

function validateClientConfig(hook: Webhook, field: string): FieldError[] {
  const cc = hook.clientConfig ?? {}
  const path = child(field, "clientConfig")
  if ((cc.url === undefined) === (cc.service === undefined))
    return [required(path, "exactly one of url or service is required")]
  if (cc.url !== undefined) return validateWebhookUrl(cc.url, child(path, "url"))
  return validateWebhookService(cc.service!, child(path, "service"))
}

function validateEnum(field: string, value: string | undefined, supported: readonly string[]): FieldError[] {
  return value !== undefined && value !== null && !supported.includes(value)
    ? [notSupported(field, value, supported)]
    : []
}

function validatePolicies(hook: Webhook, field: string, opts: Options): FieldError[] {
  const errs = [
    ...validateEnum(child(field, "failurePolicy"), hook.failurePolicy, FAILURE_POLICIES),
    ...validateEnum(child(field, "matchPolicy"), hook.matchPolicy, MATCH_POLICIES),
  ]
  const sideEffects = opts.requireNoSideEffects ? NO_SIDE_EFFECTS : ALL_SIDE_EFFECTS
  if (hook.sideEffects === undefined || hook.sideEffects === null)
    errs.push(required(child(field, "sideEffects"), `must specify one of ${sideEffects.join(", ")}`))
  else errs.push(...validateEnum(child(field, "sideEffects"), hook.sideEffects, sideEffects))
  const timeout = hook.timeoutSeconds
  if (timeout !== undefined && timeout !== null && (timeout > 30 || timeout < 1))
    errs.push(
      invalidValue(
        child(field, "timeoutSeconds"),
        timeout,
        "the timeout value must be between 1 and 30 seconds",
      ),
    )
  return errs
}

function validateWebhook(hook: Webhook, field: string, opts: Options): FieldError[] {
  const errs = validateFullyQualifiedName(hook.name ?? "", child(field, "name"))
  list(hook.rules).forEach((r, i) =>
    errs.push(...validateRuleWithOperations(r, index(child(field, "rules"), i))),
  )
  errs.push(...validatePolicies(hook, field, opts))
  errs.push(...validateLabelSelector(hook.namespaceSelector, child(field, "namespaceSelector")))
  errs.push(...validateLabelSelector(hook.objectSelector, child(field, "objectSelector")))
  if (opts.mutating)
    errs.push(...validateEnum(child(field, "reinvocationPolicy"), hook.reinvocationPolicy, REINVOCATION))
  errs.push(...validateClientConfig(hook, field))
  errs.push(...validateMatchConditions(hook.matchConditions, child(field, "matchConditions")))
  return errs
}

/** The review versions: at least one, no repeats, DNS-1035 labels, one of them v1 or v1beta1. */
function validateReviewVersions(
  versions: readonly string[],
  field: string,
  requireRecognized: boolean,
): FieldError[] {
  if (versions.length === 0) return [required(field, `must specify one of ${REVIEW_VERSIONS.join(", ")}`)]
  const errs: FieldError[] = []
  const seen = new Set<string>()
  versions.forEach((v, i) => {
    if (seen.has(v)) return void errs.push(invalidValue(index(field, i), v, "duplicate version"))
    seen.add(v)
    for (const m of isDns1035Label(v)) errs.push(invalidValue(index(field, i), v, m))
  })
  if (requireRecognized && !versions.some((v) => REVIEW_VERSIONS.includes(v)))
    errs.push(
      invalidShown(field, goStrings(versions), `must include at least one of ${REVIEW_VERSIONS.join(", ")}`),
    )
  return errs
}

function validateConfiguration(c: Configuration, opts: Options): FieldError[] {
  const errs: FieldError[] = []
  const names = new Set<string>()
  list(c.webhooks as readonly Webhook[]).forEach((hook, i) => {
    const path = index("webhooks", i)
    errs.push(...validateWebhook(hook, path, opts))
    errs.push(
      ...validateReviewVersions(
        list(hook.admissionReviewVersions),
        child(path, "admissionReviewVersions"),
        opts.requireRecognizedVersion,
      ),
    )
    if (opts.requireUniqueNames && hook.name) {
      if (names.has(hook.name)) errs.push(duplicate(child(path, "name"), hook.name))
      names.add(hook.name)
    }
  })
  return errs
}

/** Upstream keeps accepting what the stored object already had: unrecognized versions, repeated names. */
function optionsFor(old: Configuration | undefined, mutating: boolean): Options {
  const hooks = list(old?.webhooks as readonly Webhook[] | undefined)
  const recognized = hooks.every((h) => {
    const versions = list(h.admissionReviewVersions)
    return versions.length === 0 || versions.some((v) => REVIEW_VERSIONS.includes(v))
  })
  const names = hooks.map((h) => h.name ?? "")
  const noSideEffects = hooks.every((h) => NO_SIDE_EFFECTS.includes(h.sideEffects ?? ""))
  return {
    mutating,
    requireNoSideEffects: !old || noSideEffects,
    requireRecognizedVersion: !old || recognized,
    requireUniqueNames: !old || new Set(names).size === names.length,
  }
}

function validate(c: Configuration, old: Configuration | undefined, mutating: boolean): FieldError[] {
  const errs = old
    ? validateObjectMetaUpdate(c.metadata, old.metadata)
    : validateObjectMeta(c.metadata, { namespaced: false, name: nameIsDnsSubdomain })
  errs.push(...validateConfiguration(c, optionsFor(old, mutating)))
  return errs
}

/** A ValidatingWebhookConfiguration on create or update. */
export function validateValidatingWebhookConfiguration(
  c: ValidatingWebhookConfiguration,
  old?: ValidatingWebhookConfiguration,
): FieldError[] {
  return validate(c, old, false)
}

/** A MutatingWebhookConfiguration on create or update (its webhooks also have a reinvocationPolicy). */
export function validateMutatingWebhookConfiguration(
  c: MutatingWebhookConfiguration,
  old?: MutatingWebhookConfiguration,
): FieldError[] {
  return validate(c, old, true)
}
