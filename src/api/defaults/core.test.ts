import assert from "node:assert/strict"
import { test } from "node:test"
import type { Namespace, Node, Secret } from "kubernetes-types/core/v1.js"
import { defaultNamespace, defaultNode, defaultSecret } from "./core.ts"

const EMPTY_NODE_INFO = {
  machineID: "",
  systemUUID: "",
  bootID: "",
  kernelVersion: "",
  osImage: "",
  containerRuntimeVersion: "",
  kubeletVersion: "",
  kubeProxyVersion: "",
  operatingSystem: "",
  architecture: "",
}

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
      return [n.status?.capacity, n.status?.allocatable]
    },
    want: [{ cpu: "4" }, { cpu: "4" }],
  },
  {
    name: "defaultNode() gives a Node without status the zero status Go's JSON writes",
    input: () => {
      const n: Node = { metadata: { name: "n" } }
      defaultNode(n)
      return n
    },
    want: {
      metadata: { name: "n" },
      spec: {},
      status: { daemonEndpoints: { kubeletEndpoint: { Port: 0 } }, nodeInfo: EMPTY_NODE_INFO },
    },
  },
  {
    name: "defaultNode() fills the nodeInfo strings and port a status leaves out, keeping those it has",
    input: () => {
      const n: Node = {
        metadata: { name: "n" },
        status: { nodeInfo: { kubeletVersion: "v1.35.0" } as never, daemonEndpoints: {} },
      }
      defaultNode(n)
      return n.status
    },
    want: {
      nodeInfo: { ...EMPTY_NODE_INFO, kubeletVersion: "v1.35.0" },
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    },
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}
