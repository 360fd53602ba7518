import assert from "node:assert/strict"
import { test } from "node:test"
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js"
import { maxRevision, parseRevision, setNewReplicaSetAnnotations } from "./revision.ts"

function rs(revision?: string, history?: string): ReplicaSet {
  const annotations: Record<string, string> = {}
  if (revision !== undefined) annotations["deployment.kubernetes.io/revision"] = revision
  if (history !== undefined) annotations["deployment.kubernetes.io/revision-history"] = history
  return { metadata: { annotations }, spec: { selector: {} } }
}

const d: Deployment = {
  metadata: { annotations: { team: "a", "deployment.kubernetes.io/revision": "9" } },
  spec: { replicas: 4, selector: {}, template: {} },
}

test("parseRevision() reads int64 revisions beyond 2^53 and rejects the rest", () => {
  assert.equal(parseRevision("9007199254740993"), 9007199254740993n)
  assert.equal(parseRevision("9223372036854775807"), 9223372036854775807n)
  assert.equal(parseRevision("9223372036854775808"), undefined)
  assert.equal(parseRevision("1.5"), undefined)
})

test("maxRevision() skips revisions that do not parse", () => {
  assert.equal(maxRevision([rs("3"), rs("x"), rs("9007199254740993"), rs()]), 9007199254740993n)
})

test("setNewReplicaSetAnnotations() on a new ReplicaSet sets revision and replica annotations", () => {
  const r = rs()
  assert.equal(setNewReplicaSetAnnotations(d, r, 1n, false), true)
  assert.deepEqual(r.metadata?.annotations, {
    team: "a",
    "deployment.kubernetes.io/revision": "1",
    "deployment.kubernetes.io/desired-replicas": "4",
    "deployment.kubernetes.io/max-replicas": "5",
  })
})

test("setNewReplicaSetAnnotations() on a ReplicaSet rolled back to records its old revision", () => {
  const r = rs("2", "1")
  assert.equal(setNewReplicaSetAnnotations(d, r, 5n, true), true)
  assert.equal(r.metadata?.annotations?.["deployment.kubernetes.io/revision"], "5")
  assert.equal(r.metadata?.annotations?.["deployment.kubernetes.io/revision-history"], "1,2")
})

test("setNewReplicaSetAnnotations() never lowers a revision", () => {
  const r = rs("7")
  setNewReplicaSetAnnotations(d, r, 5n, true)
  assert.equal(r.metadata?.annotations?.["deployment.kubernetes.io/revision"], "7")
})
