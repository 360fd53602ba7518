import assert from "node:assert/strict"
import { test } from "node:test"
import type { ResourceRequirements } from "kubernetes-types/core/v1.js"
import { printed } from "./_fixtures.ts"
import {
  isStandardQuotaResource,
  validatePodResourceRequirements,
  validateResourceName,
  validateResourceRequirements,
} from "./resources.ts"

const F = "resources"

const cases: { name: string; input: ResourceRequirements; want: string[] }[] = [
  {
    name: "validateResourceRequirements() accepts requests below limits",
    input: { requests: { cpu: "100m" }, limits: { cpu: "1" } },
    want: [],
  },
  {
    name: "validateResourceRequirements() prints quantities canonically",
    input: { requests: { memory: "2048Mi" }, limits: { memory: "1Gi" } },
    want: ['resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi'],
  },
  {
    name: "validateResourceRequirements() refuses malformed quantities",
    input: { limits: { cpu: "one" } },
    want: [
      `resources.limits[cpu]: Invalid value: "one": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ],
  },
  {
    name: "validateResourceRequirements() wants whole extended resources",
    input: { requests: { "example.com/dev": "500m" }, limits: { "example.com/dev": "500m" } },
    want: [
      'resources.limits[example.com/dev]: Invalid value: "500m": must be an integer',
      'resources.requests[example.com/dev]: Invalid value: "500m": must be an integer',
    ],
  },
  {
    name: "validateResourceRequirements() needs limits for extended resources",
    input: { requests: { "example.com/dev": "1" } },
    want: ["resources.limits: Required value: Limit must be set for non overcommitable resources"],
  },
  {
    name: "validateResourceRequirements() wants cpu or memory with huge pages",
    input: { limits: { "hugepages-2Mi": "2Mi" } },
    want: ["resources: Forbidden: HugePages require cpu or memory"],
  },
  {
    name: "validateResourceRequirements() checks claims against the pod's",
    input: { claims: [{ name: "gpu" }] },
    want: [
      'resources.claims[0]: Not found: "gpu": must be one of the names in pod.spec.resourceClaims which is empty',
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateResourceRequirements(c.input, new Set(), F)), c.want)
  })
}

test("validateResourceName() knows huge pages and their requests, not their limits", () => {
  const names = ["hugepages-2Mi", "requests.hugepages-2Mi", "limits.hugepages-2Mi"]
  assert.deepEqual(
    names.flatMap((n) => printed(validateResourceName(n, `hard[${n}]`))),
    [
      'hard[limits.hugepages-2Mi]: Invalid value: "limits.hugepages-2Mi": must be a standard resource type or fully qualified',
    ],
  )
})

test("isStandardQuotaResource() is the standard resources but storage, with huge pages and their requests", () => {
  const names = [
    "storage",
    "requests.storage",
    "pods",
    "hugepages-1Gi",
    "requests.hugepages-1Gi",
    "limits.hugepages-1Gi",
  ]
  assert.deepEqual(names.filter(isStandardQuotaResource), [
    "requests.storage",
    "pods",
    "hugepages-1Gi",
    "requests.hugepages-1Gi",
  ])
})

// Upstream's validatePodResourceName: a resource name, then cpu, memory or huge pages only; none
// of the container rule's errors (a standard resource for containers, extended resource names).
const podCases: { name: string; input: ResourceRequirements; want: string[] }[] = [
  {
    name: "accepts cpu, memory and huge pages",
    input: {
      requests: { cpu: "1", memory: "1Gi" },
      limits: { cpu: "1", memory: "1Gi", "hugepages-2Mi": "2Mi" },
    },
    want: [],
  },
  {
    name: "refuses a name that is no resource once, not again as a container's",
    input: { limits: { "limits.hugepages-2Mi": "2Mi", cpu: "1" } },
    want: [
      'spec.resources.limits[limits.hugepages-2Mi]: Invalid value: "limits.hugepages-2Mi": must be a standard resource type or fully qualified',
    ],
  },
  {
    name: "refuses other resources as unsupported",
    input: {
      requests: { "ephemeral-storage": "1Gi", "example.com/dev": "1" },
      limits: { "example.com/dev": "1" },
    },
    want: [
      'spec.resources.limits[example.com/dev]: Unsupported value: "example.com/dev": supported values: "cpu", "hugepages-", "memory"',
      'spec.resources.requests[ephemeral-storage]: Unsupported value: "ephemeral-storage": supported values: "cpu", "hugepages-", "memory"',
      'spec.resources.requests[example.com/dev]: Unsupported value: "example.com/dev": supported values: "cpu", "hugepages-", "memory"',
    ],
  },
]
for (const c of podCases) {
  test(`validatePodResourceRequirements() ${c.name}`, () => {
    assert.deepEqual(printed(validatePodResourceRequirements(c.input, "spec.resources")), c.want)
  })
}
