import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, test } from "node:test"
import { SqliteStore } from "./sqlite.ts"
import { describeStore } from "./store.case.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-sqlite-"))
after(() => rmSync(dir, { recursive: true, force: true }))

describeStore("SqliteStore", async () =>
  SqliteStore.open(join(dir, "conformance.db"), { compactIntervalMs: 0 }),
)

describe("SqliteStore", () => {
  test("reopening a database keeps every value and the revision counter", async () => {
    const path = join(dir, "reopen.db")
    const s1 = SqliteStore.open(path, { compactIntervalMs: 0 })
    const a = await s1.create("/r/a", "1")
    await s1.create("/r/b", "2")
    const d = await s1.delete("/r/b")
    await s1.compact(d.revision)
    await s1.close()
    const s2 = SqliteStore.open(path, { compactIntervalMs: 0 })
    assert.equal(await s2.revision(), d.revision)
    assert.equal(await s2.compactedRevision(), d.revision)
    assert.deepEqual(await s2.get("/r/a"), a)
    const e = await s2.create("/r/c", "3")
    assert.equal(e.revision, d.revision + 1)
    await s2.close()
  })

  test("compaction keeps the table bounded under churn", async () => {
    const s = SqliteStore.open(join(dir, "churn.db"), { compactIntervalMs: 0 })
    let e = await s.create("/c/k", "0")
    for (let i = 0; i < 3000; i++) e = await s.update("/c/k", String(i), e.revision)
    await s.compact(e.revision)
    const r = await s.list("/c/", { revision: e.revision })
    assert.deepEqual(
      r.entries.map((x) => x.value),
      ["2999"],
    )
    await s.close()
    const Database = (await import("better-sqlite3")).default
    const db = new Database(join(dir, "churn.db"))
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM log").get() as { n: number }).n, 1)
    db.close()
  })
})
