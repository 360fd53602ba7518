import assert from "node:assert/strict"
import { test } from "node:test"
import type { Namespace, Node, Secret } from "kubernetes-types/core/v1.js"
import { defaultNamespace, defaultNode, defaultSecret } from "./core.ts"

const cases: { name: string; input: () => unknown; want: unknown }[] = [
  {
    name: "defaultNamespace() adds the name label and phase, not the finalizer (the strategy's)",
    input: () => {
      const ns: Namespace = { metadata: { name: "team-a" } }
      defaultNamespace(ns)
      return ns
    },
    want: {
      metadata: { name: "team-a", labels: { "kubernetes.io/metadata.name": "team-a" } },
      status: { phase: "Active" },
    },
  },
  {
    name: "defaultNamespace() on update keeps finalizers the finalize call removed",
    input: () => {
      const ns: Namespace = {
        metadata: { name: "a", labels: {} },
        spec: { finalizers: [] },
        status: { phase: "Terminating" },
      }
      defaultNamespace(ns)
      return ns
    },
    want: {
      metadata: { name: "a", labels: { "kubernetes.io/metadata.name": "a" } },
      spec: { finalizers: [] },
      status: { phase: "Terminating" },
    },
  },
  {
    name: "defaultSecret() sets Opaque and folds stringData into data",
    input: () => {
      const s: Secret = { data: { a: "MQ==" }, stringData: { a: "two", b: "three" } }
      defaultSecret(s)
      return s
    },
    want: { type: "Opaque", data: { a: "dHdv", b: "dGhyZWU=" } },
  },
  {
    name: "defaultNode() copies capacity to allocatable",
    input: () => {
      const n: Node = { metadata: { name: "n" }, status: { capacity: { cpu: "4" } } }
      defaultNode(n)
      return n.status
    },
    want: { capacity: { cpu: "4" }, allocatable: { cpu: "4" } },
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}
