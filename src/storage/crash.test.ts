/**
 * Crash safety: a child process (_crash-writer.ts) writes as fast as it can and logs every
 * acknowledged write; it is killed with SIGKILL at a random moment, the store is reopened, and
 * the history on disk is checked against the log:
 *
 * - every acknowledged write is in the history at its revision, with its key, type and value;
 * - the history's revisions are gapless and increasing from the writer's start revision;
 * - the history is a valid run of the writer's own writes (no lost, duplicated, phantom or
 *   must-fail write; creates only of absent keys, updates and deletes only of present ones);
 * - writes that reached the disk without an acknowledgement are allowed, but at most one per
 *   writer loop (each loop has one write in flight) and only its latest one;
 * - a watch from the start and from a random retained revision replays exactly that history, a
 *   list at that revision shows its state, and the next write gets the next revision.
 *
 * A SIGKILL loses nothing the kernel holds, so this checks that a write resolves only after its
 * commit; it does not simulate power loss (that is synchronous=FULL's part).
 */
import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, test } from "node:test"
import { ensureDebianPackage, skipUnless, startEtcd } from "../testing/index.ts"
import { EtcdStore } from "./etcd.ts"
import { SqliteStore } from "./sqlite.ts"
import type { Entry, Store, StoreEvent } from "./store.ts"

const WRITER = join(import.meta.dirname, "_crash-writer.ts")
const ROUNDS = 5
const hasEtcd = ensureDebianPackage("etcd-server", "/usr/bin/etcd")
const dir = mkdtempSync(join(tmpdir(), "k8ts-crash-"))
const children = new Set<ChildProcess>()

after(() => {
  for (const c of children)
    if (c.pid && c.exitCode === null && c.signalCode === null) process.kill(c.pid, "SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

/** One acknowledged write, as the writer logs it. */
interface Ack {
  readonly k: string
  readonly t: "put" | "delete"
  readonly r: number
  readonly c: number
  readonly v: string
}

interface Run {
  /** The store's revision when the writer started. */
  readonly start: number
  readonly acks: Ack[]
  readonly bugs: string[]
  readonly errs: string[]
  readonly killAfterMs: number
}

/** Runs the writer with `args` and kills it `killAfterMs` after it reported ready. */
async function runWriter(args: string[], killAfterMs: number, round: number): Promise<Run> {
  const logPath = join(dir, `acks-${round}-${Math.random().toString(36).slice(2, 8)}.log`)
  const fd = openSync(logPath, "w")
  const child = spawn(process.execPath, ["--import", "tsx", WRITER, ...args], {
    stdio: ["ignore", fd, "pipe", "ipc"],
  })
  closeSync(fd)
  children.add(child)
  let stderr = ""
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString("utf8")))
  let start = -1
  let killer: NodeJS.Timeout | undefined
  const guard = setTimeout(() => child.kill("SIGKILL"), 20_000) // never hang the suite
  const exit = new Promise<NodeJS.Signals | null>((resolve) => {
    child.once("close", (_code, signal) => resolve(signal))
  })
  child.on("message", (m: { ready?: boolean; revision?: number }) => {
    if (!m.ready || killer) return
    start = m.revision ?? 0
    // On a loaded machine the first commit may take longer than the delay: the kill waits until
    // the writer has logged something, so every round checks acknowledged writes.
    const kill = () => {
      if (statSync(logPath).size > 0) child.kill("SIGKILL")
      else killer = setTimeout(kill, 10)
    }
    killer = setTimeout(kill, killAfterMs)
  })
  const signal = await exit
  clearTimeout(guard)
  clearTimeout(killer)
  children.delete(child)
  assert.equal(signal, "SIGKILL", `writer ended on its own (signal ${signal}): ${stderr}`)
  assert.ok(start >= 0, `writer never reported ready: ${stderr}`)
  const run: Run = { start, acks: [], bugs: [], errs: [], killAfterMs }
  const lines = readFileSync(logPath, "utf8").split("\n")
  lines.pop() // the last line is empty, or cut short by the kill
  for (const line of lines) {
    const o = JSON.parse(line) as Ack & { bug?: string; err?: string }
    if (o.bug) run.bugs.push(o.bug)
    else if (o.err) run.errs.push(o.err)
    else run.acks.push(o)
  }
  return run
}

/** Every event under `prefix` after `from` up to `until` (inclusive), by watching. */
async function replay(store: Store, prefix: string, from: number, until: number): Promise<StoreEvent[]> {
  const out: StoreEvent[] = []
  if (until <= from) return out
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), 10_000)
  try {
    for await (const ev of store.watch(prefix, from, ac.signal)) {
      out.push(ev)
      if (ev.entry.revision >= until) break
    }
  } finally {
    clearTimeout(timer)
    ac.abort()
  }
  return out
}

/** Parses a writer value `<key>|<worker>|<seq>|<padding>`. */
function parseValue(v: string): { key: string; worker: number; seq: number } | undefined {
  const m = /^(.*)\|(\d+)\|(\d+)\|x*$/.exec(v)
  return m ? { key: m[1] as string, worker: Number(m[2]), seq: Number(m[3]) } : undefined
}

/** The live entries after applying `events` (in order) to an empty state. */
function fold(events: readonly StoreEvent[]): Entry[] {
  const live = new Map<string, Entry>()
  for (const ev of events) {
    if (ev.type === "put") live.set(ev.entry.key, ev.entry)
    else live.delete(ev.entry.key)
  }
  return [...live.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** Summary of one checked round, for the test log. */
interface Checked {
  acked: number
  committed: number
  unacked: number
}

/** Checks the reopened `store` against the writer's run (see the module comment). */
async function check(store: Store, prefix: string, run: Run, fromZero: boolean): Promise<Checked> {
  const why = `(killed ${run.killAfterMs} ms after start, ${run.acks.length} acks)`
  assert.deepEqual(run.bugs, [], `writes that must fail succeeded ${why}`)
  assert.deepEqual(run.errs, [], `writes that should succeed failed ${why}`)
  const R = await store.revision()
  const history = await replay(store, prefix, run.start, R)

  // Gapless, strictly increasing, from the start revision up to the current one.
  const revs = history.map((e) => e.entry.revision)
  assert.deepEqual(
    revs,
    Array.from({ length: R - run.start }, (_, i) => run.start + 1 + i),
    `history is not gapless from ${run.start} to ${R} ${why}`,
  )

  // A valid history of the writer's own writes.
  const live = new Map<string, Entry>()
  const lastSeq = new Map<string, number>()
  for (const ev of history) {
    const { key, revision, createRevision, value } = ev.entry
    const cur = live.get(key)
    const at = `at revision ${revision} (${ev.type} ${key}) ${why}`
    assert.ok(key.startsWith(prefix), `foreign key ${at}`)
    if (ev.type === "put") {
      const p = parseValue(value)
      assert.ok(p && p.key === key, `a value the writer never wrote ${at}: ${value.slice(0, 80)}`)
      assert.ok(p.seq > (lastSeq.get(`${p.worker}`) ?? -1), `a write applied twice or out of order ${at}`)
      lastSeq.set(`${p.worker}`, p.seq)
      assert.equal(createRevision, cur ? cur.createRevision : revision, `wrong createRevision ${at}`)
      if (ev.prev) assert.deepEqual(ev.prev, cur, `wrong prev ${at}`)
      live.set(key, ev.entry)
    } else {
      assert.ok(cur, `delete of an absent key ${at}`)
      assert.equal(value, cur.value, `a delete must carry the deleted value ${at}`)
      assert.equal(createRevision, cur.createRevision, `wrong createRevision ${at}`)
      live.delete(key)
    }
  }

  // Every acknowledged write is there, as acknowledged.
  const byRev = new Map(history.map((e) => [e.entry.revision, e]))
  const acked = new Set<number>()
  for (const a of run.acks) {
    const h = byRev.get(a.r)
    assert.ok(h, `acknowledged ${a.t} of ${a.k} at ${a.r} is lost ${why}`)
    assert.equal(h.type, a.t, `acknowledged write at ${a.r} has another type ${why}`)
    assert.equal(h.entry.key, a.k, `acknowledged write at ${a.r} has another key ${why}`)
    assert.equal(h.entry.value, a.v, `acknowledged write at ${a.r} has another value ${why}`)
    assert.equal(
      h.entry.createRevision,
      a.c,
      `acknowledged write at ${a.r} has another createRevision ${why}`,
    )
    assert.ok(!acked.has(a.r), `revision ${a.r} acknowledged twice ${why}`)
    acked.add(a.r)
  }

  // Unacknowledged but committed: at most one per writer loop, and its latest write.
  const maxAckedSeq = new Map<number, number>()
  for (const a of run.acks) {
    const p = a.t === "put" ? parseValue(a.v) : undefined
    if (p) maxAckedSeq.set(p.worker, Math.max(p.seq, maxAckedSeq.get(p.worker) ?? -1))
  }
  const unacked = history.filter((e) => !acked.has(e.entry.revision))
  const perWorker = new Map<number, number>()
  for (const e of unacked) {
    // A delete carries the value its key's owner wrote last, so it names the owner too.
    const p = parseValue(e.entry.value) as NonNullable<ReturnType<typeof parseValue>>
    const n = (perWorker.get(p.worker) ?? 0) + 1
    perWorker.set(p.worker, n)
    assert.ok(n <= 1, `loop ${p.worker} has ${n} unacknowledged writes on disk ${why}`)
    if (e.type === "put") {
      assert.ok(
        p.seq > (maxAckedSeq.get(p.worker) ?? -1),
        `unacknowledged write of loop ${p.worker} precedes an acknowledged one ${why}`,
      )
    }
  }

  // The current state is the history's result.
  const listed = await store.list(prefix)
  assert.equal(listed.revision, R)
  assert.deepEqual(
    listed.entries,
    [...live.values()].sort((a, b) => (a.key < b.key ? -1 : 1)),
    `list ${why}`,
  )

  // A watch from a random retained revision replays the same history; a list there shows its state.
  const mid = run.start + Math.floor(Math.random() * (R - run.start + 1))
  assert.deepEqual(
    await replay(store, prefix, mid, R),
    history.slice(mid - run.start),
    `watch from ${mid} ${why}`,
  )
  if (mid > 0) {
    const at = await store.list(prefix, { revision: mid })
    assert.deepEqual(at.entries, fold(history.slice(0, mid - run.start)), `list at ${mid} ${why}`)
  }
  if (fromZero) assert.deepEqual(await replay(store, prefix, 0, R), history, `watch from 0 ${why}`)

  // The revision counter survived: the next write gets the next revision.
  const next = await store.create(`${prefix}after-crash`, "1")
  assert.equal(next.revision, R + 1)
  return { acked: run.acks.length, committed: history.length, unacked: unacked.length }
}

function killDelay(): number {
  return 100 + Math.floor(Math.random() * 500)
}

describe("crash safety", () => {
  test(`SqliteStore keeps every acknowledged write across SIGKILL (${ROUNDS} rounds)`, async (t) => {
    for (let round = 0; round < ROUNDS; round++) {
      const path = join(dir, `crash-${round}.db`)
      const prefix = "/crash/"
      const run = await runWriter(["sqlite", path, prefix], killDelay(), round)
      const store = SqliteStore.open(path, { compactIntervalMs: 0 })
      try {
        const r = await check(store, prefix, run, true)
        t.diagnostic(
          `round ${round}: killed after ${run.killAfterMs} ms; ${r.acked} acknowledged, ${r.committed} committed, ${r.unacked} unacknowledged on disk`,
        )
        assert.ok(r.acked > 0, "the writer acknowledged nothing before the kill")
      } finally {
        await store.close()
      }
    }
  })

  test(
    `EtcdStore keeps every acknowledged write across a SIGKILL of the client (${ROUNDS} rounds)`,
    skipUnless(hasEtcd, "etcd is not installed (Debian package etcd-server)"),
    async (t) => {
      const etcd = await startEtcd()
      try {
        for (let round = 0; round < ROUNDS; round++) {
          // One etcd for every round: each round writes under its own prefix.
          const prefix = `/crash-${round}/`
          const run = await runWriter(["etcd", etcd.url, prefix], killDelay(), round)
          // Requests the killed client had sent may still be applied: let them land first.
          await new Promise((r) => setTimeout(r, 200))
          const store = await EtcdStore.open(etcd.endpoints)
          try {
            const r = await check(store, prefix, run, false)
            t.diagnostic(
              `round ${round}: killed after ${run.killAfterMs} ms; ${r.acked} acknowledged, ${r.committed} committed, ${r.unacked} unacknowledged on disk`,
            )
            assert.ok(r.acked > 0, "the writer acknowledged nothing before the kill")
          } finally {
            await store.close()
          }
        }
      } finally {
        await etcd.stop()
      }
    },
  )
})
