import assert from "node:assert/strict"
import { test } from "node:test"
import {
  mutatingWebhookConfigurationPrinter,
  validatingAdmissionPolicyBindingPrinter,
  validatingAdmissionPolicyPrinter,
  validatingWebhookConfigurationPrinter,
} from "./admission.ts"
import { headers, meta, printerCases } from "./testdata.ts"

const hook = { name: "a.example.com", clientConfig: {}, sideEffects: "None", admissionReviewVersions: ["v1"] }

printerCases("mutatingWebhookConfigurationPrinter", mutatingWebhookConfigurationPrinter, [
  { name: "two hooks", input: { metadata: meta("m"), webhooks: [hook, hook] }, want: ["m", 2, "5m"] },
  { name: "none", input: { metadata: meta("m") }, want: ["m", 0, "5m"] },
])

printerCases("validatingWebhookConfigurationPrinter", validatingWebhookConfigurationPrinter, [
  { name: "one hook", input: { metadata: meta("v"), webhooks: [hook] }, want: ["v", 1, "5m"] },
])

printerCases("validatingAdmissionPolicyPrinter", validatingAdmissionPolicyPrinter, [
  {
    name: "with a param kind",
    input: {
      metadata: meta("p"),
      spec: { paramKind: { apiVersion: "v1", kind: "ConfigMap" }, validations: [{ expression: "true" }] },
    },
    want: ["p", 1, "v1/ConfigMap", "5m"],
  },
  { name: "without", input: { metadata: meta("p"), spec: {} }, want: ["p", 0, "<unset>", "5m"] },
])

printerCases("validatingAdmissionPolicyBindingPrinter", validatingAdmissionPolicyBindingPrinter, [
  {
    name: "named param in a namespace",
    input: { metadata: meta("b"), spec: { policyName: "p", paramRef: { name: "cm", namespace: "ns" } } },
    want: ["b", "p", "ns/cm", "5m"],
  },
  {
    name: "named param anywhere",
    input: { metadata: meta("b"), spec: { policyName: "p", paramRef: { name: "cm" } } },
    want: ["b", "p", "*/cm", "5m"],
  },
  {
    name: "selected params",
    input: {
      metadata: meta("b"),
      spec: {
        policyName: "p",
        paramRef: {
          selector: {
            matchLabels: { b: "2", a: "1" },
            matchExpressions: [{ key: "k", operator: "In", values: ["x", "y"] }],
          },
        },
      },
    },
    want: [
      "b",
      "p",
      "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[x y],},},}",
      "5m",
    ],
  },
  {
    name: "no param",
    input: { metadata: meta("b"), spec: { policyName: "p" } },
    want: ["b", "p", "<unset>", "5m"],
  },
])

test("admission printers have upstream's headers", () => {
  assert.equal(headers(mutatingWebhookConfigurationPrinter), "Name | Webhooks | Age")
  assert.equal(headers(validatingWebhookConfigurationPrinter), "Name | Webhooks | Age")
  assert.equal(headers(validatingAdmissionPolicyPrinter), "Name | Validations | ParamKind | Age")
  assert.equal(headers(validatingAdmissionPolicyBindingPrinter), "Name | PolicyName | ParamRef | Age")
})
