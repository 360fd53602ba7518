/**
 * Starting a container under its shim (shim.pl, one perl process; shim.sh in bash where perl is
 * missing): the shim is the runtime's child, in a session
 * of its own, with no pipe to the kubelet once it has told the container's PID, so the
 * container, its log and its exit code outlive the kubelet.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

/**
 * A container's program could not start (`message`: why, as runc words it where it can, e.g.
 * `exec: "x": executable file not found in $PATH`): the runtime holds the container exited
 * with a StartError.
 */
export class StartFailure extends Error {
  override name = "StartFailure"
}

/** The two shims' commands: perl's (one process) and bash's (where perl is missing). */
export const SHIMS = {
  perl: ["perl", fileURLToPath(new URL("./shim.pl", import.meta.url))],
  bash: ["bash", fileURLToPath(new URL("./shim.sh", import.meta.url))],
} as const

/** Whether perl is there (Debian always has it): then shims are perl's, and the spawner can run. */
export const PERL_SHIM = ["/usr/bin/perl", "/bin/perl", "/usr/local/bin/perl"].some((p) => existsSync(p))

/** The shim used: perl's when perl is there, else bash's. */
const SHIM: readonly string[] = PERL_SHIM ? SHIMS.perl : SHIMS.bash

/** What a container is started from. */
export interface ShimSpawn {
  readonly argv: readonly string[]
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly logPath: string
  readonly exitFile: string
  /** The FIFO the container's stdin reads from (the shim makes it); /dev/null when absent. */
  readonly stdinPath?: string
}

/** A started container: its shim (this run's child) and its main process. */
export interface ShimStarted {
  readonly shim: ChildProcess
  readonly pid: number
}

/** The shim's first line: the container's PID, or why it could not start. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let text = ""
    const done = () => resolve(text.split("\n")[0] ?? "")
    child.once("error", (err) => resolve(`error: ${err.message}`))
    child.stdout?.setEncoding("utf8")
    child.stdout?.on("data", (d: string) => {
      text += d
      if (text.includes("\n")) done()
    })
    child.stdout?.once("close", done)
  })
}

/** Starts a container under a shim (`shimCommand`: one of SHIMS). @throws StartFailure when it cannot start */
export async function spawnShim(s: ShimSpawn, shimCommand: readonly string[] = SHIM): Promise<ShimStarted> {
  const { BASH_ENV, ...env } = s.env
  const restore = [s.env.SHLVL ?? "-", s.env.PWD ?? "-", BASH_ENV ?? "-"]
  const [command, ...args] = shimCommand
  const shim = spawn(
    command as string,
    [...args, s.exitFile, s.logPath, s.stdinPath ?? "-", ...restore, "--", ...s.argv],
    {
      cwd: s.cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "ignore"],
    },
  )
  const line = await firstLine(shim)
  shim.stdout?.destroy()
  if (!/^\d+$/.test(line)) throw new StartFailure(line || "the shim exited")
  return { shim, pid: Number(line) }
}
