/** Runs the node's network tools (ip, nft, nsenter, CNI plugins) and turns failures into errors that carry their stderr. */
import { spawn } from "node:child_process"

/** Options of run. */
export interface RunOptions {
  /** Written to the command's stdin, which is then closed. */
  readonly input?: string
  /** Replaces the environment (CNI plugins take their arguments there). */
  readonly env?: NodeJS.ProcessEnv
}

/** A command that exited with a status other than 0. */
export class CommandError extends Error {
  override name = "CommandError"
  constructor(
    message: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message)
  }
}

/** A command that is not installed: its code stays spawn's "ENOENT", for callers that go on without it. */
export class MissingToolError extends Error {
  override name = "MissingToolError"
  readonly code = "ENOENT"
  constructor(file: string, cause: Error) {
    super(`Cannot run "${file}": it is not installed (not found on PATH)`, { cause })
  }
}

/**
 * Runs the command `argv` (program first) and resolves with its stdout.
 * @throws CommandError when it exits with a status other than 0 (the message holds its stderr)
 * @throws MissingToolError when the program is not installed
 */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const [file = "", ...args] = argv
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ["pipe", "pipe", "pipe"],
      ...(opts.env ? { env: opts.env } : {}),
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on("data", (b: Buffer) => out.push(b))
    child.stderr.on("data", (b: Buffer) => err.push(b))
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "ENOENT" ? new MissingToolError(file, e) : e),
    )
    child.on("close", (code) => {
      const stdout = Buffer.concat(out).toString()
      const stderr = Buffer.concat(err).toString()
      if (code === 0) return resolve(stdout)
      const what = argv.join(" ")
      reject(
        new CommandError(`Command "${what}" failed (exit ${code}): ${stderr.trim()}`, code, stdout, stderr),
      )
    })
    child.stdin.on("error", () => {
      // The command may exit before reading its input; its exit status tells what happened.
    })
    child.stdin.end(opts.input ?? "")
  })
}

/** True when `err` is a command failure whose stderr contains one of `texts`. */
export function failedWith(err: unknown, ...texts: string[]): boolean {
  return err instanceof CommandError && texts.some((t) => err.stderr.includes(t))
}
