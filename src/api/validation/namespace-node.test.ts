import assert from "node:assert/strict"
import { test } from "node:test"
import type { Namespace, Node } from "kubernetes-types/core/v1.js"
import { printed, stored } from "./_fixtures.ts"
import { validateNamespace, validateNode } from "./namespace-node.ts"

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateNamespace() accepts a DNS label with the kubernetes finalizer",
    input: () =>
      printed(validateNamespace({ metadata: { name: "team-a" }, spec: { finalizers: ["kubernetes"] } })),
    want: [],
  },
  {
    name: "validateNamespace() requires a DNS label",
    input: () => printed(validateNamespace({ metadata: { name: "team.a" } })),
    want: ['metadata.name: Invalid value: "team.a": must not contain dots'],
  },
  {
    name: "validateNamespace() checks spec finalizers",
    input: () => printed(validateNamespace({ metadata: { name: "a" }, spec: { finalizers: ["custom"] } })),
    want: [
      'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ],
  },
  {
    name: "validateNamespace() on update needs Terminating while deleting",
    input: () => {
      const old: Namespace = stored({
        metadata: { name: "a", deletionTimestamp: "2024-01-02T00:00:00Z" },
        status: { phase: "Active" },
      })
      return printed(validateNamespace({ ...old, status: { phase: "Gone" } }, old))
    },
    want: [
      "status.Phase: Invalid value: \"Gone\": may only be 'Terminating' if `deletionTimestamp` is not empty",
    ],
  },
  {
    name: "validateNode() accepts a node",
    input: () =>
      printed(validateNode({ metadata: { name: "n1" }, status: { capacity: { cpu: "4", pods: "110" } } })),
    want: [],
  },
  {
    name: "validateNode() reports taints under metadata as upstream does",
    input: () =>
      printed(
        validateNode({
          metadata: { name: "n1" },
          spec: {
            taints: [
              { key: "a", effect: "Sometimes" },
              { key: "a", effect: "Sometimes" },
            ],
          },
        }),
      ),
    want: [
      'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'metadata.taints[1].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'metadata.taints[1]: Duplicate value: {"key":"a","effect":"Sometimes"}: taints must be unique by key and effect pair',
    ],
  },
  {
    name: "validateNode() checks capacity quantities",
    input: () => printed(validateNode({ metadata: { name: "n1" }, status: { capacity: { pods: "1.5" } } })),
    want: ['status.capacity.pods: Invalid value: "1500m": must be an integer'],
  },
  {
    name: "validateNode() on update keeps podCIDRs",
    input: () => {
      const old: Node = stored({ metadata: { name: "n1" }, spec: { podCIDRs: ["10.0.1.0/24"] } })
      return printed(validateNode({ ...old, spec: { podCIDRs: ["10.0.2.0/24"] } }, old))
    },
    want: ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid'],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}
