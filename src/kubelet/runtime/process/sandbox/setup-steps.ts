/**
 * File-system steps that set a pod up before its holder joins it (its cgroup folders and limits,
 * its /dev/shm mount point, its /etc/hostname file) or a container before it starts (its
 * cgroup, the links to its root's writable layer), as plain data: the spawner runs them in the
 * forked holder or shim, off the runtime's thread, or the runtime runs them itself.
 */
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs"

/**
 * A folder to make (with its parents), a value to write (or append) to a file (an optional one
 * may fail), or a symbolic link to make.
 */
export type SetupStep =
  | { readonly dir: string }
  | { readonly file: string; readonly value: string; readonly optional?: boolean; readonly append?: boolean }
  | { readonly link: string; readonly target: string }

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
    if ("link" in s) {
      symlinkSync(s.target, s.link)
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
