import assert from "node:assert/strict"
import { test } from "node:test"
import { findResource } from "../api/index.ts"
import { defaultTolerationSeconds } from "./default-toleration-seconds.ts"

const pods = findResource("", "v1", "pods")
const NOT_READY = {
  key: "node.kubernetes.io/not-ready",
  operator: "Exists",
  effect: "NoExecute",
  tolerationSeconds: 300,
}
const UNREACHABLE = {
  key: "node.kubernetes.io/unreachable",
  operator: "Exists",
  effect: "NoExecute",
  tolerationSeconds: 300,
}

const cases = [
  { name: "adds both tolerations to a pod without any", input: [], want: [NOT_READY, UNREACHABLE] },
  {
    name: "keeps a pod's own not-ready toleration and adds the other",
    input: [
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 },
    ],
    want: [
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 },
      UNREACHABLE,
    ],
  },
  {
    name: "adds nothing to a pod tolerating everything",
    input: [{ operator: "Exists" }],
    want: [{ operator: "Exists" }],
  },
  {
    name: "a NoSchedule toleration does not count",
    input: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoSchedule" }],
    want: [
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoSchedule" },
      NOT_READY,
      UNREACHABLE,
    ],
  },
]

for (const c of cases) {
  test(`defaultTolerationSeconds() ${c.name}`, async () => {
    assert.ok(pods)
    const object = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [], tolerations: c.input },
    }
    await defaultTolerationSeconds().mutate?.({
      operation: "CREATE",
      info: pods,
      namespace: "default",
      name: "p",
      subresource: "",
      object,
      dryRun: false,
    })
    assert.deepEqual(object.spec.tolerations, c.want)
  })
}
