/**
 * Streaming exec and attach for the process runtime. An exec is a new process in the
 * container's environment and working directory, in its own process group; with a terminal it
 * runs under util-linux `script`, which gives it a pty, and resizes set that pty's size with
 * `stty` (attach.ts reuses that for attach).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { readFileSync, readlinkSync } from "node:fs"
import { constants } from "node:os"
import type { ProcessStreams, TerminalSize } from "../runtime.ts"
import { which } from "./images.ts"

/** What an exec'd process is started from. */
export interface ExecSpawn {
  readonly argv: readonly string[]
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly stdin: boolean
  readonly tty: boolean
}

/** Quotes `argv` for `sh -c`. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(" ")
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, "SIGKILL")
  } catch {
    // already gone
  }
}

function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once("error", () => resolve(127))
    child.once("close", (code, signal) =>
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 9) : 9)),
    )
  })
}

/** The pty that `script`'s child has as its stdin, e.g. `/dev/pts/3`. */
function ptyOf(scriptPid: number): string | undefined {
  try {
    const kids = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, "utf8").trim().split(/\s+/)
    const link = kids[0] ? readlinkSync(`/proc/${kids[0]}/fd/0`) : ""
    return link.startsWith("/dev/pts/") ? link : undefined
  } catch {
    return undefined
  }
}

/**
 * Sets the pty's size once `script` (process `pid`) has started its child (a few tries while it
 * starts, as long as `running()`).
 */
export async function resizePty(
  pid: number | undefined,
  running: () => boolean,
  size: TerminalSize,
): Promise<void> {
  const stty = which("stty")
  if (!stty || !pid || size.width <= 0 || size.height <= 0) return
  for (let i = 0; i < 40 && running(); i++) {
    const pty = ptyOf(pid)
    if (pty) {
      const args = ["-F", pty, "rows", String(size.height), "cols", String(size.width)]
      await new Promise<void>((resolve) => execFile(stty, args, () => resolve()))
      return
    }
    await new Promise((r) => setTimeout(r, 25))
  }
}

/**
 * The command line that runs `argv` on a terminal of its own, under util-linux script(1), which
 * also returns its exit code. @throws Error when script is not installed
 */
export function onTerminal(argv: readonly string[]): string[] {
  const script = which("script")
  if (!script) throw new Error("a terminal (tty) needs util-linux script(1), which is not installed")
  return [script, "-qefc", shellQuote(argv), "/dev/null"]
}

/** The environment of a process on a terminal. */
export function terminalEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return { ...env, SHELL: "/bin/sh", TERM: env.TERM ?? "xterm" }
}

/**
 * The environment of an exec'd process without a terminal: the container's, and with stdin
 * SHLVL=1 when the container sets none: Node's pipes are sockets, and a bash whose stdin is a
 * socket takes itself for one run by rshd and reads ~/.bashrc (the node's) unless SHLVL says it
 * is not a top-level shell. (With a terminal, stdin is the pty script opens.)
 */
export function execEnv(s: Pick<ExecSpawn, "env" | "stdin">): Record<string, string> {
  return s.stdin && s.env.SHLVL === undefined ? { ...s.env, SHLVL: "1" } : { ...s.env }
}

/** Starts an exec'd process. @throws Error when there is no `script` for a terminal */
export function spawnExec(s: ExecSpawn): ProcessStreams {
  const argv = s.tty ? onTerminal(s.argv) : s.argv
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: s.cwd,
    env: s.tty ? terminalEnv(s.env) : execEnv(s),
    detached: true,
    stdio: [s.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  })
  const exited = exitOf(child)
  child.stdin?.on("error", () => {})
  let sizes = Promise.resolve()
  return {
    ...(child.stdin ? { stdin: child.stdin } : {}),
    stdout: child.stdout as NonNullable<typeof child.stdout>,
    ...(s.tty ? {} : { stderr: child.stderr as NonNullable<typeof child.stderr> }),
    resize: (size) => {
      if (s.tty) sizes = sizes.then(() => resizePty(child.pid, () => child.exitCode === null, size))
    },
    exited,
    close: () => killGroup(child),
  }
}
