import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { newPodInfo, withNewerPod } from "./pod-info.ts"

const pod = (labels: Record<string, string>, spec: Partial<NonNullable<Pod["spec"]>> = {}): Pod => ({
  metadata: { name: "p", namespace: "ns", uid: "u1", labels },
  spec: {
    containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 8080 }] }],
    priority: 7,
    ...spec,
  },
})

test("newPodInfo computes what the scheduler reads from the pod", () => {
  const term = { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } }
  const pi = newPodInfo(
    pod(
      { app: "web" },
      { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } },
    ),
  )
  assert.equal(pi.key, "ns/p")
  assert.equal(pi.uid, "u1")
  assert.equal(pi.namespace, "ns")
  assert.equal(pi.priority, 7)
  assert.deepEqual(pi.ports, ["TCP/0.0.0.0/8080"])
  assert.equal(pi.requiredAffinity.length, 0)
  assert.equal(pi.requiredAntiAffinity.length, 1)
  assert.equal(pi.requiredAntiAffinity[0]?.matches({ app: "web" }), true)
  assert.deepEqual([...(pi.requiredAntiAffinity[0]?.namespaces ?? [])], ["ns"])
  assert.equal(pi.withAffinity, true)
  assert.equal(newPodInfo(pod({ app: "web" })).withAffinity, false)
  assert.equal(newPodInfo({ metadata: { name: "q" } }).uid, "default/q")
})

test("withNewerPod keeps what cannot change on a bound pod and reads the labels again", () => {
  const pi = newPodInfo(pod({ app: "web" }))
  const same = withNewerPod(pi, pod({ app: "web" }, { nodeName: "n1" }))
  assert.equal(same.pod.spec?.nodeName, "n1")
  // Equal labels: the older object is kept (the cache's label index sees no change).
  assert.equal(same.labels, pi.labels)
  for (const k of ["requests", "nonZero", "ports", "requiredAffinity", "preferredAntiAffinity"] as const)
    assert.equal(same[k], pi[k], k)
  assert.deepEqual(Object.keys(same), Object.keys(pi))
  const relabelled = withNewerPod(pi, pod({ app: "db" }))
  assert.deepEqual(relabelled.labels, { app: "db" })
  assert.deepEqual({ ...relabelled, pod: pi.pod, labels: pi.labels }, pi)
})
