/** The SQL of SqliteStore: schema and prepared statements. */
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

/** Prepares every statement SqliteStore uses. */
export function statements(db: Database.Database) {
  return {
    maxId: db.prepare<[], { v: number | null }>("SELECT MAX(id) AS v FROM log"),
    getMeta: db.prepare<[string], { v: number }>("SELECT v FROM meta WHERE k = ?"),
    setMeta: db.prepare<[string, number]>(
      "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
    ),
    get: db.prepare<[string], Row>(`SELECT ${COLS} FROM kv JOIN log l ON l.id = kv.id WHERE kv.name = ?`),
    byId: db.prepare<[number], Row>(`SELECT ${COLS} FROM log l WHERE l.id = ?`),
    insert: db.prepare<[number, string, number, number, number, string]>(
      "INSERT INTO log (id, name, create_revision, prev_revision, deleted, value) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    kvPut: db.prepare<[string, number]>(
      "INSERT INTO kv (name, id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET id = excluded.id",
    ),
    // A create: no change when the key exists.
    kvInsert: db.prepare<[string, number]>("INSERT OR IGNORE INTO kv (name, id) VALUES (?, ?)"),
    kvDelete: db.prepare<[string]>("DELETE FROM kv WHERE name = ?"),
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
    // lo, hi, target: rows in (lo, hi] that a later row at or before target supersedes, and old tombstones
    compactBatch: db.prepare<[number, number, number]>(
      `DELETE FROM log WHERE id IN (
         SELECT l.id FROM log l WHERE l.id > ? AND l.id <= ? AND (l.deleted = 1 OR EXISTS (
           SELECT 1 FROM log n WHERE n.name = l.name AND n.id > l.id AND n.id <= ?)))`,
    ),
  }
}
