/**
 * admissionregistration.k8s.io/v1 defaults: webhooks of Mutating- and
 * ValidatingWebhookConfigurations, ValidatingAdmissionPolicies and their bindings' match
 * resources, as upstream's pkg/apis/admissionregistration/v1 defaulters.
 */
import type {
  MatchResources,
  MutatingWebhook,
  MutatingWebhookConfiguration,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingWebhook,
  ValidatingWebhookConfiguration,
  WebhookClientConfig,
} from "kubernetes-types/admissionregistration/v1.js"

type Obj = Record<string, any>

/** Scope "*" on each rule that has none. */
function defaultRules(rules: readonly object[] | undefined): void {
  for (const r of rules ?? []) (r as Obj).scope ??= "*"
}

/** Port 443 on a service reference without one. */
function defaultClientConfig(cc: WebhookClientConfig | undefined): void {
  if (cc?.service) (cc.service as Obj).port ??= 443
}

/** What both webhook kinds default: policies, selectors, timeout, rules and the service port. */
function defaultWebhook(w: ValidatingWebhook | MutatingWebhook): void {
  const m = w as Obj
  m.failurePolicy ??= "Fail"
  m.matchPolicy ??= "Equivalent"
  m.namespaceSelector ??= {}
  m.objectSelector ??= {}
  m.timeoutSeconds ??= 10
  defaultRules(w.rules)
  defaultClientConfig(w.clientConfig)
}

/** ValidatingWebhookConfiguration: each webhook's defaults. */
export function defaultValidatingWebhookConfiguration(c: ValidatingWebhookConfiguration): void {
  for (const w of c.webhooks ?? []) defaultWebhook(w)
}

/** MutatingWebhookConfiguration: each webhook's defaults, and reinvocationPolicy Never. */
export function defaultMutatingWebhookConfiguration(c: MutatingWebhookConfiguration): void {
  for (const w of c.webhooks ?? []) {
    defaultWebhook(w)
    ;(w as Obj).reinvocationPolicy ??= "Never"
  }
}

/** MatchResources: matchPolicy Equivalent, empty selectors, and the rules' scope. */
function defaultMatchResources(m: MatchResources | undefined): void {
  if (!m) return
  const o = m as Obj
  o.matchPolicy ??= "Equivalent"
  o.namespaceSelector ??= {}
  o.objectSelector ??= {}
  defaultRules(m.resourceRules)
  defaultRules(m.excludeResourceRules)
}

/** ValidatingAdmissionPolicy: failurePolicy Fail and the match constraints' defaults. */
export function defaultValidatingAdmissionPolicy(p: ValidatingAdmissionPolicy): void {
  if (!p.spec) return
  ;(p.spec as Obj).failurePolicy ??= "Fail"
  defaultMatchResources(p.spec.matchConstraints)
}

/** ValidatingAdmissionPolicyBinding: the match resources' defaults. */
export function defaultValidatingAdmissionPolicyBinding(b: ValidatingAdmissionPolicyBinding): void {
  defaultMatchResources(b.spec?.matchResources)
}
