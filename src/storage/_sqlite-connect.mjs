/**
 * The connections of a SqliteStore's writer thread (_sqlite-writer.mjs) and its checkpointer
 * (_sqlite-checkpointer.mjs), opened with the same settings, so that what each assumes of the
 * other's syncs holds. Plain JavaScript, as both threads.
 */
import Database from "better-sqlite3"

/** Opens a writing connection to the database at `path`, which the store has created. */
export function connect(path) {
  const db = new Database(path, { fileMustExist: true })
  db.pragma("busy_timeout = 5000")
  // The writer thread asks for checkpoints: SQLite's own, after a commit, would hold it.
  db.pragma("wal_autocheckpoint = 0")
  // The writer fsyncs the WAL after each commit. NORMAL keeps SQLite's syncs of checkpoints only:
  // the WAL's before a checkpoint copies it, and the database file's once one copied the whole
  // WAL (the checkpointer syncs it after the others, by hand).
  db.pragma("synchronous = NORMAL")
  return db
}
