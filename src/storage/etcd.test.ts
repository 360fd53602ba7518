import assert from "node:assert/strict"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { ensureDebianPackage, skipUnless, startEtcd, type EtcdServer } from "../testing/index.ts"
import { EtcdStore, openEtcdStore } from "./etcd.ts"
import { CompactedError, KeyNotFoundError } from "./errors.ts"
import { openStore } from "./open.ts"
import { describeStore } from "./store.case.ts"
import type { StoreEvent } from "./store.ts"

const hasEtcd = ensureDebianPackage("etcd-server", "/usr/bin/etcd")

describe(
  "EtcdStore on a real etcd",
  skipUnless(hasEtcd, "etcd is not installed (Debian package etcd-server)"),
  () => {
    let etcd: EtcdServer
    before(async () => {
      etcd = await startEtcd()
    })
    after(async () => {
      await etcd?.stop()
    })

    describeStore("EtcdStore", () => EtcdStore.open(etcd.endpoints, { prefix: "/conformance" }))

    describe("EtcdStore", () => {
      test("two stores sharing one etcd see each other's writes through watch()", async () => {
        const a = await EtcdStore.open(etcd.endpoints, { prefix: "/shared" })
        const b = await openStore(`${etcd.url}?prefix=/shared`, { etcd: openEtcdStore })
        try {
          const ac = new AbortController()
          const it = b.watch("/pods/", await b.revision(), ac.signal)[Symbol.asyncIterator]()
          const created = await a.create("/pods/web", "v1")
          const updated = await a.update("/pods/web", "v2", created.revision)
          const events: StoreEvent[] = []
          for (let i = 0; i < 2; i++) {
            const r = await it.next()
            assert.equal(r.done, false)
            events.push(r.value)
          }
          ac.abort()
          assert.deepEqual(events[0], { type: "put", entry: created })
          assert.deepEqual(events[1], { type: "put", entry: updated, prev: created })
          assert.deepEqual(await b.get("/pods/web"), updated)
        } finally {
          await a.close()
          await b.close()
        }
      })

      test("stores with different prefixes do not see each other's keys", async () => {
        const a = await EtcdStore.open(etcd.endpoints, { prefix: "/cluster-a" })
        const b = await EtcdStore.open(etcd.endpoints, { prefix: "/cluster-b" })
        try {
          await a.create("/k", "a")
          assert.equal(await b.get("/k"), undefined)
          await assert.rejects(b.delete("/k"), KeyNotFoundError)
          assert.deepEqual(
            (await a.list("")).entries.map((e) => [e.key, e.value]),
            [["/k", "a"]],
          )
        } finally {
          await a.close()
          await b.close()
        }
      })

      test("list() at a revision another store compacted reports etcd's compacted revision", async () => {
        const a = await EtcdStore.open(etcd.endpoints, { prefix: "/compact" })
        const b = await EtcdStore.open(etcd.endpoints, { prefix: "/compact" })
        try {
          const e1 = await a.create("/x", "1")
          const e2 = await a.update("/x", "2", e1.revision)
          await a.compact(e2.revision)
          const err = await b.list("/", { revision: e1.revision }).catch((e: unknown) => e)
          assert.ok(err instanceof CompactedError)
          assert.ok(err.compacted >= e2.revision)
        } finally {
          await a.close()
          await b.close()
        }
      })

      test("close() ends open watches", async () => {
        const s = await EtcdStore.open(etcd.endpoints)
        const w = s.watch("/closing/", await s.revision(), new AbortController().signal)
        const next = w[Symbol.asyncIterator]().next()
        await s.close()
        assert.equal((await next).done, true)
      })

      test("startEtcd() on a given dir keeps the data across a restart and stops by PID", async () => {
        const dir = mkdtempSync(join(tmpdir(), "k8ts-etcd-test-"))
        try {
          const first = await startEtcd({ dir })
          const s1 = await EtcdStore.open(first.endpoints)
          const e = await s1.create("/kept", "v")
          await s1.close()
          await first.stop()
          assert.throws(() => process.kill(first.pid, 0), /ESRCH/)
          assert.ok(existsSync(dir))
          const second = await startEtcd({ dir })
          const s2 = await EtcdStore.open(second.endpoints)
          assert.deepEqual(await s2.get("/kept"), e)
          await s2.close()
          await second.stop()
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      })

      test("startEtcd() stop() removes its temporary data dir", async () => {
        const server = await startEtcd()
        assert.ok(existsSync(server.dir))
        await server.stop()
        assert.equal(existsSync(server.dir), false)
      })

      test("openEtcdStore() refuses a URL without endpoints", async () => {
        await assert.rejects(openStore("etcd://", { etcd: openEtcdStore }), TypeError)
      })
    })
  },
)
