/**
 * SQLite's WAL-reset bug (https://www.sqlite.org/wal.html#walresetbug): from 3.7.0 through 3.51.2,
 * a checkpoint by one connection racing a write by another that starts the WAL over can corrupt
 * the database. SqliteStore's checkpointer is such a connection beside the writer's, so it runs
 * only on a SQLite with the fix (3.51.3); on an older one the writer checkpoints itself.
 */

/** The first SQLite release with the WAL-reset fix. */
export const WAL_RESET_FIXED = "3.51.3"

/** Whether SQLite `version` (as sqlite_version() gives it, "3.53.2") has the WAL-reset fix. */
export function hasWalResetFix(version: string): boolean {
  const have = version.split(".").map(Number)
  const fixed = WAL_RESET_FIXED.split(".").map(Number)
  for (let i = 0; i < fixed.length; i++) {
    const a = have[i] ?? 0
    const b = fixed[i] as number
    if (Number.isNaN(a)) return false
    if (a !== b) return a > b
  }
  return true
}
