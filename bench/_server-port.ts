/** The port a bench's server child announces: its servers print `PORT <n>` once listening. */
import type { ChildProcess } from "node:child_process"

/**
 * Resolves with the port `child` prints (`PORT <n>` on its piped stdout); rejects, naming it
 * `what`, if it exits first.
 */
export function serverPort(child: ChildProcess, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = ""
    child.stdout!.on("data", (c) => {
      out += String(c)
      const m = /PORT (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.once("exit", (code) => reject(new Error(`${what} exited with ${code}`)))
  })
}
