/**
 * The shim spawner (spawner.pl): one perl process per runtime that forks a shim for each
 * container start, so a start costs the kubelet a write on a pipe instead of a spawn (which
 * blocks Node's event loop until the child has exec'd) and, with a private root, no unshare,
 * sh, mount, pivot_root or umount either (root.pl sets it up by system calls), nor nsenter for a
 * sandboxed container's pod (sandbox/pod.pl joins its namespaces). In the sandbox mode it also
 * forks the holders of pods' namespaces (startHolder). The shims are the spawner's children, in
 * sessions of their own: it tells their exits while it lives, and a spawner that died leaves
 * them running (this run then polls for their exits, as for adopted containers); the next start
 * launches a new one.
 */
import { type ChildProcess, spawn } from "node:child_process"
import type { Socket } from "node:net"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import type { PodLinkStep, PodNetworkSetup } from "../../../network/index.ts"
import type { Logger } from "../../../util/index.ts"
import type { PodEnter, RootSetup } from "./sandbox/container-root.ts"
import type { SetupStep } from "./sandbox/setup-steps.ts"
import { type ShimSpawn, StartFailure } from "./shim.ts"

const SPAWNER = fileURLToPath(new URL("./spawner.pl", import.meta.url))

/** What a container is started from, by the spawner. */
export interface SpawnRequest extends ShimSpawn {
  /** The private root the program runs in (set up in its process before it execs). */
  readonly root?: RootSetup
  /** Folders to make (with their parents) before anything else. */
  readonly dirs?: readonly string[]
  /** Set-up steps run next, by the shim (a sandboxed container's cgroup and folders). */
  readonly steps?: readonly SetupStep[]
  /** The pod whose namespaces the program's process joins before its root is set up (sandbox mode). */
  readonly pod?: PodEnter
}

/** What the holder of a pod's namespaces is made with (see sandbox/pod.pl's run_holder). */
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
   * Given the holder's PID, the pod side of its network, run inside its namespaces (by netlink
   * where given as links, else by `ip -batch`). Called as soon as it is forked, while it sets
   * up: its nsfs paths name its namespaces only once startHolder() resolved.
   */
  readonly podNetwork?: (pid: number) => Promise<PodNetworkSetup>
}

/** Whether, and when, this run hears of a shim's exit. */
export interface ShimWatch {
  /** True while its exit is still to be told through onExit (false once told, or when nobody will tell it). */
  watching(): boolean
  onExit(listener: () => void): void
  /** Lets the process exit without waiting for the shim (the kubelet restarts). */
  release(): void
}

/** A container started under a shim: the shim's PID, the program's, and its watch. */
export interface SpawnedShim {
  readonly shimPid: number
  readonly pid: number
  readonly watch: ShimWatch
}

/** The spawner cannot take the request (it failed, or died before starting it): start it another way. */
export class SpawnerUnavailable extends Error {}

/** How many spawners in a row may die before answering anything until the runtime stops using one. */
const MAX_FAILED_LAUNCHES = 3

/** A ShimWatch of a shim that is this run's own child process. */
export function childWatch(child: ChildProcess): ShimWatch {
  return {
    watching: () => child.exitCode === null && child.signalCode === null,
    onExit: (listener) => child.once("exit", listener),
    release: () => child.unref(),
  }
}

interface Pending {
  readonly resolve: (s: SpawnedShim) => void
  readonly reject: (err: Error) => void
}

/** A holder being made: its PID (told as it is forked, possibly after its own answer). */
interface PendingHolder {
  pid?: number
  /** Its answer, when it came before its PID. */
  answer?: Error | "ready"
  onPid(pid: number): void
  settle(err?: Error): void
}

class Watch implements ShimWatch {
  #exited = false
  #listener: (() => void) | undefined
  constructor(readonly launch: Launch) {}
  watching(): boolean {
    return !this.#exited && this.launch.alive
  }
  onExit(listener: () => void): void {
    this.#listener = listener
    if (this.#exited) listener()
  }
  release(): void {}
  exited(): void {
    this.#exited = true
    this.#listener?.()
  }
}

/** One spawner process, from its launch until it is gone. */
interface Launch {
  readonly proc: ChildProcess
  readonly pending: Map<number, Pending>
  readonly watches: Map<number, Watch>
  /** Shims that exited before their start was answered. */
  readonly exited: Set<number>
  readonly holders: Map<number, PendingHolder>
  /** The holders' PIDs (until they exit): their exits are no shims'. */
  readonly holderPids: Set<number>
  alive: boolean
  answered: boolean
}

/** A set-up step as spawner.pl's three fields. */
function stepFields(s: SetupStep): string[] {
  if ("dir" in s) return ["d", s.dir, ""]
  if ("link" in s) return ["l", s.link, s.target]
  return [s.append ? "a" : s.optional ? "o" : "w", s.file, s.value]
}

/** A frame of NUL-ended fields: its length, a newline, the fields. */
function frame(fields: readonly string[]): Buffer {
  const payload = Buffer.from(fields.map((f) => `${f}\0`).join(""))
  return Buffer.concat([Buffer.from(`${payload.length}\n`), payload])
}

/** A request's fields, each ending in NUL (see spawner.pl). */
function encode(id: number, r: SpawnRequest): Buffer {
  const env = Object.entries(r.env).map(([k, v]) => `${k}=${v}`)
  const fields = ["s", String(id), r.exitFile, r.logPath, r.stdinPath ?? "-", r.cwd]
  const dirs = r.dirs ?? []
  fields.push(String(env.length), ...env, String(r.argv.length), ...r.argv, String(dirs.length), ...dirs)
  const steps = r.steps ?? []
  fields.push(String(steps.length), ...steps.flatMap(stepFields))
  if (!r.pod) fields.push("-")
  else fields.push(r.pod.pid, String(r.pod.namespaces.length), ...r.pod.namespaces)
  const root = r.root
  if (!root) fields.push("-")
  else {
    const cgroups = root.cgroups ?? []
    fields.push(root.dir, root.cwd, String(cgroups.length), ...cgroups, String(root.steps.length))
    for (const [kind, arg] of root.steps) fields.push(kind, arg)
  }
  if (fields.some((f) => f.includes("\0"))) throw new StartFailure("a NUL byte in its command or environment")
  return frame(fields)
}

/**
 * A holder request's fields (see spawner.pl): fields, not JSON, which perl's JSON::PP takes half
 * a millisecond to decode for a pod's, in the spawner that forks every pod's holder.
 * @throws Error when a field holds a NUL byte
 */
function holderFields(id: number, r: HolderRequest): string[] {
  const { steps = [], kinds, hostname, shm, cgroups } = r
  const fields = ["h", String(id), hostname, shm ?? "-", r.podNetwork ? "1" : "0"]
  fields.push(String(kinds.length), ...kinds, String(cgroups.length), ...cgroups)
  fields.push(String(steps.length), ...steps.flatMap(stepFields))
  if (fields.some((f) => f.includes("\0"))) throw new Error("a NUL byte in the pod's hostname or paths")
  return fields
}

/** A link step as pod.pl's five fields (its kind, then its values, "" where it has none). */
function linkFields(s: PodLinkStep): string[] {
  if ("veth" in s) return ["veth", s.veth, s.peer, String(s.nodePid), String(s.master)]
  if ("up" in s) return ["up", s.up, "", "", ""]
  if ("address" in s) return ["address", s.address, String(s.prefix), s.dev, ""]
  return ["gateway", s.gateway, s.dev, "", ""]
}

/**
 * The pod side of a holder's network as the fields of its `l` request (see spawner.pl), which
 * the holder reads as one line. @throws Error when a field holds a NUL byte or a line break
 */
function setupFields(setup: PodNetworkSetup): string[] {
  const fields = ["1", String(setup.ipBatch.length), ...setup.ipBatch]
  fields.push(String(setup.links.length), ...setup.links.flatMap(linkFields))
  if (fields.some((f) => /[\0\n]/.test(f))) throw new Error("a NUL byte or line break in the pod's ip lines")
  return fields
}

/** Starts containers' shims through one long-lived spawner process (launched on first use). */
export class ShimSpawner {
  readonly #log: Logger | undefined
  #launch: Launch | undefined
  #nextId = 1
  #failedLaunches = 0
  #closed = false

  constructor(opts: { readonly log?: Logger } = {}) {
    this.#log = opts.log
  }

  /** Launches the spawner now, so the first start does not wait for perl to load it. */
  warmUp(): void {
    if (this.usable()) this.#current()
  }

  /** Whether starts go through the spawner (false once it kept failing, or after close). */
  usable(): boolean {
    return !this.#closed && this.#failedLaunches < MAX_FAILED_LAUNCHES
  }

  /**
   * Starts a container under a shim. @throws StartFailure when the program cannot start,
   * SpawnerUnavailable when the spawner did not take it
   */
  start(r: SpawnRequest): Promise<SpawnedShim> {
    if (!this.usable()) return Promise.reject(new SpawnerUnavailable("the spawner is not in use"))
    const id = this.#nextId++
    let frame: Buffer
    try {
      frame = encode(id, r)
    } catch (err) {
      return Promise.reject(err as Error)
    }
    const launch = this.#current()
    return new Promise((resolve, reject) => {
      launch.pending.set(id, { resolve, reject })
      this.#idle(launch)
      launch.proc.stdin?.write(frame)
    })
  }

  #current(): Launch {
    if (this.#launch?.alive) return this.#launch
    const proc = spawn("perl", [SPAWNER], {
      cwd: "/",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    })
    const launch: Launch = {
      proc,
      pending: new Map(),
      watches: new Map(),
      exited: new Set(),
      holders: new Map(),
      holderPids: new Set(),
      alive: true,
      answered: false,
    }
    this.#launch = launch
    proc.stdin?.on("error", () => undefined)
    createInterface({ input: proc.stdout as Socket }).on("line", (line) => this.#onLine(launch, line))
    createInterface({ input: proc.stderr as Socket }).on("line", (line) =>
      this.#log?.warn({ line }, "The shim spawner wrote to stderr"),
    )
    const gone = () => {
      if (!launch.alive) return
      launch.alive = false
      if (!launch.answered) this.#failedLaunches++
      this.#log?.info({ pid: proc.pid }, "The shim spawner exited; its shims keep running")
    }
    proc.once("error", (err) => {
      gone()
      this.#log?.warn({ err: String(err) }, "Cannot run the shim spawner")
      this.#fail(launch)
    })
    proc.once("exit", gone)
    // Every writer (the spawner and its shims not yet started) is gone: what is left is not coming.
    proc.stdout?.once("close", () => {
      gone()
      this.#fail(launch)
    })
    return launch
  }

  /**
   * Keeps the node's process alive while a start is under way or a shim's exit is awaited, as a
   * shim that is its child would; not for the pods' holders, which outlive it anyway.
   */
  #idle(launch: Launch): void {
    const streams = [launch.proc.stdin, launch.proc.stdout, launch.proc.stderr] as unknown as {
      ref(): void
      unref(): void
    }[]
    const busy = launch.pending.size > 0 || launch.holders.size > 0 || launch.watches.size > 0
    for (const h of [launch.proc, ...streams]) {
      if (busy) h.ref()
      else h.unref()
    }
  }

  #fail(launch: Launch): void {
    for (const p of launch.pending.values()) p.reject(new SpawnerUnavailable("the shim spawner exited"))
    launch.pending.clear()
    for (const h of launch.holders.values()) h.settle(new SpawnerUnavailable("the shim spawner exited"))
    launch.holders.clear()
  }

  #onLine(launch: Launch, line: string): void {
    const [a, b, c, ...rest] = line.split(" ")
    if (a === "x") return this.#onExit(launch, Number(b), c ?? "")
    if (a === "h") return this.#holderForked(launch, Number(b), Number(c))
    const holder = launch.holders.get(Number(a))
    if (holder) {
      const answer = c === "ready" ? "ready" : new Error(c === "error" ? rest.join(" ") : line)
      return this.#holderAnswer(launch, Number(a), holder, answer)
    }
    const p = launch.pending.get(Number(a))
    if (!p) return
    launch.pending.delete(Number(a))
    this.#idle(launch)
    launch.answered = true
    this.#failedLaunches = 0
    const shimPid = Number(b)
    if (c === "error" || !/^\d+$/.test(c ?? ""))
      return p.reject(new StartFailure(c === "error" ? rest.join(" ") : line))
    const watch = new Watch(launch)
    if (launch.exited.delete(shimPid)) watch.exited()
    else launch.watches.set(shimPid, watch)
    this.#idle(launch)
    p.resolve({ shimPid, pid: Number(c), watch })
  }

  #onExit(launch: Launch, pid: number, status: string): void {
    if (launch.holderPids.delete(pid)) {
      for (const [id, h] of launch.holders) {
        if (h.pid === pid)
          this.#holderAnswer(launch, id, h, new Error(`the holder exited (status ${status})`))
      }
      return
    }
    const w = launch.watches.get(pid)
    if (!w) return void launch.exited.add(pid)
    launch.watches.delete(pid)
    this.#idle(launch)
    w.exited()
  }

  #holderForked(launch: Launch, id: number, pid: number): void {
    const h = launch.holders.get(id)
    if (!h) return
    h.pid = pid
    launch.holderPids.add(pid)
    h.onPid(pid)
    if (h.answer) this.#holderAnswer(launch, id, h, h.answer)
  }

  /** A holder's answer (ready, or why it failed), settled once its PID is known. */
  #holderAnswer(launch: Launch, id: number, h: PendingHolder, answer: Error | "ready"): void {
    if (h.pid === undefined) return void (h.answer ??= answer)
    launch.holders.delete(id)
    this.#idle(launch)
    launch.answered = true
    h.settle(answer === "ready" ? undefined : answer)
  }

  /**
   * Forks the holder of a pod's namespaces and resolves with its PID once it is set up (its ip
   * lines run). @throws SpawnerUnavailable when the spawner did not take it, Error when the
   * holder's set-up failed (the holder is then gone)
   */
  async startHolder(req: HolderRequest): Promise<number> {
    if (!this.usable()) throw new SpawnerUnavailable("the spawner is not in use")
    const id = this.#nextId++
    const fields = holderFields(id, req)
    const launch = this.#current()
    let pid = 0
    let failed: Error | undefined
    const send = (fields: string[]) => launch.proc.stdin?.write(frame(fields))
    await new Promise<void>((resolve, reject) => {
      launch.holders.set(id, {
        onPid: (p) => {
          pid = p
          // Without a set-up (null) the holder gives up and exits.
          const giveUp = (err: unknown) => {
            failed = err as Error
            send(["l", String(id), "0"])
          }
          req.podNetwork?.(p).then((setup) => {
            let fields: string[]
            try {
              fields = setupFields(setup)
            } catch (err) {
              return giveUp(err)
            }
            send(["l", String(id), ...fields])
          }, giveUp)
        },
        settle: (err) => (err ? reject(failed ?? err) : resolve()),
      })
      this.#idle(launch)
      send(fields)
    })
    return pid
  }

  /**
   * Lets the spawner go (its stdin closes, so it ends); the shims keep running. Starts after this
   * fail with SpawnerUnavailable.
   */
  close(): void {
    this.#closed = true
    const launch = this.#launch
    if (!launch) return
    launch.proc.stdin?.end()
    launch.proc.unref()
    ;(launch.proc.stdout as Socket | null)?.unref()
    ;(launch.proc.stderr as Socket | null)?.unref()
  }
}
