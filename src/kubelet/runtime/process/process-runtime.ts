/**
 * The process runtime, k8ts's embedded default: a container is a process tree started from the
 * image catalogue (images.ts) with its output in a CRI log file; a sandbox is a pod's own
 * loopback address, which its containers share and bind to (unprivileged, on the host
 * network); as root, a container with mounts gets a mount namespace of its own for them
 * (loopback-mounts.ts). Every process runs in its own process group so a stop reaches its
 * children; state files let a restarted kubelet find and stop what a previous run left
 * behind. Given a PodNetwork (root only), pods are full sandboxes instead: namespaces, a private
 * root per container, cgroups and an address on the pod network (sandbox/pod-sandbox.ts).
 */
import { type ChildProcess, execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { PodNetwork } from "../../../network/index.ts"
import { cidrAddress, type Cidr, type Logger, parseCidr, silentLogger } from "../../../util/index.ts"
import { CriLogWriter } from "../cri-log.ts"
import {
  ContainerCreateError,
  type ContainerConfig,
  type ContainerInfo,
  type ContainerUsage,
  type ContainerRuntime,
  type ExecOptions,
  type ExecResult,
  type ProcessStreams,
  type Sandbox,
  type SandboxConfig,
  type StreamOptions,
} from "../runtime.ts"
import { launchOf } from "./images.ts"
import { LoopbackMounts } from "./loopback-mounts.ts"
import {
  containerEnv,
  exitCodeOf,
  isAlive,
  readEnv,
  signalGroup,
  spawnContainer,
  startTicks,
} from "./processes.ts"
import { execCapture } from "./sandbox/exec-capture.ts"
import { type ContainerIsolation, type PodIsolation, PodSandboxes } from "./sandbox/pod-sandbox.ts"
import { attachTo, onTerminal, spawnExec } from "./streams.ts"

/** Options of ProcessRuntime. */
export interface ProcessRuntimeOptions {
  /** Where sandboxes, container folders, logs and state files live. */
  readonly root: string
  /** The loopback range pod addresses come from (default 127.244.0.0/16). */
  readonly podRange?: string
  readonly log?: Logger
  /** The pod network: when given (root only), every pod is a full sandbox on it. */
  readonly network?: PodNetwork
  /** The cgroup parent of sandboxed pods, e.g. `k8ts/<node>` (default `k8ts/default`). */
  readonly cgroupParent?: string
  /** The pod IP of sandboxed hostNetwork pods: the node's address (default 127.0.0.1). */
  readonly hostIP?: string
  /** Loopback mode: why this process cannot mount (undefined: it can); default: it can as root. */
  readonly mountCheck?: () => string | undefined
}

interface Held {
  info: ContainerInfo
  readonly cwd: string
  readonly stdinOnce: boolean
  readonly tty: boolean
  child?: ChildProcess
  writer?: CriLogWriter
  exited: Promise<void>
  /** Its cgroup and private root (sandbox mode). */
  readonly iso?: ContainerIsolation
  /** The folder of its private root (loopback mode, with mounts). */
  readonly privateRoot?: string
}

interface SandboxEntry extends Sandbox {
  readonly dir: string
  readonly offset: number
  /** Its namespaces, cgroup and attachment (sandbox mode). */
  readonly pod?: PodIsolation
}

/** Runs containers as local processes. */
export class ProcessRuntime implements ContainerRuntime {
  readonly name = "process"
  readonly version = "0.1.0"
  readonly #root: string
  readonly #range: Cidr
  readonly #log: Logger
  readonly #sandboxes = new Map<string, SandboxEntry>()
  readonly #containers = new Map<string, Held>()
  readonly #listeners = new Set<(c: ContainerInfo) => void>()
  readonly #sandboxed?: PodSandboxes
  readonly #pending = new Map<string, Promise<Sandbox>>()
  readonly #mounts: LoopbackMounts
  #nextOffset = 1

  constructor(opts: ProcessRuntimeOptions) {
    this.#root = opts.root
    this.#range = parseCidr(opts.podRange ?? "127.244.0.0/16")
    this.#log = opts.log ?? silentLogger()
    mkdirSync(join(this.#root, "state"), { recursive: true })
    mkdirSync(join(this.#root, "pods"), { recursive: true })
    this.#mounts = new LoopbackMounts({
      root: this.#root,
      ...(opts.mountCheck ? { check: opts.mountCheck } : {}),
    })
    this.#reapLeftovers(!!opts.network)
    if (opts.network) {
      this.#sandboxed = new PodSandboxes({
        root: this.#root,
        network: opts.network,
        cgroupParent: opts.cgroupParent ?? "k8ts/default",
        hostIP: opts.hostIP ?? "127.0.0.1",
        log: this.#log,
      })
    }
  }

  /** Stops processes a previous run started (by PID, checked against its recorded start) and forgets them. */
  #reapLeftovers(sandboxed: boolean): void {
    const dir = join(this.#root, "state")
    for (const f of readdirSync(dir)) {
      try {
        const s = JSON.parse(readFileSync(join(dir, f), "utf8")) as { pid?: number; bootTicks?: string }
        if (s.pid && isAlive(s.pid) && startTicks(s.pid) === s.bootTicks) {
          process.kill(-s.pid, "SIGKILL")
          this.#log.info({ pid: s.pid }, "Stopped a container left by a previous run")
        }
      } catch (err) {
        this.#log.warn({ file: f, err: String(err) }, "Cannot read a container state file")
      }
      rmSync(join(dir, f), { force: true })
    }
    // Sandboxes leave mounts there: PodSandboxes unmounts them before it empties the folder.
    if (sandboxed) return
    rmSync(join(this.#root, "pods"), { recursive: true, force: true })
    mkdirSync(join(this.#root, "pods"), { recursive: true })
  }

  async runSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    const have = [...this.#sandboxes.values()].find((s) => s.podUid === cfg.podUid)
    if (have) return have
    if (this.#sandboxed) return this.#runPodSandbox(this.#sandboxed, cfg)
    const used = new Set([...this.#sandboxes.values()].map((s) => s.offset))
    let offset = this.#nextOffset
    for (let i = 0; used.has(offset) || offset >= this.#range.size - 1; i++) {
      if (i > this.#range.size)
        throw new ContainerCreateError("CreateContainerError", "no free pod address left")
      offset = offset >= this.#range.size - 2 ? 1 : offset + 1
    }
    this.#nextOffset = offset + 1
    const id = randomUUID()
    const dir = join(this.#root, "pods", cfg.podUid)
    mkdirSync(join(dir, "logs"), { recursive: true })
    const sandbox: SandboxEntry = {
      id,
      podUid: cfg.podUid,
      ip: cidrAddress(this.#range, offset),
      dir,
      offset,
    }
    this.#sandboxes.set(id, sandbox)
    return sandbox
  }

  /** Sandbox mode: one set-up per pod at a time (a second caller gets the same sandbox). */
  #runPodSandbox(sandboxes: PodSandboxes, cfg: SandboxConfig): Promise<Sandbox> {
    const pending = this.#pending.get(cfg.podUid)
    if (pending) return pending
    const made = (async () => {
      await sandboxes.ready()
      const id = randomUUID()
      const dir = join(this.#root, "pods", cfg.podUid)
      mkdirSync(join(dir, "logs"), { recursive: true })
      let pod: PodIsolation
      try {
        pod = await sandboxes.createPod(id, dir, cfg)
      } catch (err) {
        rmSync(dir, { recursive: true, force: true })
        throw new ContainerCreateError(
          "CreateContainerError",
          `failed to set up the pod sandbox: ${(err as Error).message}`,
        )
      }
      const netns = pod.netnsPath ? { netnsPath: pod.netnsPath } : {}
      const sandbox: SandboxEntry = { id, podUid: cfg.podUid, ip: pod.ip, ...netns, dir, offset: 0, pod }
      this.#sandboxes.set(id, sandbox)
      return sandbox
    })()
    this.#pending.set(cfg.podUid, made)
    return made.finally(() => this.#pending.delete(cfg.podUid))
  }

  sandboxes(): Sandbox[] {
    return [...this.#sandboxes.values()]
  }

  async removeSandbox(id: string): Promise<void> {
    const sb = this.#sandboxes.get(id)
    if (!sb) return
    const mine = [...this.#containers.values()].filter((h) => h.info.sandboxId === id)
    await Promise.all(mine.map((h) => this.stop(h.info.id, 0)))
    for (const h of mine) {
      this.#containers.delete(h.info.id)
      await this.#removeRoot(h)
    }
    this.#sandboxes.delete(id)
    if (sb.pod) await this.#sandboxed?.removePod(sb.pod)
    rmSync(sb.dir, { recursive: true, force: true })
  }

  async start(sandbox: Sandbox, c: ContainerConfig): Promise<ContainerInfo> {
    const sb = this.#sandboxes.get(sandbox.id)
    if (!sb) throw new ContainerCreateError("CreateContainerError", `sandbox ${sandbox.id} is gone`)
    const launch = launchOf(c.image, c.command, c.args)
    const id = randomUUID().replaceAll("-", "")
    const { argv, cwd, iso, privateRoot } = await this.#prepare(sb, id, c, launch.argv)
    const logPath = join(sb.dir, "logs", `${c.name}-${c.attempt}.log`)
    const writer = new CriLogWriter(logPath)
    // In a sandbox the pod's address is its own: programs listen on all addresses there.
    const env = containerEnv(c, launch.env, iso ? undefined : sb.ip)
    let child: ChildProcess
    try {
      child = await spawnContainer(c, argv, cwd, env)
    } catch (err) {
      writer.close()
      if (iso) await this.#sandboxed?.removeContainer(iso.container)
      if (privateRoot) await this.#mounts.remove(privateRoot)
      throw err
    }
    const info: ContainerInfo = {
      id,
      sandboxId: sb.id,
      podUid: sb.podUid,
      name: c.name,
      image: c.image,
      attempt: c.attempt,
      state: "running",
      startedAt: Date.now(),
      pid: child.pid as number,
      logPath,
    }
    child.stdout?.on("data", (d: Buffer) => writer.write("stdout", d))
    child.stderr?.on("data", (d: Buffer) => writer.write("stderr", d))
    const statePath = join(this.#root, "state", `${id}.json`)
    // Off the event loop (many containers start at once); done before start returns.
    const stateWritten = writeFile(
      statePath,
      JSON.stringify({ pid: child.pid, bootTicks: startTicks(child.pid as number) }),
    )
    const held: Held = {
      info,
      cwd,
      stdinOnce: c.stdinOnce ?? false,
      tty: c.tty ?? false,
      child,
      writer,
      exited: Promise.resolve(),
      ...(iso ? { iso: iso.container } : {}),
      ...(privateRoot ? { privateRoot } : {}),
    }
    held.exited = new Promise<void>((resolve) => {
      child.once("close", (code, signal) => {
        writer.close()
        rmSync(statePath, { force: true })
        this.#exited(held, exitCodeOf(code, signal))
        resolve()
        for (const l of this.#listeners) l(held.info)
      })
    })
    this.#containers.set(id, held)
    await stateWritten
    // As a container runtime's start, returns once the program runs (its root is set up).
    if (held.iso) await this.#sandboxed?.started(held.iso, held.exited)
    if (privateRoot) await this.#mounts.ready(privateRoot, held.exited)
    return info
  }

  /** Why containers of the loopback mode cannot see their mounts (undefined: they can, as in sandboxes). */
  mountsUnavailable(): string | undefined {
    return this.#sandboxed ? undefined : this.#mounts.unavailable()
  }

  /** Removes a container's private root (either mode). */
  async #removeRoot(h: Held): Promise<void> {
    if (h.iso) await this.#sandboxed?.removeContainer(h.iso)
    if (h.privateRoot) await this.#mounts.remove(h.privateRoot)
  }

  /** How container `id` is launched: its command line, working directory and private root. */
  async #prepare(sb: SandboxEntry, id: string, c: ContainerConfig, program: readonly string[]) {
    let argv = program
    try {
      if (c.tty) argv = onTerminal(argv)
    } catch (err) {
      throw new ContainerCreateError("RunContainerError", (err as Error).message)
    }
    const home = join(sb.dir, c.name)
    await mkdir(home, { recursive: true })
    const iso = await this.#isolate(sb, id, c, home)
    if (iso) return { argv: await iso.argv(argv), cwd: "/", iso }
    if (!this.#mounts.applies(c)) {
      return { argv, cwd: c.workingDir && existsSync(c.workingDir) ? c.workingDir : home }
    }
    const privateRoot = await this.#mounts.prepare(sb.dir, id)
    // The launcher makes workingDir inside the container's own root when it is missing.
    return {
      argv: await this.#mounts.launchArgv(privateRoot, c, c.workingDir || home, argv),
      cwd: "/",
      privateRoot,
    }
  }

  /** Sandbox mode: the container's cgroup and folder, and how to launch a program in them. */
  async #isolate(sb: SandboxEntry, id: string, c: ContainerConfig, home: string) {
    const sandboxes = this.#sandboxed
    const pod = sb.pod
    if (!sandboxes || !pod) return undefined
    const container = await sandboxes.prepareContainer(pod, id, c)
    // The launcher makes workingDir inside the container's own root when it is missing.
    const argv = (program: readonly string[]) =>
      sandboxes.launchArgv(pod, container, c, c.workingDir || home, program)
    return { container, argv }
  }

  /** Records a container's exit; in a sandbox, tells an OOM kill apart and kills what it left. */
  #exited(held: Held, exitCode: number): void {
    let reason = exitCode === 0 ? "Completed" : "Error"
    if (held.iso && this.#sandboxed) {
      reason = this.#sandboxed.exitReason(held.iso, exitCode) ?? reason
      this.#sandboxed.killRest(held.iso)
    }
    held.info = { ...held.info, state: "exited", finishedAt: Date.now(), exitCode, reason }
    held.child = undefined
  }

  async stop(id: string, graceMs: number): Promise<void> {
    const h = this.#containers.get(id)
    if (!h?.child?.pid) return h?.exited
    const pid = h.child.pid
    // A sandboxed container's SIGTERM goes to its program only, as a container runtime's does.
    if (graceMs > 0 && h.iso) this.#sandboxed?.signalMain(h.iso, "SIGTERM")
    else signalGroup(pid, graceMs > 0 ? "SIGTERM" : "SIGKILL")
    if (graceMs > 0) {
      const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs)
      await h.exited
      clearTimeout(timer)
    } else await h.exited
    // Whatever the main process left in its group goes too.
    signalGroup(pid, "SIGKILL")
  }

  async remove(id: string): Promise<void> {
    const h = this.#containers.get(id)
    if (!h) return
    if (h.child) await this.stop(id, 0)
    this.#containers.delete(id)
    await this.#removeRoot(h)
    rmSync(h.info.logPath, { force: true })
  }

  list(): ContainerInfo[] {
    return [...this.#containers.values()].map((h) => h.info)
  }

  exec(id: string, cmd: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    const h = this.#containers.get(id)
    const sb = h ? this.#sandboxes.get(h.info.sandboxId) : undefined
    if (!h || !sb || h.info.state !== "running") {
      return Promise.resolve({ exitCode: 126, stdout: "", stderr: `container ${id} is not running` })
    }
    let launch
    try {
      launch = launchOf(h.info.image, cmd, [])
    } catch (err) {
      return Promise.resolve({ exitCode: 127, stdout: "", stderr: (err as Error).message })
    }
    const env = readEnv(h.info.pid as number)
    if (h.iso && sb.pod && this.#sandboxed) {
      let argv: string[]
      try {
        argv = this.#sandboxed.execArgv(sb.pod, h.iso, launch.argv)
      } catch (err) {
        return Promise.resolve({ exitCode: 126, stdout: "", stderr: (err as Error).message })
      }
      return execCapture(argv, env, opts)
    }
    if (h.privateRoot) {
      let argv: string[]
      try {
        argv = this.#mounts.execArgv(h.privateRoot, launch.argv)
      } catch (err) {
        return Promise.resolve({ exitCode: 126, stdout: "", stderr: (err as Error).message })
      }
      return execCapture(argv, { ...env, K8TS_POD_IP: sb.ip }, opts)
    }
    return new Promise((resolve) => {
      execFile(
        launch.argv[0] as string,
        launch.argv.slice(1),
        {
          cwd: join(sb.dir, h.info.name),
          env: { ...env, K8TS_POD_IP: sb.ip },
          timeout: opts.timeoutMs ?? 0,
          killSignal: "SIGKILL",
          maxBuffer: 10 * 1024 * 1024,
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0
          resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr) })
        },
      )
    })
  }

  execStream(id: string, cmd: readonly string[], opts: StreamOptions): ProcessStreams {
    const h = this.#containers.get(id)
    const sb = h ? this.#sandboxes.get(h.info.sandboxId) : undefined
    if (!h || !sb || h.info.state !== "running") throw new Error(`container ${id} is not running`)
    const launch = launchOf(h.info.image, cmd, [])
    if (h.iso && sb.pod && this.#sandboxed) {
      const argv = this.#sandboxed.execArgv(sb.pod, h.iso, launch.argv)
      const env = { ...readEnv(h.info.pid as number), ...launch.env }
      return spawnExec({ argv, cwd: "/", env, stdin: opts.stdin, tty: opts.tty })
    }
    const env = { ...readEnv(h.info.pid as number), ...launch.env, K8TS_POD_IP: sb.ip }
    const argv = h.privateRoot ? this.#mounts.execArgv(h.privateRoot, launch.argv) : launch.argv
    return spawnExec({ argv, cwd: h.cwd, env, stdin: opts.stdin, tty: opts.tty })
  }

  attach(id: string, opts: StreamOptions): ProcessStreams {
    const h = this.#containers.get(id)
    if (!h?.child || h.info.state !== "running") throw new Error(`container ${id} is not running`)
    const exited = h.exited.then(() => h.info.exitCode ?? 0)
    return attachTo(h.child, { stdin: opts.stdin, stdinOnce: h.stdinOnce, tty: h.tty, exited })
  }

  usage(id: string): ContainerUsage | undefined {
    const iso = this.#containers.get(id)?.iso
    return iso ? this.#sandboxed?.cgroups.usage(iso.cgroup) : undefined
  }

  onExit(listener: (c: ContainerInfo) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close(graceMs: number): Promise<void> {
    await Promise.all([...this.#containers.values()].map((h) => this.stop(h.info.id, graceMs)))
    await Promise.all([...this.#sandboxes.keys()].map((id) => this.removeSandbox(id)))
    await this.#sandboxed?.close()
  }
}
