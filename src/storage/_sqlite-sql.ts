/** The SQL of SqliteStore: schema and the prepared statements of its reads (the writes are in _sqlite-writer.mjs). */
import type Database from "better-sqlite3"

/** One row of the revision log. */
export interface Row {
  id: number
  name: string
  create_revision: number
  prev_revision: number
  deleted: number
  value: string
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id);
CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
`

const COLS = "l.id, l.name, l.create_revision, l.prev_revision, l.deleted, l.value"

/** Prepares the statements SqliteStore reads with. */
export function statements(db: Database.Database) {
  return {
    maxId: db.prepare<[], { v: number | null }>("SELECT MAX(id) AS v FROM log"),
    getMeta: db.prepare<[string], { v: number }>("SELECT v FROM meta WHERE k = ?"),
    get: db.prepare<[string], Row>(`SELECT ${COLS} FROM kv JOIN log l ON l.id = kv.id WHERE kv.name = ?`),
    byId: db.prepare<[number], Row>(`SELECT ${COLS} FROM log l WHERE l.id = ?`),
    // prefix, end, after, limit
    listCurrent: db.prepare<[string, string, string, number], Row>(
      `SELECT ${COLS} FROM kv JOIN log l ON l.id = kv.id
       WHERE kv.name >= ? AND kv.name < ? AND kv.name > ? ORDER BY kv.name LIMIT ?`,
    ),
    // after, end
    countCurrent: db.prepare<[string, string], { n: number }>(
      "SELECT COUNT(*) AS n FROM kv WHERE name > ? AND name < ?",
    ),
    // prefix, end, after, revision, limit
    listAt: db.prepare<[string, string, string, number, number], Row>(
      `SELECT ${COLS} FROM log l WHERE l.id IN (
         SELECT MAX(id) FROM log WHERE name >= ? AND name < ? AND name > ? AND id <= ? GROUP BY name
       ) AND l.deleted = 0 ORDER BY l.name LIMIT ?`,
    ),
    // after, end, revision
    countAt: db.prepare<[string, string, number], { n: number }>(
      `SELECT COUNT(*) AS n FROM log l WHERE l.id IN (
         SELECT MAX(id) FROM log WHERE name > ? AND name < ? AND id <= ? GROUP BY name
       ) AND l.deleted = 0`,
    ),
    // after, prefix, end, limit
    history: db.prepare<[number, string, string, number], Row>(
      `SELECT ${COLS} FROM log l WHERE l.id > ? AND l.name >= ? AND l.name < ? ORDER BY l.id LIMIT ?`,
    ),
  }
}
