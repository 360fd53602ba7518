import assert from "node:assert/strict"
import { test } from "node:test"
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.js"
import { printed, stored } from "./_fixtures.ts"
import { validateConfigMap, validateSecret } from "./config.ts"

const meta = { name: "cfg", namespace: "default" }
const KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"

const cmCases: { name: string; input: { cm: ConfigMap; old?: ConfigMap }; want: string[] }[] = [
  {
    name: "validateConfigMap() accepts plain keys",
    input: { cm: { metadata: meta, data: { "app.conf": "x" } } },
    want: [],
  },
  {
    name: "validateConfigMap() checks data keys",
    input: { cm: { metadata: meta, data: { "a b": "x" } } },
    want: [`data[a b]: Invalid value: "a b": ${KEY_MSG}`],
  },
  {
    name: "validateConfigMap() refuses a key in both data and binaryData",
    input: { cm: { metadata: meta, data: { k: "x" }, binaryData: { k: "eA==" } } },
    want: ['data[k]: Invalid value: "k": duplicate of key present in binaryData'],
  },
  {
    name: "validateConfigMap() limits the total size to 1 MiB",
    input: { cm: { metadata: meta, data: { a: "x".repeat(1024 * 1024), b: "y" } } },
    want: [": Too long: may not be more than 1048576 bytes"],
  },
  {
    name: "validateConfigMap() freezes immutable data",
    input: {
      cm: stored({ metadata: meta, data: { a: "2" }, immutable: true }),
      old: stored({ metadata: meta, data: { a: "1" }, immutable: true }),
    },
    want: ["data: Forbidden: field is immutable when `immutable` is set"],
  },
]

for (const c of cmCases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateConfigMap(c.input.cm, c.input.old)), c.want)
  })
}

const secretCases: { name: string; input: { s: Secret; old?: Secret }; want: string[] }[] = [
  {
    name: "validateSecret() accepts an Opaque secret",
    input: { s: { metadata: meta, type: "Opaque", data: { k: "dg==" } } },
    want: [],
  },
  {
    name: "validateSecret() checks data keys",
    input: { s: { metadata: meta, type: "Opaque", data: { "k/1": "dg==" } } },
    want: [`data[k/1]: Invalid value: "k/1": ${KEY_MSG}`],
  },
  {
    name: "validateSecret() requires TLS keys",
    input: { s: { metadata: meta, type: "kubernetes.io/tls", data: {} } },
    want: ["data[tls.crt]: Required value", "data[tls.key]: Required value"],
  },
  {
    name: "validateSecret() requires the service account annotation",
    input: { s: { metadata: meta, type: "kubernetes.io/service-account-token" } },
    want: ["metadata.annotations[kubernetes.io/service-account.name]: Required value"],
  },
  {
    name: "validateSecret() keeps the type on update",
    input: {
      s: stored({ metadata: meta, type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } }),
      old: stored({ metadata: meta, type: "Opaque" }),
    },
    want: ['type: Invalid value: "kubernetes.io/tls": field is immutable'],
  },
  {
    name: "validateSecret() limits data to 1 MiB",
    input: {
      s: { metadata: meta, type: "Opaque", data: { k: Buffer.alloc(1024 * 1024 + 1).toString("base64") } },
    },
    want: ["data: Too long: may not be more than 1048576 bytes"],
  },
]

for (const c of secretCases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateSecret(c.input.s, c.input.old)), c.want)
  })
}
