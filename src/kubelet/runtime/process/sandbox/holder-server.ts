/**
 * The client of holders.pl: one long-lived perl process per runtime that forks the processes
 * holding pods' namespaces, so a pod's holder costs the runtime no spawn of its own (a spawn
 * blocks Node's thread until the child has exec'd: many pods starting at once queue behind it)
 * and no program besides `ip` while it sets the pod up.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import type { SetupStep } from "./setup-steps.ts"

/** The holder server script. */
const SCRIPT = fileURLToPath(new URL("./holders.pl", import.meta.url))

/** What a holder is made with. */
export interface HolderRequest {
  /** What the holder sets up first (the pod's cgroup, folders and files). */
  readonly steps?: readonly SetupStep[]
  /** The namespaces besides a mount namespace (propagation private): "net", "uts", "ipc". */
  readonly kinds: readonly string[]
  /** Set when "uts" is among the kinds. */
  readonly hostname: string
  /** A folder to mount the pod's /dev/shm tmpfs on, in the new mount namespace. */
  readonly shm?: string
  /** cgroup.procs files the holder writes its PID to first. */
  readonly cgroups: readonly string[]
  /**
   * Given the holder's PID, the `ip -batch` lines to run inside its namespaces. Called as soon as
   * it is forked, while it sets up: its nsfs paths name its namespaces only once start() resolved.
   */
  readonly ipLines?: (pid: number) => Promise<readonly string[]>
}

interface Answer {
  readonly ok?: number
  readonly tag?: number
  readonly pid?: number
  readonly ready?: number
  readonly error?: string
  readonly exit?: number
}

interface Pending {
  /** The holder's PID, told by the server as it forks it (possibly after the holder's own answer). */
  pid?: number
  /** The holder said it is ready before its PID came. */
  ready?: boolean
  onPid(pid: number): void
  settle(err?: Error): void
}

/** The holder server cannot run here (no perl, or no system call numbers): holders are programs then. */
export class HolderServerUnavailable extends Error {
  override name = "HolderServerUnavailable"
}

/** Forks pod namespace holders from one perl process (started at the first request). */
export class HolderServer {
  #child?: ChildProcess
  #unavailable?: HolderServerUnavailable
  #up?: Promise<void>
  #tag = 0
  readonly #pending = new Map<number, Pending>()

  /** Starts the server when it is not running; rejects when it cannot run (no perl, no syscall.ph). */
  #start(): Promise<void> {
    if (this.#unavailable) return Promise.reject(this.#unavailable)
    if (this.#up) return this.#up
    const child = spawn("perl", [SCRIPT], { stdio: ["pipe", "pipe", "inherit"] })
    this.#child = child
    child.stdin?.on("error", () => {}) // it exited: its exit tells
    let running = false
    this.#up = new Promise<void>((resolve, reject) => {
      const cannot = (why: string) => {
        this.#unavailable = new HolderServerUnavailable(`the holder server cannot run: ${why}`)
        reject(this.#unavailable)
      }
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
      lines.on("line", (line) => {
        let a: Answer
        try {
          a = JSON.parse(line) as Answer
        } catch {
          return // not an answer (perl's own complaint): ignored
        }
        if (a.ok) {
          running = true
          return resolve()
        }
        if (a.tag === undefined) return cannot(a.error ?? line)
        this.#answer(a.tag, a)
      })
      this.#idle()
      child.once("error", (err) => cannot(err.message))
      child.once("exit", (code, signal) => {
        const err = new Error(`the holder server exited (${code ?? signal})`)
        if (!running) cannot(err.message)
        this.#child = undefined
        this.#up = undefined
        for (const p of this.#pending.values()) p.settle(err)
        this.#pending.clear()
      })
    })
    return this.#up
  }

  #answer(tag: number, a: Answer): void {
    const p = this.#pending.get(tag)
    if (!p) return
    if (a.pid !== undefined) {
      p.pid = a.pid
      p.onPid(a.pid)
      if (!p.ready) return
    } else if (a.ready && p.pid === undefined) {
      p.ready = true
      return
    }
    this.#pending.delete(tag)
    this.#idle()
    if (a.ready || p.ready) return p.settle()
    p.settle(new Error(a.error ?? `the holder exited (status ${a.exit})`))
  }

  /** Lets the node's process exit while no holder is being made. */
  #idle(): void {
    const child = this.#child
    if (!child) return
    const streams = [child.stdin, child.stdout] as unknown as { ref(): void; unref(): void }[]
    if (this.#pending.size) {
      child.ref()
      for (const s of streams) s.ref()
    } else {
      child.unref()
      for (const s of streams) s.unref()
    }
  }

  #send(msg: object): void {
    this.#child?.stdin?.write(JSON.stringify(msg) + "\n")
  }

  /**
   * Forks a holder and resolves with its PID once it is set up (its ip lines run).
   * @throws Error when the server cannot run or the holder's set-up failed (the holder is then gone)
   */
  async start(req: HolderRequest): Promise<number> {
    const tag = ++this.#tag
    let pid: number | undefined
    let failed: Error | undefined
    const done = new Promise<void>((resolve, reject) => {
      this.#pending.set(tag, {
        onPid: (p) => {
          pid = p
          if (!req.ipLines) return
          // Without lines (null) the holder gives up and exits: it may not lead its group yet to be killed.
          req.ipLines(p).then(
            (lines) => this.#send({ tag, lines }),
            (err: unknown) => {
              failed = err as Error
              this.#send({ tag, lines: null })
            },
          )
        },
        settle: (err) => (err ? reject(failed ?? err) : resolve()),
      })
    })
    done.catch(() => {}) // awaited below once the server runs
    try {
      await this.#start()
    } catch (err) {
      this.#pending.delete(tag)
      throw err
    } finally {
      this.#idle()
    }
    const { steps = [], kinds, hostname, shm, cgroups } = req
    this.#send({ tag, steps, kinds, hostname, ...(shm ? { shm } : {}), cgroups, ip: !!req.ipLines })
    await done
    return pid as number
  }

  /** Ends the server (the holders it forked stay: they are the pods'). */
  close(): void {
    this.#child?.stdin?.end()
    this.#child?.unref()
  }
}
