/**
 * The checkpointer of a SqliteStore: a thread the writer thread (_sqlite-writer.mjs) starts, with
 * a connection of its own that copies the WAL into the database file when the writer asks, while
 * the writer goes on committing. SQLite lets a passive checkpoint run beside a writer: it copies
 * the frames committed when it started, and the writer appends after them. The database file is
 * then synced here, as SQLite does only once a checkpoint copied the whole WAL.
 *
 * Each `checkpoint` message is answered with the checkpoint's result row (or its error). Plain
 * JavaScript, as the writer thread.
 */
import { closeSync, fsyncSync, openSync } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"
import { connect } from "./_sqlite-connect.mjs"

const { path, gate } = workerData
const db = connect(path)
/** The database file, synced after each checkpoint (see below). */
const dbFd = openSync(path, "r")

parentPort.on("message", (m) => {
  if (m === "close") {
    db.close()
    closeSync(dbFd)
    parentPort.close()
    return
  }
  // For tests: a checkpoint waits while gate[0] is 0, and fails at 2 (see SqliteOptions.checkpointGate).
  if (gate) while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0)
  try {
    if (gate && Atomics.load(gate, 0) === 2) throw new Error("the test's gate failed it")
    const result = db.pragma("wal_checkpoint(PASSIVE)")[0]
    // SQLite syncs the database only after a checkpoint that copied the whole WAL, which commits
    // landing meanwhile prevent: the writer's catch-up would then sync every page copied here,
    // while commits wait. Synced here, the catch-up's sync has only its own few pages to write.
    fsyncSync(dbFd)
    parentPort.postMessage({ result })
  } catch (err) {
    parentPort.postMessage({ error: String(err) })
  }
})
