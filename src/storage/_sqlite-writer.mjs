/**
 * The writer thread of a SqliteStore (see sqlite.ts): the one connection that writes the database.
 * Plain JavaScript, so the worker needs no TypeScript loader; its messages are typed, and the
 * thread started, by _sqlite-writer-thread.ts.
 *
 * Each `commit` message is a batch of writes applied in one transaction, then made durable by an
 * fsync of the WAL, then answered: the event thread never waits for SQLite or the disk. Every so
 * many writes the thread asks its checkpointer (_sqlite-checkpointer.mjs) to copy the WAL into the
 * database, and sync it, while it goes on committing: a checkpoint here, between two commits, held
 * every write sent meanwhile for its copy and fsyncs (10-70 ms each second at 1,000 creates/s of
 * the API bench's pod, on a loaded machine). Once the checkpointer is done, the thread copies the
 * few commits that came during it itself, between two commits (SQLite then syncs the database
 * file, which has only their pages left to write), so the next commit starts the WAL over.
 * Compaction's deletes and the meta rows are written here too: a second writing connection would
 * wait for this one's lock.
 */
import { fdatasyncSync, openSync, closeSync } from "node:fs"
import { Buffer } from "node:buffer"
import { Worker, parentPort, workerData } from "node:worker_threads"
import { connect } from "./_sqlite-connect.mjs"

/**
 * How many writes between checkpoints. A write of a few-KB object adds about 4 pages to the WAL,
 * so this lets it reach about 16 MB (SQLite's default, 1,000 pages, would checkpoint four times
 * as often, each with its fsyncs).
 */
const WRITES_PER_CHECKPOINT = 1000

const {
  path,
  revision: startRevision,
  syncGate,
  checkpointGate,
  checkpointEvery = WRITES_PER_CHECKPOINT,
  concurrentCheckpoints,
} = workerData
const db = connect(path)
db.prepare("SELECT 1 FROM meta LIMIT 1").get() // a read opens (creates) the WAL file
const walFd = openSync(`${path}-wal`, "r")
/**
 * Copies the WAL into the database beside the commits (see _sqlite-checkpointer.mjs). Started by
 * the first checkpoint: a store that is opened and closed again (a test, a command) spares the
 * thread and its connection (about 90 ms).
 */
let checkpointer
/** The checkpointer is copying: no other checkpoint is asked for until it answers. */
let checkpointing = false
/**
 * The checkpointer stopped, or was never to run (a SQLite with the WAL-reset bug, see
 * _sqlite-wal-reset.ts): the writer checkpoints between its commits itself, as it can.
 */
let checkpointerGone = !concurrentCheckpoints

/** Asks the checkpointer (started if need be) for a checkpoint. */
function requestCheckpoint() {
  if (!checkpointer) {
    checkpointer = new Worker(new URL("./_sqlite-checkpointer.mjs", import.meta.url), {
      workerData: { path, gate: checkpointGate },
    })
    checkpointer.on("message", (m) => {
      if (m.error !== undefined) warn(`A checkpoint of the checkpointer failed: ${m.error}`)
      else if (m.result.busy) warn("A checkpoint of the checkpointer found the database busy")
      catchUp()
    })
    checkpointer.on("error", (err) => {
      checkpointerGone = true
      warn(`The checkpointer failed: ${String(err)}; the writer checkpoints between its commits`)
    })
    checkpointer.on("exit", () => {
      checkpointerGone = true
      checkpointing = false
    })
  }
  checkpointing = true
  checkpointer.postMessage("checkpoint")
}

const sql = {
  setMeta: db.prepare("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v"),
  // The value as UTF-8 bytes, copied into the answer's shared buffer as they are.
  current: db.prepare(
    "SELECT l.id, l.create_revision, CAST(l.value AS BLOB) AS value FROM kv JOIN log l ON l.id = kv.id WHERE kv.name = ?",
  ),
  // The value comes as UTF-8 bytes (a view of the shared buffer) and is stored as the text they are.
  insert: db.prepare(
    "INSERT INTO log (id, name, create_revision, prev_revision, deleted, value) VALUES (?, ?, ?, ?, 0, CAST(? AS TEXT))",
  ),
  // A delete's tombstone: the deleted row's value, copied within SQLite.
  tombstone: db.prepare(
    "INSERT INTO log (id, name, create_revision, prev_revision, deleted, value) SELECT ?, name, create_revision, id, 1, value FROM log WHERE id = ?",
  ),
  kvPut: db.prepare(
    "INSERT INTO kv (name, id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET id = excluded.id",
  ),
  // A create: no change when the key exists.
  kvInsert: db.prepare("INSERT OR IGNORE INTO kv (name, id) VALUES (?, ?)"),
  kvDelete: db.prepare("DELETE FROM kv WHERE name = ?"),
  // lo, hi, target: rows in (lo, hi] that a later row at or before target supersedes, and old tombstones
  compactBatch: db.prepare(
    `DELETE FROM log WHERE id IN (
       SELECT l.id FROM log l WHERE l.id > ? AND l.id <= ? AND (l.deleted = 1 OR EXISTS (
         SELECT 1 FROM log n WHERE n.name = l.name AND n.id > l.id AND n.id <= ?)))`,
  ),
}

/** The revision of the last write committed (the store read it before starting this thread). */
let revision = startRevision
let sinceCheckpoint = 0

/** The values of the batch being committed: UTF-8 bytes the event thread wrote (it sends each new buffer). */
let input = Buffer.alloc(0)
/** The values the answers carry (replaced entries), as UTF-8 bytes; a new buffer goes with an answer. */
let output = Buffer.from(new SharedArrayBuffer(1 << 20))
let outputUsed = 0
/** The output buffer the event thread has (it gets a new one with the next answer). */
let outputSent

/** Copies `bytes` into the output buffer (growing it); returns where they start. */
function put(bytes) {
  if (outputUsed + bytes.length > output.length) {
    const bigger = Buffer.from(new SharedArrayBuffer(Math.max(output.length * 2, outputUsed + bytes.length)))
    output.copy(bigger, 0, 0, outputUsed)
    output = bigger
  }
  bytes.copy(output, outputUsed)
  outputUsed += bytes.length
  return outputUsed - bytes.length
}

/**
 * Applies write `i` of the batch (ops[5i..5i+4]: kind 0 create, 1 update, 2 delete; key; value start
 * and end in input; expected revision or -1) inside the open transaction, writing its result to
 * out[7i..7i+6]: status (0 done, 1 the key exists, 2 not found, 3 another revision), revision,
 * create revision, and the replaced (or, on 3, current) entry's revision, create revision and value
 * start and end in output.
 */
function apply(ops, i, out) {
  const [kind, key, start, end, expected] = ops.slice(i * 5, i * 5 + 5)
  const o = i * 7
  const next = revision + 1
  if (kind === 0) {
    if (sql.kvInsert.run(key, next).changes === 0) return void (out[o] = 1)
    sql.insert.run(next, key, next, 0, input.subarray(start, end))
    revision = next
    out[o] = 0
    out[o + 1] = next
    out[o + 2] = next
    return
  }
  const cur = sql.current.get(key)
  if (!cur) return void (out[o] = 2)
  const at = put(cur.value)
  out[o + 3] = cur.id
  out[o + 4] = cur.create_revision
  out[o + 5] = at
  out[o + 6] = at + cur.value.length
  if (expected >= 0 && cur.id !== expected) return void (out[o] = 3)
  if (kind === 2) {
    sql.tombstone.run(next, cur.id)
    sql.kvDelete.run(key)
  } else {
    sql.insert.run(next, key, cur.create_revision, cur.id, input.subarray(start, end))
    sql.kvPut.run(key, next)
  }
  revision = next
  out[o] = 0
  out[o + 1] = next
  out[o + 2] = cur.create_revision
}

const commit = db.transaction((ops, out) => {
  const start = revision
  for (let i = 0; i < out.length / 7; i++) apply(ops, i, out)
  if (revision !== start) sql.setMeta.run("revision", revision)
})

function onCommit(m) {
  if (m.values) input = Buffer.from(m.values)
  const start = revision
  const out = new Array((m.ops.length / 5) * 7).fill(0)
  outputUsed = 0
  try {
    commit.immediate(m.ops, out)
  } catch (err) {
    revision = start // rolled back: nothing was written
    parentPort.postMessage({ id: m.id, error: String(err) })
    return
  }
  if (revision !== start) {
    if (syncGate) {
      while (Atomics.load(syncGate, 0) === 0) Atomics.wait(syncGate, 0, 0)
      Atomics.sub(syncGate, 0, 1)
    }
    try {
      fdatasyncSync(walFd)
    } catch (err) {
      // Whether the batch is on disk is unknown: the store refuses it and everything after it.
      parentPort.postMessage({ id: m.id, fatal: String(err) })
      return
    }
  }
  const values = output.buffer === outputSent ? undefined : (outputSent = output.buffer)
  parentPort.postMessage({ id: m.id, revision, results: out, values })
  sinceCheckpoint += out.length / 7
  if (sinceCheckpoint >= checkpointEvery && !checkpointing) {
    sinceCheckpoint = 0
    if (checkpointerGone) return catchUp()
    requestCheckpoint()
  }
}

/**
 * Copies into the database what the WAL got since the checkpointer's checkpoint started: a few
 * commits' frames, so the next commit starts the WAL over instead of appending to it for ever.
 */
function catchUp() {
  checkpointing = false
  // The WAL is copied up to here: the writes that came during the checkpointer's do not count
  // toward the next, which would otherwise be asked for at once, with next to nothing to copy.
  sinceCheckpoint = 0
  try {
    // Retried after the next writes when busy; the WAL only grows meanwhile.
    if (db.pragma("wal_checkpoint(PASSIVE)")[0].busy) warn("A checkpoint found the database busy")
  } catch (err) {
    warn(`A checkpoint failed: ${String(err)}`)
  }
}

/**
 * Tells the store something is wrong that fails no write yet: a checkpoint that fails again and
 * again lets the WAL grow without bound. The store logs each message once.
 */
function warn(message) {
  parentPort.postMessage({ warning: message })
}

/** Closes the database once the checkpointer is gone, then the thread. */
function finish() {
  db.close() // SQLite checkpoints at the last close itself
  closeSync(walFd)
  parentPort.close()
}

parentPort.on("message", (m) => {
  if (m.kind === "commit") return onCommit(m)
  if (m.kind === "close") {
    if (!checkpointer || checkpointerGone) return void finish()
    checkpointer.once("exit", finish)
    checkpointer.postMessage("close")
    return
  }
  try {
    if (m.kind === "compact") sql.compactBatch.run(m.from, m.to, m.target)
    else if (m.kind === "meta") sql.setMeta.run(m.key, m.value)
    parentPort.postMessage({ id: m.id })
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err) })
  }
})
