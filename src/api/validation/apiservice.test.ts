import assert from "node:assert/strict"
import { test } from "node:test"
import type { APIService, APIServiceSpec } from "../apiservice.ts"
import { printed } from "./_fixtures.ts"
import { validateAPIService, validateAPIServiceStatusUpdate } from "./apiservice.ts"

const metricsSpec: APIServiceSpec = {
  group: "metrics.k8s.io",
  version: "v1beta1",
  service: { namespace: "kube-system", name: "metrics-server", port: 443 },
  insecureSkipTLSVerify: true,
  groupPriorityMinimum: 100,
  versionPriority: 100,
}

function apiService(name: string, spec: Partial<APIServiceSpec> = {}): APIService {
  return { metadata: { name }, spec: { ...metricsSpec, ...spec } }
}

function local(
  name: string,
  group: string,
  version: string,
  extra: Partial<APIServiceSpec> = {},
): APIService {
  return {
    metadata: { name },
    spec: { group, version, groupPriorityMinimum: 17800, versionPriority: 15, ...extra },
  }
}

const stored = (svc: APIService): APIService => ({
  ...svc,
  metadata: { ...svc.metadata, resourceVersion: "7", uid: "u", creationTimestamp: "2026-01-01T00:00:00Z" },
})

const CA = Buffer.from("-----BEGIN CERTIFICATE-----\n").toString("base64")

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "accepts metrics-server's APIService",
    input: () => printed(validateAPIService(apiService("v1beta1.metrics.k8s.io"))),
    want: [],
  },
  {
    name: "accepts a local APIService and the core group's v1.",
    input: () => [
      ...printed(validateAPIService(local("v1.apps", "apps", "v1"))),
      ...printed(validateAPIService(local("v1.", "", "v1"))),
    ],
    want: [],
  },
  {
    name: "the name must be <version>.<group>",
    input: () => printed(validateAPIService(apiService("metrics"))),
    want: [
      'metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"',
    ],
  },
  {
    name: "the name must be a path segment first",
    input: () => printed(validateAPIService(apiService("v1beta1/metrics.k8s.io"))),
    want: ["metadata.name: Invalid value: \"v1beta1/metrics.k8s.io\": may not contain '/'"],
  },
  {
    name: "a name is required",
    input: () => printed(validateAPIService({ metadata: {}, spec: metricsSpec })),
    want: ["metadata.name: Required value: name or generateName is required"],
  },
  {
    name: "only v1 may have an empty group",
    input: () => printed(validateAPIService(local("v2.", "", "v2"))),
    want: ["spec.group: Required value: only v1 may have an empty group and it better be legacy kube"],
  },
  {
    name: "group must be a DNS subdomain and version a DNS-1035 label",
    input: () => printed(validateAPIService(local("V1.Metrics_", "Metrics_", "V1"))),
    want: [
      "spec.group: Invalid value: \"Metrics_\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.version: Invalid value: \"V1\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ],
  },
  {
    name: "priorities must be positive and at most 20000 and 1000",
    input: () => [
      ...printed(
        validateAPIService(
          apiService("v1beta1.metrics.k8s.io", { groupPriorityMinimum: 0, versionPriority: 1001 }),
        ),
      ),
      ...printed(
        validateAPIService(
          apiService("v1beta1.metrics.k8s.io", { groupPriorityMinimum: 20001, versionPriority: -1 }),
        ),
      ),
      ...printed(
        validateAPIService(
          apiService("v1beta1.metrics.k8s.io", { groupPriorityMinimum: 20000, versionPriority: 1000 }),
        ),
      ),
    ],
    want: [
      "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
      "spec.versionPriority: Invalid value: 1001: must be positive and less than 1000",
      "spec.groupPriorityMinimum: Invalid value: 20001: must be positive and less than 20000",
      "spec.versionPriority: Invalid value: -1: must be positive and less than 1000",
    ],
  },
  {
    name: "missing priorities read as Go's zero",
    input: () =>
      printed(
        validateAPIService({
          metadata: { name: "v1.example.com" },
          spec: { group: "example.com", version: "v1" } as APIServiceSpec,
        }),
      ),
    want: [
      "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
      "spec.versionPriority: Invalid value: 0: must be positive and less than 1000",
    ],
  },
  {
    name: "a local APIService may have neither caBundle nor insecureSkipTLSVerify",
    input: () =>
      printed(
        validateAPIService(local("v1.apps", "apps", "v1", { caBundle: CA, insecureSkipTLSVerify: true })),
      ),
    want: [
      'spec.caBundle: Invalid value: "28 bytes": local APIServices may not have a caBundle',
      "spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify",
    ],
  },
  {
    name: "a service needs a namespace, a name and a valid port",
    input: () =>
      printed(validateAPIService(apiService("v1beta1.metrics.k8s.io", { service: { port: 65536 } }))),
    want: [
      "spec.service.namespace: Required value",
      "spec.service.name: Required value",
      "spec.service.port: Invalid value: 65536: port is not valid: must be between 1 and 65535, inclusive",
    ],
  },
  {
    name: "a service port 0 is invalid",
    input: () =>
      printed(
        validateAPIService(
          apiService("v1beta1.metrics.k8s.io", { service: { namespace: "a", name: "b", port: 0 } }),
        ),
      ),
    want: ["spec.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive"],
  },
  {
    name: "insecureSkipTLSVerify may not be true beside a caBundle",
    input: () => printed(validateAPIService(apiService("v1beta1.metrics.k8s.io", { caBundle: CA }))),
    want: ["spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present"],
  },
  {
    name: "a caBundle alone is fine on a service",
    input: () =>
      printed(
        validateAPIService(
          apiService("v1beta1.metrics.k8s.io", { caBundle: CA, insecureSkipTLSVerify: false }),
        ),
      ),
    want: [],
  },
  {
    name: "an update checks the name rule again",
    input: () => {
      const old = stored(apiService("v1beta1.metrics.k8s.io"))
      const next: APIService = { ...old, spec: { ...metricsSpec, version: "v1" } }
      return printed(validateAPIService(next, old))
    },
    want: [
      'metadata.name: Invalid value: "v1beta1.metrics.k8s.io": must be `spec.version+"."+spec.group`: "v1.metrics.k8s.io"',
    ],
  },
  {
    name: "a status write accepts True, False and Unknown only",
    input: () => {
      const old = stored(apiService("v1beta1.metrics.k8s.io"))
      const next: APIService = {
        ...old,
        status: {
          conditions: [
            { type: "Available", status: "False", reason: "ServiceNotFound" },
            { type: "Other", status: "Maybe" },
          ],
        },
      }
      return printed(validateAPIServiceStatusUpdate(next, old))
    },
    want: [
      'status.conditions[1].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
    ],
  },
]

for (const c of cases) test(`validateAPIService(): ${c.name}`, () => assert.deepEqual(c.input(), c.want))
