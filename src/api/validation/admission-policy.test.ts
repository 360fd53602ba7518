import assert from "node:assert/strict"
import { test } from "node:test"
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from "kubernetes-types/admissionregistration/v1.js"
import { printed } from "./_fixtures.ts"
import {
  validateValidatingAdmissionPolicy,
  validateValidatingAdmissionPolicyBinding,
} from "./admission-policy.ts"

const match = {
  matchPolicy: "Equivalent",
  namespaceSelector: {},
  objectSelector: {},
  resourceRules: [
    {
      apiGroups: ["apps"],
      apiVersions: ["v1"],
      operations: ["CREATE", "UPDATE"],
      resources: ["deployments"],
      scope: "*",
    },
  ],
}

function policy(
  spec: Partial<NonNullable<ValidatingAdmissionPolicy["spec"]>> = {},
): ValidatingAdmissionPolicy {
  return {
    metadata: { name: "replicas" },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: match,
      validations: [{ expression: "object.spec.replicas <= 5" }],
      ...spec,
    },
  }
}

function binding(
  spec: Partial<NonNullable<ValidatingAdmissionPolicyBinding["spec"]>> = {},
): ValidatingAdmissionPolicyBinding {
  return {
    metadata: { name: "replicas" },
    spec: { policyName: "replicas", validationActions: ["Deny"], ...spec },
  }
}

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "policy: accepts a defaulted policy",
    input: () => printed(validateValidatingAdmissionPolicy(policy())),
    want: [],
  },
  {
    name: "policy: wants match constraints with rules, and validations or audit annotations",
    input: () =>
      printed(
        validateValidatingAdmissionPolicy(
          policy({
            failurePolicy: "Panic",
            matchConstraints: { ...match, resourceRules: [] },
            validations: [],
          }),
        ),
      ),
    want: [
      'spec.failurePolicy: Unsupported value: "Panic": supported values: "Fail", "Ignore"',
      "spec.matchConstraints.resourceRules: Required value",
      "spec.validations: Required value: validations or auditAnnotations must contain at least one item",
      "spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item",
    ],
  },
  {
    name: "policy: checks param kind and validations",
    input: () =>
      printed(
        validateValidatingAdmissionPolicy(
          policy({
            paramKind: { apiVersion: "example.com/", kind: "" },
            validations: [{ expression: " ", reason: "Teapot", message: "a\nb" }],
          }),
        ),
      ),
    want: [
      'spec.paramKind.apiVersion: Invalid value: "example.com/": version must be specified',
      "spec.paramKind.kind: Required value",
      "spec.validations[0].expression: Required value: expression is not specified",
      'spec.validations[0].message: Invalid value: "a\\nb": message must not contain line breaks',
      'spec.validations[0].reason: Unsupported value: "Teapot": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge"',
    ],
  },
  {
    name: "policy: checks variables and audit annotations",
    input: () =>
      printed(
        validateValidatingAdmissionPolicy(
          policy({
            variables: [{ name: "if", expression: "1" }],
            auditAnnotations: [
              { key: "bad key", valueExpression: "'x'" },
              { key: "k", valueExpression: "" },
            ],
          }),
        ),
      ),
    want: [
      'spec.variables[0].name: Invalid value: "if": name is not a valid CEL identifier',
      `spec.auditAnnotations[0].key: Invalid value: "replicas/bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      "spec.auditAnnotations[1].valueExpression: Required value: valueExpression is not specified",
    ],
  },
  {
    name: "binding: a param reference names or selects",
    input: () =>
      printed(
        validateValidatingAdmissionPolicyBinding(binding({ paramRef: { parameterNotFoundAction: "Deny" } })),
      ),
    want: ["spec.paramRef: Required value: one of name or selector must be specified"],
  },
  {
    name: "policy: a status write skips the spec",
    input: () => {
      const old = { ...policy({ validations: [] }), metadata: { name: "replicas", resourceVersion: "1" } }
      return printed(validateValidatingAdmissionPolicy(old, old, "status"))
    },
    want: [],
  },
  {
    name: "binding: accepts a plain binding",
    input: () => printed(validateValidatingAdmissionPolicyBinding(binding())),
    want: [],
  },
  {
    name: "binding: wants a policy, an action and a complete param reference",
    input: () =>
      printed(
        validateValidatingAdmissionPolicyBinding(
          binding({ policyName: "", validationActions: [], paramRef: { name: "cm", selector: {} } }),
        ),
      ),
    want: [
      "spec.policyName: Required value",
      "spec.paramRef.name: Forbidden: name and selector are mutually exclusive",
      "spec.paramRef.selector: Forbidden: name and selector are mutually exclusive",
      "spec.paramRef.parameterNotFoundAction: Required value",
      "spec.validationActions: Required value: at least one validation action is required",
    ],
  },
  {
    name: "binding: refuses Deny with Warn, repeats and unknown actions",
    input: () =>
      printed(
        validateValidatingAdmissionPolicyBinding(
          binding({ validationActions: ["Deny", "Warn", "Warn", "Log"] }),
        ),
      ),
    want: [
      'spec.validationActions[2]: Duplicate value: "Warn"',
      'spec.validationActions[3]: Unsupported value: "Log": supported values: "Audit", "Deny", "Warn"',
      'spec.validationActions: Invalid value: []admissionregistration.ValidationAction{"Deny", "Warn", "Warn", "Log"}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
    ],
  },
  {
    name: "binding: match resources need their defaults",
    input: () => printed(validateValidatingAdmissionPolicyBinding(binding({ matchResources: {} }))),
    want: [
      "spec.matchResources.matchPolicy: Required value",
      "spec.matchResources.namespaceSelector: Required value",
      "spec.matchResources.objectSelector: Required value",
    ],
  },
]

for (const c of cases)
  test(`validateValidatingAdmissionPolicy() ${c.name}`, () => assert.deepEqual(c.input(), c.want))
