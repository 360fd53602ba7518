/**
 * File-system steps that set a pod up before its holder joins it (its cgroup folders and limits,
 * its /dev/shm mount point, its /etc/hostname file), as plain data: the holder server runs them
 * in the forked holder, off the runtime's thread, or the runtime runs them itself.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs"

/** A folder to make (with its parents), or a value to write (or append) to a file (an optional one may fail). */
export type SetupStep =
  | { readonly dir: string }
  | { readonly file: string; readonly value: string; readonly optional?: boolean; readonly append?: boolean }

/**
 * Runs `steps` in order.
 * @throws Error of the first step that failed (optional writes excepted)
 */
export function runSteps(steps: readonly SetupStep[]): void {
  for (const s of steps) {
    if ("dir" in s) {
      mkdirSync(s.dir, { recursive: true })
      continue
    }
    try {
      if (s.append) appendFileSync(s.file, s.value)
      else writeFileSync(s.file, s.value)
    } catch (err) {
      if (!s.optional) throw err
    }
  }
}
