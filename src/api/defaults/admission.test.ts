import assert from "node:assert/strict"
import { test } from "node:test"
import {
  defaultMutatingWebhookConfiguration,
  defaultValidatingAdmissionPolicy,
  defaultValidatingWebhookConfiguration,
} from "./admission.ts"

const rule = { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }
const hook = () => ({
  name: "pods.example.com",
  clientConfig: { service: { namespace: "default", name: "hook" } },
  rules: [{ ...rule }],
  sideEffects: "None",
  admissionReviewVersions: ["v1"],
})
const defaulted = {
  name: "pods.example.com",
  clientConfig: { service: { namespace: "default", name: "hook", port: 443 } },
  rules: [{ ...rule, scope: "*" }],
  sideEffects: "None",
  admissionReviewVersions: ["v1"],
  failurePolicy: "Fail",
  matchPolicy: "Equivalent",
  namespaceSelector: {},
  objectSelector: {},
  timeoutSeconds: 10,
}

const cases: { name: string; input: () => unknown; want: unknown }[] = [
  {
    name: "defaultValidatingWebhookConfiguration() fills each webhook",
    input: () => {
      const c = { metadata: { name: "v" }, webhooks: [hook()] }
      defaultValidatingWebhookConfiguration(c)
      return c.webhooks
    },
    want: [defaulted],
  },
  {
    name: "defaultMutatingWebhookConfiguration() adds reinvocationPolicy Never",
    input: () => {
      const c = { metadata: { name: "m" }, webhooks: [hook()] }
      defaultMutatingWebhookConfiguration(c)
      return c.webhooks
    },
    want: [{ ...defaulted, reinvocationPolicy: "Never" }],
  },
  {
    name: "defaultMutatingWebhookConfiguration() keeps what is set",
    input: () => {
      const c = {
        metadata: { name: "m" },
        webhooks: [{ ...hook(), failurePolicy: "Ignore", timeoutSeconds: 5, reinvocationPolicy: "IfNeeded" }],
      }
      defaultMutatingWebhookConfiguration(c)
      const w = c.webhooks[0]!
      return [w.failurePolicy, w.timeoutSeconds, w.reinvocationPolicy]
    },
    want: ["Ignore", 5, "IfNeeded"],
  },
  {
    name: "defaultValidatingAdmissionPolicy() fills failurePolicy and the match constraints",
    input: () => {
      const p = {
        metadata: { name: "p" },
        spec: {
          matchConstraints: { resourceRules: [{ ...rule }] },
          validations: [{ expression: "true" }],
        },
      }
      defaultValidatingAdmissionPolicy(p)
      return p.spec
    },
    want: {
      failurePolicy: "Fail",
      matchConstraints: {
        matchPolicy: "Equivalent",
        namespaceSelector: {},
        objectSelector: {},
        resourceRules: [{ ...rule, scope: "*" }],
      },
      validations: [{ expression: "true" }],
    },
  },
]

for (const c of cases) test(c.name, () => assert.deepEqual(c.input(), c.want))
