import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { WrittenObjects } from "./read-your-writes.ts"

const obj = (uid: string, rv: string, tag: string) => ({ metadata: { uid, resourceVersion: rv }, tag })

describe("WrittenObjects", () => {
  test("reads the cache when nothing was written", () => {
    const w = new WrittenObjects<ReturnType<typeof obj>>()
    assert.equal(w.freshest("a", obj("u", "5", "cached"))?.tag, "cached")
  })

  test("reads the write while the cache lags behind it, then the cache once it catches up", () => {
    const w = new WrittenObjects<ReturnType<typeof obj>>()
    w.remember("a", obj("u", "7", "written"))
    assert.equal(w.freshest("a", obj("u", "5", "cached"))?.tag, "written")
    assert.equal(w.freshest("a", obj("u", "7", "cached"))?.tag, "cached")
    // forgotten: an older cached copy now wins
    assert.equal(w.freshest("a", obj("u", "5", "old"))?.tag, "old")
  })

  test("forgets a write of a replaced or deleted object", () => {
    const w = new WrittenObjects<ReturnType<typeof obj>>()
    w.remember("a", obj("u1", "7", "written"))
    assert.equal(w.freshest("a", obj("u2", "3", "new"))?.tag, "new")
    w.remember("b", obj("u1", "7", "written"))
    assert.equal(w.freshest("b", undefined), undefined)
  })
})
