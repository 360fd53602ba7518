/**
 * ValidatingAdmissionPolicies and their bindings (admissionregistration.k8s.io/v1): failure
 * policy, param kind, match constraints, validations and audit annotations; a binding's policy,
 * param reference, match resources and validation actions. CEL expressions are required here;
 * the apiserver's admission-policy package adds the errors of those that do not compile.
 */
import type {
  MatchResources,
  ParamKind,
  ParamRef,
  Validation,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from "kubernetes-types/admissionregistration/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidShown, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { validateMatchConditions, validateRuleWithOperations, type RuleLike } from "./admission-rules.ts"
import { validateLabelSelector } from "./labels.ts"
import {
  isDns1035Label,
  isDns1123Subdomain,
  isPathSegmentName,
  isQualifiedName,
  nameIsDnsSubdomain,
} from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const FAILURE_POLICIES = ["Fail", "Ignore"]
const MATCH_POLICIES = ["Equivalent", "Exact"]
const REASONS = ["Forbidden", "Invalid", "RequestEntityTooLarge"]
const ACTIONS = ["Audit", "Deny", "Warn"]
const MAX_AUDIT_ANNOTATIONS = 20
const MAX_AUDIT_VALUE_EXPRESSION = 5 * 1024
const CEL_IDENT = /^[_a-zA-Z][_a-zA-Z0-9]*$/
const CEL_RESERVED = new Set(
  "true false null in as break const continue else for function if import let loop package namespace return var void while".split(
    " ",
  ),
)

function validateParamKind(pk: ParamKind, field: string): FieldError[] {
  const errs: FieldError[] = []
  const apiVersion = pk.apiVersion ?? ""
  const apiField = child(field, "apiVersion")
  if (!apiVersion) errs.push(required(apiField, ""))
  else {
    const parts = apiVersion.split("/")
    if (parts.length > 2)
      errs.push(invalidValue(apiField, apiVersion, `unexpected GroupVersion string: ${apiVersion}`))
    else {
      const [group, version] = parts.length === 2 ? [parts[0]!, parts[1]!] : ["", parts[0]!]
      const groupErrs = group ? isDns1123Subdomain(group) : []
      if (groupErrs.length) errs.push(invalidValue(apiField, group, groupErrs.join(",")))
      if (!version) errs.push(invalidValue(apiField, apiVersion, "version must be specified"))
      else if (isDns1035Label(version).length)
        errs.push(invalidValue(apiField, version, isDns1035Label(version).join(",")))
    }
  }
  const kind = pk.kind ?? ""
  if (!kind) errs.push(required(child(field, "kind"), ""))
  else {
    const kindErrs = isDns1035Label(kind.toLowerCase())
    if (kindErrs.length)
      errs.push(
        invalidValue(
          child(field, "kind"),
          kind,
          `may have mixed case, but should otherwise match: ${kindErrs.join(",")}`,
        ),
      )
  }
  return errs
}

/** Resource rules with resource names: names are path segments, each once. */
function validateNamedRules(
  rules: readonly (RuleLike & { resourceNames?: readonly string[] })[],
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  rules.forEach((r, i) => {
    const path = index(field, i)
    const seen = new Set<string>()
    list(r.resourceNames).forEach((n, j) => {
      const nf = index(child(path, "resourceNames"), j)
      for (const m of isPathSegmentName(n)) errs.push(invalidValue(nf, n, m))
      if (seen.has(n)) errs.push(duplicate(nf, n))
      seen.add(n)
    })
    errs.push(...validateRuleWithOperations(r, path))
  })
  return errs
}

function validateMatchResources(mr: MatchResources | undefined, field: string): FieldError[] {
  if (!mr) return []
  const errs: FieldError[] = []
  if (mr.matchPolicy === undefined || mr.matchPolicy === null)
    errs.push(required(child(field, "matchPolicy"), ""))
  else if (!MATCH_POLICIES.includes(mr.matchPolicy))
    errs.push(notSupported(child(field, "matchPolicy"), mr.matchPolicy, MATCH_POLICIES))
  for (const sel of ["namespaceSelector", "objectSelector"] as const) {
    if (!mr[sel]) errs.push(required(child(field, sel), ""))
    else errs.push(...validateLabelSelector(mr[sel], child(field, sel)))
  }
  errs.push(...validateNamedRules(list(mr.resourceRules), child(field, "resourceRules")))
  errs.push(...validateNamedRules(list(mr.excludeResourceRules), child(field, "excludeResourceRules")))
  return errs
}

/** A variable: a CEL identifier and an expression (not compiled). */
function validateVariable(v: { name?: string; expression?: string }, field: string): FieldError[] {
  const errs: FieldError[] = []
  const name = v.name ?? ""
  if (!name.trim()) errs.push(required(child(field, "name"), "name is not specified"))
  else if (!CEL_IDENT.test(name) || CEL_RESERVED.has(name))
    errs.push(invalidValue(child(field, "name"), name, "name is not a valid CEL identifier"))
  if (!(v.expression ?? "").trim())
    errs.push(required(child(field, "expression"), "expression is not specified"))
  return errs
}

function validateValidation(v: Validation, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (!(v.expression ?? "").trim())
    errs.push(required(child(field, "expression"), "expression is not specified"))
  const me = v.messageExpression ?? ""
  if (me.length > 0 && !me.trim())
    errs.push(invalidValue(child(field, "messageExpression"), me, "must be non-empty if specified"))
  const msg = v.message ?? ""
  if (msg !== "" && !msg.trim())
    errs.push(invalidValue(child(field, "message"), msg, "message must be non-empty if specified"))
  else if (/[\n\r]/.test(msg.trim()))
    errs.push(invalidValue(child(field, "message"), msg, "message must not contain line breaks"))
  if (v.reason !== undefined && v.reason !== null && !REASONS.includes(v.reason))
    errs.push(notSupported(child(field, "reason"), v.reason, REASONS))
  return errs
}

/** An audit annotation's key, qualified by the policy's name (`<policy>/<key>`). */
function validateAuditKey(policyName: string, key: string, field: string): FieldError[] {
  if (!policyName) return [invalidValue(field, key, "requires metadata.name be non-empty")]
  const qualified = `${policyName}/${key}`
  return isQualifiedName(qualified).map((m) => invalidValue(field, qualified, m))
}

function validateAuditAnnotations(
  policyName: string,
  annotations: NonNullable<ValidatingAdmissionPolicy["spec"]>["auditAnnotations"],
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  const all = list(annotations)
  if (all.length > MAX_AUDIT_ANNOTATIONS)
    errs.push(
      invalidShown(
        field,
        `[${all.length} auditAnnotations]`,
        `must not have more than ${MAX_AUDIT_ANNOTATIONS} auditAnnotations`,
      ),
    )
  const keys = new Set<string>()
  all.forEach((a, i) => {
    const path = index(field, i)
    errs.push(...validateAuditKey(policyName, a.key ?? "", child(path, "key")))
    const value = (a.valueExpression ?? "").trim()
    if (!value) errs.push(required(child(path, "valueExpression"), "valueExpression is not specified"))
    else if (Buffer.byteLength(value) > MAX_AUDIT_VALUE_EXPRESSION)
      errs.push(
        required(
          child(path, "valueExpression"),
          `must not exceed ${MAX_AUDIT_VALUE_EXPRESSION} bytes in length`,
        ),
      )
    if (keys.has(a.key)) errs.push(duplicate(child(path, "key"), a.key))
    keys.add(a.key)
  })
  return errs
}

function validatePolicySpec(p: ValidatingAdmissionPolicy): FieldError[] {
  const s = p.spec ?? {}
  const errs: FieldError[] = []
  if (s.failurePolicy === undefined || s.failurePolicy === null) errs.push(required("spec.failurePolicy", ""))
  else if (!FAILURE_POLICIES.includes(s.failurePolicy))
    errs.push(notSupported("spec.failurePolicy", s.failurePolicy, FAILURE_POLICIES))
  if (s.paramKind) errs.push(...validateParamKind(s.paramKind, "spec.paramKind"))
  if (!s.matchConstraints) errs.push(required("spec.matchConstraints", ""))
  else {
    errs.push(...validateMatchResources(s.matchConstraints, "spec.matchConstraints"))
    if (list(s.matchConstraints.resourceRules).length === 0)
      errs.push(required("spec.matchConstraints.resourceRules", ""))
  }
  errs.push(...validateMatchConditions(s.matchConditions, "spec.matchConditions"))
  list(s.variables).forEach((v, i) => errs.push(...validateVariable(v, index("spec.variables", i))))
  if (list(s.validations).length === 0 && list(s.auditAnnotations).length === 0) {
    const detail = "validations or auditAnnotations must contain at least one item"
    errs.push(required("spec.validations", detail), required("spec.auditAnnotations", detail))
  } else {
    list(s.validations).forEach((v, i) => errs.push(...validateValidation(v, index("spec.validations", i))))
    errs.push(
      ...validateAuditAnnotations(p.metadata?.name ?? "", s.auditAnnotations, "spec.auditAnnotations"),
    )
  }
  return errs
}

/** The status a policy's type checker writes: each expression warning names its field and says something. */
function validatePolicyStatus(p: ValidatingAdmissionPolicy): FieldError[] {
  const errs: FieldError[] = []
  const warnings = list(p.status?.typeChecking?.expressionWarnings)
  warnings.forEach((w, i) => {
    const path = index("status.typeChecking.expressionWarnings", i)
    if (!w.warning) errs.push(required(child(path, "warning"), ""))
    if (!(w.fieldRef ?? "").trim()) errs.push(required(child(path, "fieldRef"), ""))
  })
  return errs
}

/** A ValidatingAdmissionPolicy; its status subresource gets the metadata checks only. */
export function validateValidatingAdmissionPolicy(
  p: ValidatingAdmissionPolicy,
  old?: ValidatingAdmissionPolicy,
  subresource = "",
): FieldError[] {
  const errs = old
    ? validateObjectMetaUpdate(p.metadata, old.metadata)
    : validateObjectMeta(p.metadata, { namespaced: false, name: nameIsDnsSubdomain })
  if (subresource === "status") return [...errs, ...validatePolicyStatus(p)]
  errs.push(...validatePolicySpec(p))
  return errs
}

function validateParamRef(pr: ParamRef | undefined, field: string): FieldError[] {
  if (!pr) return []
  const errs: FieldError[] = []
  const exclusive = "name and selector are mutually exclusive"
  if (pr.name) {
    for (const m of isPathSegmentName(pr.name)) errs.push(invalidValue(child(field, "name"), pr.name, m))
    if (pr.selector) errs.push(forbidden(child(field, "name"), exclusive))
  }
  if (pr.selector) {
    errs.push(...validateLabelSelector(pr.selector, child(field, "selector")))
    if (pr.name) errs.push(forbidden(child(field, "selector"), exclusive))
  }
  if (!pr.name && !pr.selector) errs.push(required(field, "one of name or selector must be specified"))
  const action = pr.parameterNotFoundAction
  if (!action) errs.push(required(child(field, "parameterNotFoundAction"), ""))
  else if (action !== "Deny" && action !== "Allow")
    errs.push(notSupported(child(field, "parameterNotFoundAction"), action, ["Deny", "Allow"]))
  return errs
}

function validateActions(actions: readonly string[], field: string): FieldError[] {
  const errs: FieldError[] = []
  const seen = new Set<string>()
  actions.forEach((a, i) => {
    if (!ACTIONS.includes(a)) errs.push(notSupported(index(field, i), a, ACTIONS))
    if (seen.has(a)) errs.push(duplicate(index(field, i), a))
    seen.add(a)
  })
  if (seen.has("Deny") && seen.has("Warn"))
    errs.push(
      invalidShown(
        field,
        `[]admissionregistration.ValidationAction{${actions.map((a) => JSON.stringify(a)).join(", ")}}`,
        "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
      ),
    )
  if (seen.size === 0) errs.push(required(field, "at least one validation action is required"))
  return errs
}

/** A ValidatingAdmissionPolicyBinding: policy name, param reference, match resources, actions. */
export function validateValidatingAdmissionPolicyBinding(
  b: ValidatingAdmissionPolicyBinding,
  old?: ValidatingAdmissionPolicyBinding,
): FieldError[] {
  const errs = old
    ? validateObjectMetaUpdate(b.metadata, old.metadata)
    : validateObjectMeta(b.metadata, { namespaced: false, name: nameIsDnsSubdomain })
  const s = b.spec ?? {}
  if (!s.policyName) errs.push(required("spec.policyName", ""))
  else
    for (const m of nameIsDnsSubdomain(s.policyName, false))
      errs.push(invalidValue("spec.policyName", s.policyName, m))
  errs.push(...validateParamRef(s.paramRef, "spec.paramRef"))
  errs.push(...validateMatchResources(s.matchResources, "spec.matchResources"))
  errs.push(...validateActions(list(s.validationActions), "spec.validationActions"))
  return errs
}
