/**
 * Concurrent updates of one object: as upstream's GuaranteedUpdate, one that loses the race to
 * another write reads the object again and retries, without a cap, unless it named the
 * resourceVersion it expects (then a stale one is a 409 Conflict at once).
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { type ApiObject, Pods, applyDefaults, validateObject } from "../../api/index.ts"
import { MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import type { Served } from "./context.ts"
import { Registry } from "./registry.ts"

const PODS: Served = { info: Pods, prefix: "/registry/pods/", storageVersion: "v1", storageGroup: "" }
const REF = { namespace: "default", name: "p" }

function registryWithPod() {
  const store = new MemoryStore()
  const registry = new Registry({
    store,
    clock: new FakeClock(Date.parse("2026-01-01T00:00:00Z")),
    admission: { mutate: async () => {}, validate: async () => {} },
    defaults: (info, obj) => applyDefaults(info, obj),
    validate: (info, obj, old, sub) => validateObject(info, obj, old, sub),
    convert: (obj) => obj,
  })
  const created = registry.create(PODS, "default", {
    metadata: { name: "p" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  })
  return { registry, created }
}

/** Sets label `key` on the current object, as a merge patch of it would (after a turn of the loop). */
const labelPatch = (key: string) => async (cur: unknown) => {
  await new Promise(setImmediate) // the patches interleave: each reads before the others write
  const obj = cur as ApiObject
  obj.metadata = { ...obj.metadata, labels: { ...obj.metadata?.labels, [key]: "x" } }
  return obj
}

test("40 concurrent patches of one object all succeed, each written once", async () => {
  const { registry, created } = registryWithPod()
  const before = Number((await created).metadata?.resourceVersion)
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`)
  const results = await Promise.allSettled(
    keys.map((k) => registry.update(PODS, REF, labelPatch(k), { fieldManager: "m" })),
  )
  assert.deepEqual(
    results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.message),
    [],
  )
  const { object } = await registry.update(PODS, REF, (cur) => cur, {})
  assert.deepEqual(Object.keys(object.metadata?.labels ?? {}).sort(), [...keys].sort())
  assert.equal(Number(object.metadata?.resourceVersion), before + keys.length, "one write each")
})

test("concurrent updates naming the resourceVersion they read: one wins, the others conflict at once", async () => {
  const { registry, created } = registryWithPod()
  const rv = (await created).metadata?.resourceVersion
  let transforms = 0
  const named = (key: string) => async (cur: unknown) => {
    transforms++
    const obj = (await labelPatch(key)(cur)) as ApiObject
    obj.metadata = { ...obj.metadata, resourceVersion: rv }
    return obj
  }
  const results = await Promise.allSettled(
    ["a", "b", "c", "d"].map((k) => registry.update(PODS, REF, named(k), {})),
  )
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1)
  for (const r of results.filter((r) => r.status === "rejected")) {
    assert.equal((r as PromiseRejectedResult).reason.code, 409)
    assert.match((r as PromiseRejectedResult).reason.message, /the object has been modified/)
  }
  assert.ok(transforms <= 7, `each loser retried at most once (${transforms} transforms)`)
})
