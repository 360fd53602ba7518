import assert from "node:assert/strict"
import { test } from "node:test"
import { controllerRef } from "./controller-ref.ts"
import { controllerOf, isControlledBy } from "./meta.ts"
import { Pods, ReplicaSets, Services } from "./resources.ts"

test("controllerRef: the owner's group/version, kind, name and uid, as controller blocking deletion", () => {
  const rs = { metadata: { name: "web-abc", namespace: "default", uid: "u1" } }
  assert.deepEqual(controllerRef(rs, ReplicaSets), {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name: "web-abc",
    uid: "u1",
    controller: true,
    blockOwnerDeletion: true,
  })
  // The core group has no group in its apiVersion.
  assert.equal(controllerRef({ metadata: { name: "svc", uid: "u2" } }, Services).apiVersion, "v1")
  const pod = { metadata: { name: "p", ownerReferences: [controllerRef(rs, ReplicaSets)] } }
  assert.equal(controllerOf(pod)?.uid, "u1")
  assert.ok(isControlledBy(pod, rs))
})

test("controllerRef: an owner without metadata yet gives empty name and uid", () => {
  const ref = controllerRef({}, Pods)
  assert.equal(ref.name, "")
  assert.equal(ref.uid, "")
})
