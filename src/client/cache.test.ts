import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiObject } from "../api/index.ts"
import { BY_NODE_NAME, BY_OWNER, IndexedCache } from "./cache.ts"

function pod(name: string, opts: { ns?: string; node?: string; owners?: string[]; image?: string } = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: opts.ns ?? "default",
      ...(opts.owners
        ? {
            ownerReferences: opts.owners.map((uid) => ({
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              name: uid,
              uid,
            })),
          }
        : {}),
    },
    spec: {
      ...(opts.node ? { nodeName: opts.node } : {}),
      containers: [{ name: "c", image: opts.image ?? "nginx" }],
    },
  } as ApiObject
}

function names(objs: ApiObject[]): string[] {
  return objs.map((o) => o.metadata?.name ?? "").sort()
}

describe("IndexedCache", () => {
  test("get() and list() find objects by key and namespace", () => {
    const c = new IndexedCache()
    c.set(pod("a"))
    c.set(pod("b", { ns: "other" }))
    assert.equal(c.get("default/a")?.metadata?.name, "a")
    assert.equal(c.get("other/a"), undefined)
    assert.deepEqual(names(c.list()), ["a", "b"])
    assert.deepEqual(names(c.list("other")), ["b"])
    assert.equal(c.size, 2)
  })

  test("byIndex() finds objects by owner uid and by node name", () => {
    const c = new IndexedCache()
    c.set(pod("a", { owners: ["rs-1"], node: "n1" }))
    c.set(pod("b", { owners: ["rs-1", "rs-2"] }))
    c.set(pod("c", { node: "n1" }))
    assert.deepEqual(names(c.byIndex(BY_OWNER, "rs-1")), ["a", "b"])
    assert.deepEqual(names(c.byIndex(BY_OWNER, "rs-2")), ["b"])
    assert.deepEqual(names(c.byIndex(BY_NODE_NAME, "n1")), ["a", "c"])
    assert.deepEqual(c.byIndex(BY_NODE_NAME, "n2"), [])
  })

  test("set() of a changed object moves it between index values", () => {
    const c = new IndexedCache()
    c.set(pod("a", { node: "n1" }))
    const old = c.set(pod("a", { node: "n2" }))
    assert.equal((old?.spec as { nodeName: string }).nodeName, "n1")
    assert.deepEqual(c.byIndex(BY_NODE_NAME, "n1"), [])
    assert.deepEqual(names(c.byIndex(BY_NODE_NAME, "n2")), ["a"])
  })

  test("delete() removes the object from every index", () => {
    const c = new IndexedCache()
    c.set(pod("a", { owners: ["rs-1"] }))
    assert.equal(c.delete("default/a")?.metadata?.name, "a")
    assert.equal(c.delete("default/a"), undefined)
    assert.deepEqual(c.byIndex(BY_OWNER, "rs-1"), [])
    assert.deepEqual(c.list("default"), [])
  })

  test("custom indexers file objects, including ones added later", () => {
    const image = (o: ApiObject) => ((o.spec as any)?.containers ?? []).map((x: { image: string }) => x.image)
    const c = new IndexedCache({ image })
    c.set(pod("a", { image: "redis" }))
    c.addIndexer("ns-name", (o) => [`${o.metadata?.namespace}:${o.metadata?.name}`])
    assert.deepEqual(names(c.byIndex("image", "redis")), ["a"])
    assert.deepEqual(names(c.byIndex("ns-name", "default:a")), ["a"])
    assert.throws(() => c.addIndexer("image", image), TypeError)
    assert.throws(() => c.byIndex("nope", "x"), TypeError)
  })

  test("an update or delete moves an object from the values it was filed under, after an index added later too", () => {
    const c = new IndexedCache()
    c.set(pod("a", { image: "redis" }))
    c.addIndexer("image", (o) => ((o.spec as any)?.containers ?? []).map((x: { image: string }) => x.image))
    c.set(pod("a", { image: "nginx" }))
    assert.deepEqual(names(c.byIndex("image", "redis")), [])
    assert.deepEqual(names(c.byIndex("image", "nginx")), ["a"])
    c.delete("default/a")
    assert.deepEqual(names(c.byIndex("image", "nginx")), [])
    c.set(pod("a", { image: "redis" }))
    assert.deepEqual(names(c.byIndex("image", "redis")), ["a"])
  })

  test("a built-in index first looked up after changes holds what the cache holds, and keeps up after", () => {
    const c = new IndexedCache()
    c.set(pod("a", { node: "n1" }))
    c.set(pod("b", { node: "n1" }))
    c.set(pod("a", { node: "n2" }))
    c.delete("default/b")
    c.set(pod("c"))
    assert.deepEqual(c.byIndex(BY_NODE_NAME, "n1"), [])
    assert.deepEqual(names(c.byIndex(BY_NODE_NAME, "n2")), ["a"])
    c.set(pod("c", { node: "n2" }))
    c.delete("default/a")
    c.set(pod("a", { node: "n1" }))
    assert.deepEqual(names(c.byIndex(BY_NODE_NAME, "n2")), ["c"])
    assert.deepEqual(names(c.byIndex(BY_NODE_NAME, "n1")), ["a"])
    c.delete("default/c")
    assert.deepEqual(c.byIndex(BY_NODE_NAME, "n2"), [])
  })

  test("set() freezes objects deeply", () => {
    const c = new IndexedCache()
    c.set(pod("a"))
    const got = c.get("default/a") as any
    assert.ok(Object.isFrozen(got))
    assert.ok(Object.isFrozen(got.spec.containers[0]))
    assert.throws(() => {
      got.spec.containers[0].image = "x"
    }, TypeError)
  })
})
