/**
 * Runs a command to completion and captures its output, like execFile, but in a process group
 * of its own that a timeout or an abort kills whole: a sandboxed exec goes through nsenter,
 * which forks, so killing only the first process would leave the command running.
 */
import { spawn } from "node:child_process"
import { constants } from "node:os"
import type { ExecOptions, ExecResult } from "../../runtime.ts"

const MAX_OUTPUT = 10 * 1024 * 1024

/**
 * Runs `argv` with `env` (in `opts.cwd`, without stdin); resolves with its exit code (128+signal
 * when killed) and output.
 */
export function execCapture(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  opts: ExecOptions & { readonly cwd?: string },
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      env,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let size = 0
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL")
      } catch {
        // gone
      }
    }
    const keep = (into: Buffer[]) => (d: Buffer) => {
      size += d.length
      if (size > MAX_OUTPUT) killGroup()
      else into.push(d)
    }
    child.stdout.on("data", keep(out))
    child.stderr.on("data", keep(err))
    const timer = opts.timeoutMs ? setTimeout(killGroup, opts.timeoutMs) : undefined
    opts.signal?.addEventListener("abort", killGroup, { once: true })
    child.once("error", (e) => {
      clearTimeout(timer)
      resolve({ exitCode: 127, stdout: "", stderr: e.message })
    })
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      opts.signal?.removeEventListener("abort", killGroup)
      // Whatever the command left in its group goes too.
      killGroup()
      resolve({
        exitCode: code ?? 128 + (signal ? (constants.signals[signal] ?? 9) : 9),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      })
    })
  })
}
