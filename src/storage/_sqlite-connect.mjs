/**
 * The connections of a SqliteStore's writer thread (_sqlite-writer.mjs) and its checkpointer
 * (_sqlite-checkpointer.mjs), opened with the same settings, so that what each assumes of the
 * other's syncs holds. Plain JavaScript, as both threads.
 */
import Database from "better-sqlite3"

/**
 * What the WAL file is cut back to when it starts over, in bytes: else it keeps the size a burst
 * of writes (or a checkpoint held up) once grew it to.
 */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024

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
  // The connection that starts the WAL over cuts the file back to this at its next commit; the
  // limit of a connection that never writes (the store's reads) is never used.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`)
  return db
}
