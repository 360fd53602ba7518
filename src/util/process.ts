/** What the kernel says about a process by PID. */
import { readFileSync } from "node:fs"

/** Whether a process with this PID exists (one this process may not signal counts: EPERM). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined
 * when it is gone: with the PID, it names one process even after the PID is reused.
 */
export function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // Fields after the command name (which may hold spaces), from field 3 on.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]
  } catch {
    return undefined
  }
}
