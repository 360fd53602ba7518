/**
 * Runs the nftables backend's `nft -f -` transactions with a process started ahead of time:
 * while the proxy waits for the next change, the next nft is already running, its program and
 * libraries loaded, blocked reading its input. A change then pays only for nft's own work, not
 * for starting a process — on a busy machine the larger part of a small transaction's time.
 * An nft waiting for its input has done nothing yet: it reads the ruleset's generation once
 * its input is complete. The spare is started only after the transaction before it finished,
 * so it never competes with one; ending its input (empty: nothing to do) stops it.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { CommandError } from "../network/index.ts"

/** One `nft -f -` process, started and waiting for its script. */
class Pending {
  readonly #child: ChildProcess
  readonly #exit: Promise<number | null>
  readonly #out: Buffer[] = []
  readonly #err: Buffer[] = []

  constructor(command: string) {
    this.#child = spawn(command, ["-f", "-"], { stdio: ["pipe", "pipe", "pipe"] })
    this.#child.stdout?.on("data", (b: Buffer) => this.#out.push(b))
    this.#child.stderr?.on("data", (b: Buffer) => this.#err.push(b))
    // The command may exit before reading its input; its exit status tells what happened.
    this.#child.stdin?.on("error", () => undefined)
    this.#exit = new Promise((resolve) => {
      this.#child.once("error", () => resolve(-1))
      this.#child.once("close", (code) => resolve(code))
    })
    this.#idle(true)
  }

  /** Whether it is still waiting (not exited, input open). */
  usable(): boolean {
    return (
      this.#child.exitCode === null && this.#child.signalCode === null && !this.#child.stdin?.writableEnded
    )
  }

  /** Gives it `script`; resolves once it exited 0. */
  async finish(script: string): Promise<void> {
    this.#idle(false)
    this.#child.stdin?.end(script)
    const code = await this.#exit
    if (code === 0) return
    const stderr = Buffer.concat(this.#err).toString()
    throw new CommandError(
      `Command "nft -f -" failed (exit ${code}): ${stderr.trim()}`,
      code,
      Buffer.concat(this.#out).toString(),
      stderr,
    )
  }

  /** Ends its input (nothing to do) and waits for it to exit. */
  async stop(): Promise<void> {
    this.#idle(false)
    this.#child.stdin?.end()
    await this.#exit
  }

  /** A waiting nft does not keep the process alive. */
  #idle(idle: boolean): void {
    const handles = [this.#child, this.#child.stdin, this.#child.stdout, this.#child.stderr]
    for (const h of handles) {
      const ref = h as { ref?: () => void; unref?: () => void } | null
      if (idle) ref?.unref?.()
      else ref?.ref?.()
    }
  }
}

/** Runs nft scripts, one at a time, each with a process started before it was needed. */
export class NftRunner {
  readonly #command: string
  #spare: Pending | undefined
  #running = false
  #closed = false

  /** `command`: the nft program (default "nft"). */
  constructor(command = "nft") {
    this.#command = command
  }

  /**
   * Runs `script` as one `nft -f -` transaction (callers run one at a time); the next process
   * is started once it is done.
   * @throws CommandError when nft exits with a status other than 0 (the message holds its stderr)
   */
  async run(script: string): Promise<void> {
    const spare = this.#spare
    this.#spare = undefined
    const nft = spare?.usable() ? spare : new Pending(this.#command)
    this.#running = true
    try {
      await nft.finish(script)
    } finally {
      this.#running = false
      // Started after the caller has its answer: spawning takes a moment of this thread too.
      setImmediate(() => {
        if (!this.#closed && !this.#running && !this.#spare) this.#spare = new Pending(this.#command)
      })
    }
  }

  /** Stops the waiting process; run() after close() starts its own and keeps none. */
  async close(): Promise<void> {
    this.#closed = true
    const spare = this.#spare
    this.#spare = undefined
    await spare?.stop()
  }
}
