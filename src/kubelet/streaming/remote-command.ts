/**
 * Runs kubectl exec and attach sessions, whatever carries them (WebSocket channels or SPDY
 * streams): client stdin into the process, its stdout and stderr back, terminal resizes, and
 * at the end one metav1.Status on the error channel, as upstream's kubelet writes it: Success,
 * Failure with reason NonZeroExitCode and an ExitCode cause, or an InternalError.
 */
import type { Readable, Writable } from "node:stream"
import type { Status } from "kubernetes-types/meta/v1.js"
import type { ProcessStreams, TerminalSize } from "../runtime/runtime.ts"

/** The client's side of an exec or attach, as a transport presents it. */
export interface RemoteCommandStreams {
  /** What the client types; ends on its EOF. */
  readonly stdin?: Readable
  readonly stdout?: Writable
  readonly stderr?: Writable
  /** Calls `fn` with every terminal size the client sends. */
  onResize(fn: (size: TerminalSize) => void): void
  /** Resolves when the client goes away. */
  readonly closed: Promise<void>
  /** Sends the final status and closes the connection once output is flushed. */
  finish(status: Status): Promise<void>
}

/** What the client asked for (the query of the request). */
export interface RemoteCommandOptions {
  readonly stdin: boolean
  readonly stdout: boolean
  readonly stderr: boolean
  readonly tty: boolean
}

/** Reads stdin, stdout, stderr and tty from a query; stderr is off with a tty. */
export function remoteCommandOptions(q: URLSearchParams): RemoteCommandOptions {
  // Go's strconv.ParseBool: the Python client sends "True".
  const on = (k: string) => ["1", "t", "T", "true", "TRUE", "True"].includes(q.get(k) ?? "")
  const tty = on("tty")
  return { stdin: on("stdin"), stdout: on("stdout"), stderr: on("stderr") && !tty, tty }
}

/** The Success status. */
export function successStatus(): Status {
  return { metadata: {}, status: "Success" }
}

/** The status of a command that exited with `code` (not 0). */
export function exitStatus(cmd: readonly string[], code: number): Status {
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(" ")}], exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  }
}

/** An InternalError status (HTTP 500), as apimachinery's NewInternalError builds it. */
export function internalStatus(message: string): Status {
  return {
    metadata: {},
    status: "Failure",
    message: `Internal error occurred: ${message}`,
    reason: "InternalError",
    details: { causes: [{ message }] },
    code: 500,
  }
}

/** Copies `from` into `to` without ending `to`; resolves when `from` ends. */
function copy(from: Readable | undefined, to: Writable | undefined): Promise<void> {
  if (!from) return Promise.resolve()
  return new Promise((resolve) => {
    from.on("data", (d: Buffer) => {
      if (to && !to.destroyed) to.write(d)
    })
    from.once("end", resolve)
    from.once("close", resolve)
    from.once("error", () => resolve())
  })
}

/**
 * Wires a client to a process until it ends (exit status written) or the client leaves (the
 * process is closed). `cmd` names the command in a failure message; attach passes undefined.
 */
export async function runRemoteCommand(
  client: RemoteCommandStreams,
  proc: ProcessStreams,
  cmd?: readonly string[],
): Promise<void> {
  const input = client.stdin
  if (input && proc.stdin) {
    const target = proc.stdin
    input.on("data", (d: Buffer) => {
      if (target.writable) target.write(d)
    })
    input.once("end", () => target.end())
  } else input?.resume()
  client.onResize((size) => proc.resize(size))
  const output = Promise.all([copy(proc.stdout, client.stdout), copy(proc.stderr, client.stderr)])
  const left = client.closed.then(() => "left" as const)
  const ended = Promise.all([proc.exited, output]).then(([code]) => code)
  const outcome = await Promise.race([ended, left])
  if (outcome === "left") {
    proc.close()
    return
  }
  await client.finish(outcome === 0 || !cmd ? successStatus() : exitStatus(cmd, outcome))
}
