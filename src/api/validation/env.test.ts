import assert from "node:assert/strict"
import { test } from "node:test"
import type { EnvFromSource, EnvVar } from "kubernetes-types/core/v1.js"
import { printed } from "./_fixtures.ts"
import { validateEnv, validateEnvFrom } from "./env.ts"

const envCases: { name: string; input: EnvVar[]; want: string[] }[] = [
  {
    name: "validateEnv() accepts a downward API field",
    input: [{ name: "POD", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } }],
    want: [],
  },
  {
    name: "validateEnv() refuses unknown downward API fields",
    input: [{ name: "X", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.hostname" } } }],
    want: [
      'env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.hostname": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
    ],
  },
  {
    name: "validateEnv() accepts a label by key",
    input: [
      { name: "APP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels['app']" } } },
    ],
    want: [],
  },
  {
    name: "validateEnv() wants one source",
    input: [{ name: "X", valueFrom: {} }],
    want: [
      'env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    ],
  },
]

for (const c of envCases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateEnv(c.input, "env")), c.want)
  })
}

const fromCases: { name: string; input: EnvFromSource[]; want: string[] }[] = [
  { name: "validateEnvFrom() accepts a ConfigMap", input: [{ configMapRef: { name: "cfg" } }], want: [] },
  {
    name: "validateEnvFrom() wants exactly one source",
    input: [{ configMapRef: { name: "cfg" }, secretRef: { name: "s" } }],
    want: ['envFrom: Invalid value: "": may not have more than one field specified at a time'],
  },
]

for (const c of fromCases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateEnvFrom(c.input, "envFrom")), c.want)
  })
}
