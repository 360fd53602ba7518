/**
 * One `ip -batch` process for many callers: the `ip` commands of callers that arrive while a
 * batch runs go together in the next one, so pods attached at once share a process instead of
 * spawning one each. `-force` runs every line whatever fails before it; each caller gets only
 * the errors of its own lines.
 */
import { CommandError, run } from "./exec.ts"

interface Group {
  readonly lines: readonly string[]
  resolve(): void
  reject(err: Error): void
}

/** The errors of an `ip -force -batch -` run by line (1-based): the messages before each "Command failed -:N". */
export function batchErrors(stderr: string): Map<number, string> {
  const out = new Map<number, string>()
  let pending: string[] = []
  for (const line of stderr.split("\n")) {
    const m = /^Command failed -:(\d+)$/.exec(line.trim())
    if (!m) {
      if (line.trim()) pending.push(line.trim())
      continue
    }
    out.set(Number(m[1]), pending.join("; "))
    pending = []
  }
  return out
}

/** Runs groups of `ip` commands, batching the groups that wait while a batch runs. */
export class IpBatcher {
  #waiting: Group[] = []
  #running = false

  /**
   * Runs `lines` (ip commands without the leading `ip`) in a batch.
   * @throws CommandError with the failed lines' messages when any of them failed
   */
  run(lines: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ lines, resolve, reject })
      if (!this.#running) void this.#drain()
    })
  }

  async #drain(): Promise<void> {
    this.#running = true
    // Callers that start in this same turn join the first batch.
    await new Promise((r) => setImmediate(r))
    while (this.#waiting.length) {
      const groups = this.#waiting
      this.#waiting = []
      await runGroups(groups)
    }
    this.#running = false
  }
}

async function runGroups(groups: readonly Group[]): Promise<void> {
  const input = groups.flatMap((g) => g.lines).join("\n") + "\n"
  const failed = await run(["ip", "-force", "-batch", "-"], { input }).then(
    () => undefined,
    (err: unknown) => err,
  )
  if (!failed) {
    for (const g of groups) g.resolve()
    return
  }
  const errors = failed instanceof CommandError ? batchErrors(failed.stderr) : new Map<number, string>()
  let first = 1
  for (const g of groups) {
    const mine = [...errors].filter(([n]) => n >= first && n < first + g.lines.length)
    first += g.lines.length
    // Others' lines failed: this group went through. (No line to blame: ip itself failed, all fail.)
    if (!mine.length && errors.size) {
      g.resolve()
      continue
    }
    const what = mine.map(([n, msg]) => `"${g.lines[n - (first - g.lines.length)]}": ${msg}`)
    const message = what.length ? what.join(", ") : String((failed as Error).message)
    const stderr = mine.map(([, msg]) => msg).join("\n")
    g.reject(new CommandError(`Command "ip -batch" failed: ${message}`, 1, "", stderr))
  }
}
