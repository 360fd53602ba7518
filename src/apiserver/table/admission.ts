/**
 * Printers of admissionregistration.k8s.io/v1: webhook configurations, ValidatingAdmissionPolicies
 * and their bindings.
 */
import type {
  MutatingWebhookConfiguration,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingWebhookConfiguration,
} from "kubernetes-types/admissionregistration/v1.js"
import type { LabelSelector } from "kubernetes-types/meta/v1.js"
import { age } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, type Printer } from "./types.ts"

const WEBHOOKS_COLUMN = column(
  "Webhooks",
  "integer",
  "Webhooks indicates the number of webhooks registered in this configuration",
)

/** MutatingWebhookConfigurations: NAME WEBHOOKS AGE. */
export const mutatingWebhookConfigurationPrinter: Printer<MutatingWebhookConfiguration> = {
  columns: [NAME_COLUMN, WEBHOOKS_COLUMN, AGE_COLUMN],
  cells: (c, { now }) => [c.metadata?.name ?? "", (c.webhooks ?? []).length, age(c, now)],
}

/** ValidatingWebhookConfigurations: NAME WEBHOOKS AGE. */
export const validatingWebhookConfigurationPrinter: Printer<ValidatingWebhookConfiguration> = {
  columns: [NAME_COLUMN, WEBHOOKS_COLUMN, AGE_COLUMN],
  cells: (c, { now }) => [c.metadata?.name ?? "", (c.webhooks ?? []).length, age(c, now)],
}

/** ValidatingAdmissionPolicies: NAME VALIDATIONS PARAMKIND AGE. */
export const validatingAdmissionPolicyPrinter: Printer<ValidatingAdmissionPolicy> = {
  columns: [
    NAME_COLUMN,
    column(
      "Validations",
      "integer",
      "Validations indicates the number of validation rules defined in this configuration",
    ),
    column(
      "ParamKind",
      "string",
      "ParamKind specifies the kind of resources used to parameterize this policy",
    ),
    AGE_COLUMN,
  ],
  cells(p, { now }) {
    const pk = p.spec?.paramKind
    const paramKind = pk ? `${pk.apiVersion ?? ""}/${pk.kind ?? ""}` : "<unset>"
    return [p.metadata?.name ?? "", (p.spec?.validations ?? []).length, paramKind, age(p, now)]
  },
}

/** A label selector as Go's generated String() prints it (`&LabelSelector{MatchLabels:map[string]string{a: b,},...}`). */
export function selectorGoString(sel: LabelSelector): string {
  const labels = Object.keys(sel.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${sel.matchLabels![k]},`)
    .join("")
  const exprs = (sel.matchExpressions ?? [])
    .map(
      (e) =>
        `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(" ")}],},`,
    )
    .join("")
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`
}

function paramRefCell(b: ValidatingAdmissionPolicyBinding): string {
  const pr = b.spec?.paramRef
  if (!pr) return "<unset>"
  // A name without a namespace may be cluster-scoped or in every namespace: upstream prints `*/`
  if (pr.name) return pr.namespace ? `${pr.namespace}/${pr.name}` : `*/${pr.name}`
  return pr.selector ? selectorGoString(pr.selector) : "<unset>"
}

/** ValidatingAdmissionPolicyBindings: NAME POLICYNAME PARAMREF AGE. */
export const validatingAdmissionPolicyBindingPrinter: Printer<ValidatingAdmissionPolicyBinding> = {
  columns: [
    NAME_COLUMN,
    column(
      "PolicyName",
      "string",
      "PolicyName indicates the policy definition which the policy binding binded to",
    ),
    column("ParamRef", "string", "ParamRef indicates the param resource which sets the configration param"),
    AGE_COLUMN,
  ],
  cells: (b, { now }) => [b.metadata?.name ?? "", b.spec?.policyName ?? "", paramRefCell(b), age(b, now)],
}
