import assert from "node:assert/strict"
import { mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Writable } from "node:stream"
import { after, describe, test } from "node:test"
import Database from "better-sqlite3"
import { createLogger } from "../util/index.ts"
import { SqliteStore } from "./sqlite.ts"
import { describeStore } from "./store.case.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-sqlite-"))
after(() => rmSync(dir, { recursive: true, force: true }))

describeStore("SqliteStore", async () =>
  SqliteStore.open(join(dir, "conformance.db"), { compactIntervalMs: 0 }),
)

describe("SqliteStore", () => {
  test("a new database has 16 KiB pages; an existing one keeps its own", async () => {
    const pageSize = (path: string) => {
      const db = new Database(path, { readonly: true })
      const size = db.pragma("page_size", { simple: true })
      db.close()
      return size
    }
    const fresh = join(dir, "pages-new.db")
    const s1 = SqliteStore.open(fresh, { compactIntervalMs: 0 })
    await s1.create("/r/a", "x".repeat(5000))
    await s1.close()
    assert.equal(pageSize(fresh), 16384)
    const old = join(dir, "pages-old.db")
    const db = new Database(old)
    db.pragma("journal_mode = WAL")
    db.close()
    const s2 = SqliteStore.open(old, { compactIntervalMs: 0 })
    await s2.create("/r/a", "1")
    await s2.close()
    assert.equal(pageSize(old), 4096)
  })

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

  test("a write resolves, and reads and the revision see it, only once the WAL is synced", async () => {
    // gate[0] counts the fsyncs the writer thread may do; it holds a commit before its fsync at 0.
    const gate = new Int32Array(new SharedArrayBuffer(4))
    const release = (n = 1) => {
      Atomics.add(gate, 0, n)
      Atomics.notify(gate, 0)
    }
    const s = SqliteStore.open(join(dir, "sync.db"), { compactIntervalMs: 0, syncGate: gate })
    const peek = new Database(join(dir, "sync.db"), { readonly: true })
    const committed = (key: string) => !!peek.prepare("SELECT 1 FROM kv WHERE name = ?").get(key)
    try {
      const before = await s.revision()
      let done = false
      const created = s.create("/s/a", "1").then((e) => ((done = true), e))
      while (!committed("/s/a")) await new Promise((r) => setTimeout(r, 5))
      // Committed, not yet synced: neither acknowledged nor visible.
      let seen = false
      const read = s.get("/s/a").then((e) => ((seen = true), e))
      let laterDone = false
      const later = s.create("/s/b", "2").then((e) => ((laterDone = true), e))
      await new Promise((r) => setTimeout(r, 50))
      assert.equal(done, false)
      assert.equal(seen, false)
      assert.equal(await s.revision(), before)
      assert.equal(committed("/s/b"), false, "the next batch waits for the running fsync")
      release()
      const e = await created
      assert.equal((await read)?.value, "1")
      assert.deepEqual(await read, e)
      while (!committed("/s/b")) await new Promise((r) => setTimeout(r, 5))
      await new Promise((r) => setTimeout(r, 50))
      assert.equal(laterDone, false)
      release()
      assert.equal((await later).revision, e.revision + 1)
    } finally {
      release(1000)
      peek.close()
    }
    await s.close()
  })

  test("commits do not wait for the checkpointer, and the WAL starts over after its checkpoint", async () => {
    // The checkpointer waits to start while gate[0] is 0: a checkpoint that takes its time.
    const gate = new Int32Array(new SharedArrayBuffer(4))
    const path = join(dir, "checkpoint.db")
    const s = SqliteStore.open(path, { compactIntervalMs: 0, checkpointGate: gate, checkpointEvery: 20 })
    const writes = async (from: number, n: number) => {
      for (let i = from; i < from + n; i++) await s.create(`/c/${i}`, "x".repeat(3000))
    }
    try {
      let timer: NodeJS.Timeout | undefined
      const stuck = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("the writes waited for the checkpoint")), 10_000)
      })
      await Promise.race([writes(0, 100), stuck])
      clearTimeout(timer)
      // 100 commits and no checkpoint yet: what a commit adds to the WAL.
      const perCommit = statSync(`${path}-wal`).size / 100
      Atomics.store(gate, 0, 1)
      Atomics.notify(gate, 0)
      await writes(100, 100)
      const before = statSync(`${path}-wal`).size
      await writes(200, 200)
      // Without a restart the WAL would grow by 200 commits' frames.
      const grew = statSync(`${path}-wal`).size - before
      assert.ok(grew < perCommit * 50, `the WAL grew by ${grew} bytes: it does not start over`)
    } finally {
      Atomics.store(gate, 0, 1)
      Atomics.notify(gate, 0)
      await s.close()
    }
    const reopened = SqliteStore.open(path, { compactIntervalMs: 0 })
    assert.equal((await reopened.list("/c/")).entries.length, 400)
    await reopened.close()
  })

  test("the WAL file is cut back to 64 MiB when it starts over after a checkpoint", async () => {
    const path = join(dir, "wal-limit.db")
    const s = SqliteStore.open(path, { compactIntervalMs: 0, checkpointEvery: 80 })
    const limit = 64 * 1024 * 1024
    try {
      // 80 writes of 1 MB: past the limit before the first checkpoint.
      const big = "x".repeat(1_000_000)
      for (let i = 0; i < 80; i++) await s.create(`/w/${i}`, big)
      assert.ok(statSync(`${path}-wal`).size > limit)
      // The checkpoint and catch-up run beside these; the first commit after them starts the WAL over.
      for (let i = 0; i < 200 && statSync(`${path}-wal`).size > limit; i++) {
        await s.create(`/w/small-${i}`, "1")
        await new Promise((r) => setTimeout(r, 10))
      }
      assert.ok(
        statSync(`${path}-wal`).size <= limit,
        `the WAL file stays at ${statSync(`${path}-wal`).size} bytes`,
      )
    } finally {
      await s.close()
    }
  })

  test("a checkpoint that fails is logged, once however often it fails, and fails no write", async () => {
    // At 2 the checkpointer fails every checkpoint.
    const gate = new Int32Array(new SharedArrayBuffer(4))
    Atomics.store(gate, 0, 2)
    const lines: string[] = []
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const log = createLogger({ format: "json", destination })
    const s = SqliteStore.open(join(dir, "failing-checkpoint.db"), {
      compactIntervalMs: 0,
      checkpointGate: gate,
      checkpointEvery: 5,
      log,
    })
    try {
      for (let i = 0; i < 40; i++) await s.create(`/f/${i}`, "x".repeat(1000))
      const warnings = () => lines.filter((l) => l.includes("checkpointer failed"))
      for (let t = 0; t < 200 && warnings().length === 0; t++) await new Promise((r) => setTimeout(r, 10))
      await s.create("/f/last", "1")
      assert.equal(warnings().length, 1, lines.join(""))
      assert.match(warnings()[0] as string, /"level":40.*the test's gate failed it/)
    } finally {
      await s.close()
    }
  })

  test("the checkpointer's connection opens with the first checkpoint, and closing closes every file", async () => {
    // As /proc shows it: the real path, whatever links the temporary directory's path goes through.
    const path = join(realpathSync(dir), "lazy-checkpointer.db")
    // The descriptors of this process open on the database file: one per connection, and the
    // checkpointer's own one it syncs the file with.
    const open = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === path
        } catch {
          return false // closed since the directory was read
        }
      }).length
    const s = SqliteStore.open(path, { compactIntervalMs: 0, checkpointEvery: 20 })
    try {
      for (let i = 0; i < 15; i++) await s.create(`/l/${i}`, "x".repeat(1000))
      // Time for a checkpointer to start and connect (~90 ms), had one been started.
      await new Promise((r) => setTimeout(r, 500))
      // The event thread's reads and the writer thread: no checkpoint was due, no checkpointer.
      assert.equal(open(), 2)
      for (let i = 15; i < 40; i++) await s.create(`/l/${i}`, "x".repeat(1000))
      for (let t = 0; t < 500 && open() < 4; t++) await new Promise((r) => setTimeout(r, 10))
      assert.equal(open(), 4, "the checkpointer's connection and its descriptor for syncing")
    } finally {
      await s.close()
    }
    assert.equal(open(), 0)
    const reopened = SqliteStore.open(path, { compactIntervalMs: 0 })
    assert.equal((await reopened.list("/l/")).entries.length, 40)
    await reopened.close()
  })

  test("a database of its own is required: an in-memory one is refused", () => {
    assert.throws(() => SqliteStore.open(":memory:"), /needs a database file/)
  })
})
