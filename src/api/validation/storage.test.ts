import assert from "node:assert/strict"
import { test } from "node:test"
import { printed } from "./_fixtures.ts"
import { validateStorageClass } from "./storage.ts"

const sc = {
  metadata: { name: "fast" },
  provisioner: "rancher.io/local-path",
  reclaimPolicy: "Delete",
  volumeBindingMode: "WaitForFirstConsumer",
}
const stored = {
  ...sc,
  metadata: { name: "fast", resourceVersion: "1", uid: "u", creationTimestamp: "2026-01-01T00:00:00Z" },
}

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateStorageClass() accepts a complete class",
    input: () => printed(validateStorageClass(sc)),
    want: [],
  },
  {
    name: "validateStorageClass() refuses a missing provisioner and unknown policy and mode",
    input: () =>
      printed(
        validateStorageClass({
          metadata: { name: "x" },
          provisioner: "",
          reclaimPolicy: "Recycle",
          volumeBindingMode: "Later",
        }),
      ),
    want: [
      "provisioner: Required value",
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ],
  },
  {
    name: "validateStorageClass() forbids changing the provisioner and parameters",
    input: () =>
      printed(validateStorageClass({ ...stored, provisioner: "other.io/p", parameters: { a: "b" } }, stored)),
    want: [
      "parameters: Forbidden: updates to parameters are forbidden.",
      "provisioner: Forbidden: updates to provisioner are forbidden.",
    ],
  },
]

for (const c of cases) test(c.name, () => assert.deepEqual(c.input(), c.want))
