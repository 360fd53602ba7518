import assert from "node:assert/strict"
import { test } from "node:test"
import type { ResourceQuotaSpec } from "kubernetes-types/core/v1.js"
import { printed } from "./_fixtures.ts"
import { validateResourceQuota } from "./core-misc.ts"

const meta = { name: "q", namespace: "default" }

function quota(spec: ResourceQuotaSpec): string[] {
  return printed(validateResourceQuota({ metadata: meta, spec }))
}

const cases: { name: string; spec: ResourceQuotaSpec; want: string[] }[] = [
  {
    name: "scopes that track every hard resource are accepted",
    spec: { hard: { pods: "1", "requests.cpu": "1" }, scopes: ["NotBestEffort", "Terminating"] },
    want: [],
  },
  {
    name: "an unknown scope",
    spec: { hard: { pods: "1" }, scopes: ["Bogus"] },
    want: ['spec.scopes: Invalid value: ["Bogus"]: unsupported scope'],
  },
  {
    name: "BestEffort tracks pods only: one error per other standard resource",
    spec: { hard: { cpu: "1", memory: "1Gi", pods: "2", "count/jobs.batch": "1" }, scopes: ["BestEffort"] },
    want: [
      'spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource',
      'spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource',
    ],
  },
  {
    name: "contradicting scopes",
    spec: { hard: { pods: "1" }, scopes: ["Terminating", "NotTerminating"] },
    want: ['spec.scopes: Invalid value: ["Terminating","NotTerminating"]: conflicting scopes'],
  },
  {
    name: "a VolumeAttributesClass scope tracks claims and their storage",
    spec: {
      hard: { persistentvolumeclaims: "1", "requests.storage": "1Gi", pods: "1" },
      scopeSelector: {
        matchExpressions: [{ scopeName: "VolumeAttributesClass", operator: "In", values: ["gold"] }],
      },
    },
    want: [
      'spec.scopeSelector.matchExpressions: Invalid value: {"MatchExpressions":[{"ScopeName":"VolumeAttributesClass","Operator":"In","Values":["gold"]}]}: unsupported scope applied to resource',
    ],
  },
  {
    name: "selector operators must fit the scope and its values",
    spec: {
      hard: { pods: "1" },
      scopeSelector: {
        matchExpressions: [
          { scopeName: "PriorityClass", operator: "Exists", values: ["a"] },
          { scopeName: "BestEffort", operator: "In" },
          { scopeName: "Nope", operator: "Near" },
        ],
      },
    },
    want: [
      "spec.scopeSelector.matchExpressions.values: Invalid value: [\"a\"]: must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
      "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
      "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
      'spec.scopeSelector.matchExpressions.scopeName: Invalid value: "Nope": unsupported scope',
      'spec.scopeSelector.matchExpressions.operator: Invalid value: "Near": not a valid selector operator',
    ],
  },
  {
    name: "a selector's contradicting scopes are shown with spec.scopes",
    spec: {
      hard: { pods: "1" },
      scopeSelector: {
        matchExpressions: [
          { scopeName: "BestEffort", operator: "Exists" },
          { scopeName: "NotBestEffort", operator: "Exists" },
        ],
      },
    },
    want: ["spec.scopeSelector.matchExpressions: Invalid value: null: conflicting scopes"],
  },
  {
    name: "an unprefixed name must be one the quota system tracks",
    spec: { hard: { storage: "1Gi", pod: "1", "example.com/gpu": "1" } },
    want: [
      'spec.hard[storage]: Invalid value: "storage": must be a standard resource for quota',
      'spec.hard[pod]: Invalid value: "pod": must be a standard resource type or fully qualified',
      'spec.hard[pod]: Invalid value: "pod": must be a standard resource for quota',
    ],
  },
]

for (const c of cases) {
  test(`validateResourceQuota(): ${c.name}`, () => {
    assert.deepEqual(quota(c.spec), c.want)
  })
}
