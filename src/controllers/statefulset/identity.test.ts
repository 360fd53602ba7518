import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { newVersionedPod, parentAndOrdinal, type StatefulSetObject, storageMatches } from "./identity.ts"

describe("parentAndOrdinal", () => {
  const cases = [
    { name: "simple", input: "web-0", want: { parent: "web", ordinal: 0 } },
    { name: "dashes in the set name", input: "my-db-12", want: { parent: "my-db", ordinal: 12 } },
    { name: "no ordinal", input: "web", want: { parent: "", ordinal: -1 } },
    { name: "not a number", input: "web-x", want: { parent: "", ordinal: -1 } },
  ]
  for (const c of cases) test(c.name, () => assert.deepEqual(parentAndOrdinal(c.input), c.want))
})

function set(partition?: number): StatefulSetObject {
  return {
    metadata: { name: "web", namespace: "n", uid: "u" },
    spec: {
      serviceName: "svc",
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [] } },
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: {} }],
      ...(partition !== undefined
        ? { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition } } }
        : {}),
    },
  }
}

describe("newVersionedPod", () => {
  const revs = { current: "web-old", update: "web-new" }
  test("ordinals below the partition get the current revision", () => {
    const s = set(2)
    assert.equal(newVersionedPod(s, s, revs, 1).metadata?.labels?.["controller-revision-hash"], "web-old")
    assert.equal(newVersionedPod(s, s, revs, 2).metadata?.labels?.["controller-revision-hash"], "web-new")
  })
  test("gives the pod its identity and claims", () => {
    const s = set()
    const pod = newVersionedPod(s, s, revs, 3)
    assert.equal(pod.metadata?.name, "web-3")
    assert.equal(pod.spec?.hostname, "web-3")
    assert.equal(pod.spec?.subdomain, "svc")
    assert.deepEqual(pod.spec?.volumes, [
      { name: "data", persistentVolumeClaim: { claimName: "data-web-3" } },
    ])
    assert.ok(storageMatches(s, pod))
  })
})
