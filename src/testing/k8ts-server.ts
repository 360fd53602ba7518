/**
 * `k8ts server` as a child process, the way the end-to-end tests run it: started with the
 * given flags, ready once it prints "Cluster ready", stopped with SIGTERM (so it stops its pods)
 * and SIGKILL only if it hangs.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"

const BIN = join(import.meta.dirname, "..", "..", "bin", "k8ts.js")
/** The flags bin/k8ts.js's first line gives node (ignored when node runs the file itself). */
const NODE_FLAGS = ["--max-semi-space-size=64"]

/** A running `k8ts server`. */
export interface ServerProcess {
  /** e.g. https://127.0.0.1:41234 */
  readonly url: string
  /** What it printed until it was ready. */
  readonly log: string
  /** Stops it (SIGTERM, then SIGKILL after 10 s); resolves once it has exited. */
  stop(): Promise<void>
}

/**
 * Starts `k8ts server <args>` and waits up to 30 s for it to be ready.
 * @throws Error with its output when it exits or times out first
 */
export async function startK8tsServer(args: readonly string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...NODE_FLAGS, BIN, "server", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  })
  let log = ""
  const ready = await new Promise<boolean>((resolve) => {
    const onData = (c: Buffer) => {
      log += String(c)
      if (log.includes("Cluster ready")) resolve(true)
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", () => resolve(false))
    setTimeout(() => resolve(false), 30_000).unref()
  })
  const url = /Serving on (https:\/\/\S+)/.exec(log)?.[1]
  if (!ready || !url) {
    child.kill("SIGKILL")
    throw new Error(`k8ts server did not become ready:\n${log}`)
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve()
    else child.once("exit", () => resolve())
  })
  return {
    url,
    log,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM")
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}
