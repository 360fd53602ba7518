import assert from "node:assert/strict"
import { test } from "node:test"
import type { ValidatingWebhookConfiguration } from "kubernetes-types/admissionregistration/v1.js"
import { printed } from "./_fixtures.ts"
import {
  validateMutatingWebhookConfiguration,
  validateValidatingWebhookConfiguration,
} from "./admission-webhooks.ts"

type Hook = NonNullable<ValidatingWebhookConfiguration["webhooks"]>[number]

function hook(extra: Partial<Hook> = {}): Hook {
  return {
    name: "pods.example.com",
    clientConfig: { service: { namespace: "default", name: "hook", port: 443 } },
    rules: [
      { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"], scope: "*" },
    ] as unknown as Hook["rules"],
    failurePolicy: "Fail",
    matchPolicy: "Equivalent",
    namespaceSelector: {},
    objectSelector: {},
    sideEffects: "None",
    timeoutSeconds: 10,
    admissionReviewVersions: ["v1"],
    ...extra,
  }
}

function config(...webhooks: Hook[]): ValidatingWebhookConfiguration {
  return { metadata: { name: "hooks" }, webhooks }
}

const stored = (c: ValidatingWebhookConfiguration) => ({
  ...c,
  metadata: { ...c.metadata, resourceVersion: "1", uid: "u", creationTimestamp: "2026-01-01T00:00:00Z" },
})

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "accepts a defaulted configuration",
    input: () => printed(validateValidatingWebhookConfiguration(config(hook()))),
    want: [],
  },
  {
    name: "wants fully qualified, unique names",
    input: () =>
      printed(validateValidatingWebhookConfiguration(config(hook({ name: "pods" }), hook(), hook()))),
    want: [
      'webhooks[0].name: Invalid value: "pods": should be a domain with at least three segments separated by dots',
      'webhooks[2].name: Duplicate value: "pods.example.com"',
    ],
  },
  {
    name: "refuses unknown policies, a long timeout and missing side effects",
    input: () =>
      printed(
        validateValidatingWebhookConfiguration(
          config(
            hook({
              failurePolicy: "Retry",
              matchPolicy: "Loose",
              timeoutSeconds: 31,
              sideEffects: undefined,
            }),
          ),
        ),
      ),
    want: [
      'webhooks[0].failurePolicy: Unsupported value: "Retry": supported values: "Fail", "Ignore"',
      'webhooks[0].matchPolicy: Unsupported value: "Loose": supported values: "Equivalent", "Exact"',
      "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
      "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
    ],
  },
  {
    name: "checks rules",
    input: () =>
      printed(
        validateValidatingWebhookConfiguration(
          config(
            hook({
              rules: [
                {
                  apiGroups: ["*", "apps"],
                  apiVersions: [],
                  operations: ["*", "PATCH"],
                  resources: ["*/*", "pods"],
                  scope: "Global",
                },
              ] as unknown as Hook["rules"],
            }),
          ),
        ),
      ),
    want: [
      'webhooks[0].rules[0].operations: Invalid value: []admissionregistration.OperationType{"*", "PATCH"}: if \'*\' is present, must not specify other operations',
      'webhooks[0].rules[0].operations[1]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
      'webhooks[0].rules[0].apiGroups: Invalid value: ["*","apps"]: if \'*\' is present, must not specify other API groups',
      "webhooks[0].rules[0].apiVersions: Required value",
      'webhooks[0].rules[0].resources: Invalid value: ["*/*","pods"]: if \'*/*\' is present, must not specify other resources',
      'webhooks[0].rules[0].scope: Unsupported value: "Global": supported values: "*", "Cluster", "Namespaced"',
    ],
  },
  {
    name: "wants exactly one of url and service, and a valid url",
    input: () =>
      printed(
        validateValidatingWebhookConfiguration(
          config(
            hook({ clientConfig: {} }),
            hook({ name: "b.example.com", clientConfig: { url: "http://user@hook.example.com/x?a=b" } }),
            hook({
              name: "c.example.com",
              clientConfig: { service: { namespace: "", name: "h", path: "x//y", port: 0 } },
            }),
          ),
        ),
      ),
    want: [
      "webhooks[0].clientConfig: Required value: exactly one of url or service is required",
      `webhooks[1].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
      'webhooks[1].clientConfig.url: Invalid value: "user": user information is not permitted in the URL',
      'webhooks[1].clientConfig.url: Invalid value: "a=b": query parameters are not permitted in the URL',
      "webhooks[2].clientConfig.service.namespace: Required value: service namespace is required",
      "webhooks[2].clientConfig.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive",
      `webhooks[2].clientConfig.service.path: Invalid value: "x//y": must start with a '/'`,
      `webhooks[2].clientConfig.service.path: Invalid value: "x//y": segment[0] may not be empty`,
      `webhooks[2].clientConfig.service.path: Invalid value: "x//y": segment[1] may not be empty`,
    ],
  },
  {
    name: "wants a recognized review version",
    input: () =>
      printed(
        validateValidatingWebhookConfiguration(config(hook({ admissionReviewVersions: ["v2", "v2"] }))),
      ),
    want: [
      'webhooks[0].admissionReviewVersions[1]: Invalid value: "v2": duplicate version',
      'webhooks[0].admissionReviewVersions: Invalid value: ["v2","v2"]: must include at least one of v1, v1beta1',
    ],
  },
  {
    name: "an update keeps names that were already repeated",
    input: () => {
      const old = stored(config(hook(), hook()))
      return printed(
        validateValidatingWebhookConfiguration(
          { ...old, webhooks: [hook(), hook({ timeoutSeconds: 5 })] },
          old,
        ),
      )
    },
    want: [],
  },
  {
    name: "side effects Some and Unknown stay allowed only where the stored object has them",
    input: () => {
      const old = stored(config(hook({ sideEffects: "Unknown" })))
      return [
        ...printed(validateValidatingWebhookConfiguration(config(hook({ sideEffects: "Some" })))),
        ...printed(
          validateValidatingWebhookConfiguration({ ...old, webhooks: [hook({ sideEffects: "Some" })] }, old),
        ),
      ]
    },
    want: ['webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"'],
  },
  {
    name: "checks a mutating webhook's reinvocation policy",
    input: () =>
      printed(
        validateMutatingWebhookConfiguration({
          metadata: { name: "m" },
          webhooks: [{ ...hook(), reinvocationPolicy: "Always" }],
        }),
      ),
    want: [
      'webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"',
    ],
  },
]

for (const c of cases)
  test(`validateWebhookConfiguration() ${c.name}`, () => assert.deepEqual(c.input(), c.want))
