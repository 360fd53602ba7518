import { test } from "node:test"
import assert from "node:assert/strict"
import type { ApiObject } from "../api/index.ts"
import { IndexedCache } from "./cache.ts"
import { MutationCache } from "./mutation-cache.ts"

function obj(name: string, rv: string, uid = "u1", extra: Record<string, string> = {}): ApiObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { namespace: "ns", name, uid, resourceVersion: rv, labels: extra },
  }
}

test("MutationCache serves its own write until the informer's cache catches up", () => {
  const backing = new IndexedCache<ApiObject>()
  backing.set(obj("a", "5"))
  const cache = new MutationCache(backing)
  cache.mutated(obj("a", "7", "u1", { written: "yes" }))
  assert.equal(cache.get("ns/a")?.metadata?.resourceVersion, "7")
  assert.equal(cache.list("ns")[0]?.metadata?.labels?.written, "yes")
  backing.set(obj("a", "6")) // an older event: still behind
  assert.equal(cache.get("ns/a")?.metadata?.resourceVersion, "7")
  backing.set(obj("a", "8")) // caught up and beyond
  assert.equal(cache.get("ns/a")?.metadata?.resourceVersion, "8")
  backing.set(obj("a", "9"))
  assert.equal(cache.get("ns/a")?.metadata?.resourceVersion, "9")
})

test("MutationCache ignores a write of another object of the same name, and gone objects", () => {
  const backing = new IndexedCache<ApiObject>()
  backing.set(obj("a", "5", "u2"))
  const cache = new MutationCache(backing)
  cache.mutated(obj("a", "7", "u1"))
  assert.equal(cache.get("ns/a")?.metadata?.uid, "u2")
  cache.mutated(obj("b", "9"))
  assert.equal(cache.get("ns/b"), undefined)
  assert.equal(cache.byIndex("namespace", "ns").length, 1)
})
