/**
 * The process runtime, k8ts's embedded default: a container is a process tree started from the
 * image catalogue (images.ts) under a shim (shim.pl, or shim.sh without perl) that writes its
 * output to a CRI log file and its exit code to a file; the shims are forked by one long-lived
 * spawner (spawner.ts), without a spawn on the event loop per container (in the sandbox mode it
 * forks the pods' namespace holders too); in the loopback mode a sandbox is a pod's own
 * loopback address, which its containers share and bind to (unprivileged, on the host network).
 * Every container runs in a session of its own so a stop reaches its children. Containers outlive the runtime's process: state files
 * (container-state.ts) let a restarted kubelet adopt them, with their ids, start times and, once
 * they exit, exit codes (`release()` leaves them running on purpose; `close()` stops them).
 * Given a PodNetwork (root only), pods are full sandboxes instead: namespaces, a private root
 * per container, cgroups and an address on the pod network (sandbox/pod-sandbox.ts); a new
 * runtime adopts those whose namespaces' holder still runs, with their containers, and removes
 * what other pods left; there a container with a pidTargetId (kubectl debug --target) joins its
 * target's PID namespace. As root, a
 * loopback container with mounts gets a mount namespace of its own for them (loopback-mounts.ts),
 * and, but in a hostNetwork pod, a UTS namespace of its own with the pod's hostname.
 */
import { randomUUID } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs"
import { mkdir, rm, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import type { PodNetwork } from "../../../network/index.ts"
import {
  cidrAddress,
  type Cidr,
  type Logger,
  parseCidr,
  silentLogger,
  startTicks,
} from "../../../util/index.ts"
import {
  ContainerCreateError,
  type ContainerConfig,
  ContainerStartError,
  type ContainerInfo,
  type ContainerUsage,
  type ContainerRuntime,
  type ExecOptions,
  type ExecResult,
  type ProcessStreams,
  type ResourceLimits,
  type Sandbox,
  type SandboxConfig,
  START_ERROR_EXIT,
  START_ERROR_REASON,
  type StreamOptions,
} from "../runtime.ts"
import { attachToContainer } from "./attach.ts"
import { LoopbackMounts } from "./loopback-mounts.ts"
import {
  containerFiles,
  type ContainerState,
  dropContainer,
  dropSandbox,
  killLeftover,
  listContainers,
  listPodSandboxes,
  listSandboxes,
  readExit,
  sameProcess,
  saveContainer,
  saveSandbox,
} from "./container-state.ts"
import { launchOf } from "./images.ts"
import { containerEnv, readEnv, signalGroup } from "./processes.ts"
import { execCapture } from "./sandbox/exec-capture.ts"
import {
  type AdoptedPods,
  type ContainerIsolation,
  type ContainerLaunch,
  type PodIsolation,
  PodSandboxes,
} from "./sandbox/pod-sandbox.ts"
import type { RootSetup } from "./sandbox/container-root.ts"
import { PERL_SHIM, type ShimSpawn, spawnShim, StartFailure } from "./shim.ts"
import { childWatch, type ShimWatch, ShimSpawner, SpawnerUnavailable, type SpawnedShim } from "./spawner.ts"
import { onTerminal, spawnExec, terminalEnv } from "./streams.ts"
import { spreadSubfoldersSync } from "../../spread-folders.ts"

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
  /** The pod IP of hostNetwork pods, in either mode: the node's address (default 127.0.0.1). */
  readonly hostIP?: string
  /** Loopback mode: why this process cannot mount (undefined: it can); default: it can as root. */
  readonly mountCheck?: () => string | undefined
}

/** How often adopted containers (whose shim is not this run's child) are checked for an exit. */
const ADOPTED_POLL_MS = 250

/** The exit code of a container whose shim died before writing one (containerd's unknown exit). */
const UNKNOWN_EXIT = 255

interface Held {
  info: ContainerInfo
  /** What its state file holds (its limits change with an in-place resize). */
  state: ContainerState
  /** Its shim's exit, when this run started it. */
  readonly watch?: ShimWatch
  readonly exited: Promise<void>
  readonly done: () => void
  /** Its cgroup and private root (sandbox mode). */
  readonly iso?: ContainerIsolation
}

interface SandboxEntry extends Sandbox {
  readonly dir: string
  readonly offset: number
  /** Loopback mode: the hostname of its containers' UTS namespaces (none with hostNetwork). */
  readonly hostname?: string
  /** Its namespaces, cgroup and attachment (sandbox mode). */
  readonly pod?: PodIsolation
}

/** The one RuntimeClass handler this runtime has (besides the default, ""). */
export const RUNTIME_HANDLER = "runc"

/** Runs containers as local processes. */
export class ProcessRuntime implements ContainerRuntime {
  readonly name = "process"
  readonly version = "0.1.0"
  readonly #root: string
  readonly #range: Cidr
  readonly #hostIP: string
  readonly #log: Logger
  readonly #sandboxes = new Map<string, SandboxEntry>()
  readonly #containers = new Map<string, Held>()
  readonly #listeners = new Set<(c: ContainerInfo) => void>()
  readonly #sandboxed?: PodSandboxes
  readonly #pending = new Map<string, Promise<Sandbox>>()
  /** Loopback sandboxes whose state is being written, by id: their containers start once it is. */
  readonly #saving = new Map<string, Promise<void>>()
  readonly #mounts: LoopbackMounts
  /** Loopback mode with perl: the spawner that starts the shims. */
  readonly #spawner?: ShimSpawner
  #nextOffset = 1
  readonly #poller: NodeJS.Timeout

  constructor(opts: ProcessRuntimeOptions) {
    this.#root = opts.root
    this.#range = parseCidr(opts.podRange ?? "127.244.0.0/16")
    this.#hostIP = opts.hostIP ?? "127.0.0.1"
    this.#log = opts.log ?? silentLogger()
    // Its folders (state files by the hundred, pods' trees) each in a block group of their own.
    spreadSubfoldersSync([this.#root])
    for (const d of ["state", "pods", "sandboxes"]) mkdirSync(join(this.#root, d), { recursive: true })
    const adopted = opts.network ? this.#adoptPods() : undefined
    if (!opts.network) this.#adoptLeftovers()
    this.#poller = setInterval(() => this.#pollAdopted(), ADOPTED_POLL_MS).unref()
    this.#mounts = new LoopbackMounts({
      root: this.#root,
      ...(opts.mountCheck ? { check: opts.mountCheck } : {}),
    })
    if (PERL_SHIM) this.#spawner = new ShimSpawner({ log: this.#log })
    if (opts.network) {
      this.#sandboxed = new PodSandboxes({
        ...(this.#spawner ? { spawner: this.#spawner } : {}),
        root: this.#root,
        network: opts.network,
        cgroupParent: opts.cgroupParent ?? "k8ts/default",
        hostIP: this.#hostIP,
        log: this.#log,
        ...(adopted ? { keep: adopted } : {}),
      })
    }
  }

  #warnUnreadable = (file: string, err: unknown) =>
    this.#log.warn({ file, err: String(err) }, "Cannot read a state file")

  /**
   * Sandbox mode: adopts the pod sandboxes a previous run left whose namespaces' holder still
   * runs (the same process: its start is recorded), and their containers (running, or exited
   * with the code their shim wrote); stops the other containers (by PID, checked against their
   * recorded start) and forgets them. PodSandboxes then removes what the adopted pods do not
   * hold: other pods' folders, mounts, cgroups, writable layers and attachments.
   */
  #adoptPods(): AdoptedPods {
    const pods: PodIsolation[] = []
    for (const s of listPodSandboxes(this.#root, this.#warnUnreadable)) {
      const holder = s.pod?.ns.holder
      if (!s.pod || (holder !== undefined && !sameProcess(holder, s.holderTicks))) continue
      const netns = s.pod.netnsPath ? { netnsPath: s.pod.netnsPath } : {}
      this.#sandboxes.set(s.id, { ...s, ...netns, pod: s.pod })
      pods.push(s.pod)
    }
    const containers: ContainerIsolation[] = []
    for (const s of listContainers(this.#root, this.#warnUnreadable)) {
      const id = s.info?.id ?? ""
      if (!this.#sandboxes.has(s.info?.sandboxId) || !s.iso) {
        if (killLeftover(s)) this.#log.info({ pid: s.pid }, "Stopped a container left by a previous run")
        for (const f of Object.values(containerFiles(this.#root, id))) rmSync(f, { force: true })
        continue
      }
      const held = this.#hold(s, undefined, s.iso)
      this.#containers.set(id, held)
      containers.push(s.iso)
      this.#check(held)
      this.#log.info(
        { id, pod: s.info.podUid, name: s.info.name, pid: s.pid, state: held.info.state },
        "Adopted a container of a previous run",
      )
    }
    const logs = join(this.#root, "logs")
    const kept = new Set(pods.map((p) => p.podUid))
    for (const d of existsSync(logs) ? readdirSync(logs) : [])
      if (!kept.has(d)) rmSync(join(logs, d), { recursive: true, force: true })
    return { pods, containers }
  }

  /**
   * The folder of a sandbox's container logs: the pod's folder in the loopback mode; in the
   * sandbox mode one of its own on the node's disk (the pods' folders are a tmpfs there).
   */
  #logDir(sb: SandboxEntry): string {
    return sb.pod ? join(this.#root, "logs", sb.podUid) : join(sb.dir, "logs")
  }

  /**
   * Loopback mode: adopts the sandboxes and containers a previous run left (a running container
   * whose PID is still the same process; an exited one with the code its shim wrote), kills
   * containers whose sandbox is gone and removes pod folders no sandbox holds.
   */
  #adoptLeftovers(): void {
    for (const s of listSandboxes(this.#root, this.#warnUnreadable)) {
      this.#sandboxes.set(s.id, { ...s })
      this.#nextOffset = Math.max(this.#nextOffset, s.offset + 1)
    }
    for (const s of listContainers(this.#root, this.#warnUnreadable)) {
      const id = s.info?.id ?? ""
      if (!this.#sandboxes.has(s.info?.sandboxId)) {
        killLeftover(s)
        void dropContainer(this.#root, id)
        continue
      }
      const held = this.#hold(s)
      this.#containers.set(id, held)
      this.#check(held)
      this.#log.info(
        { id, pod: s.info.podUid, name: s.info.name, pid: s.pid, state: held.info.state },
        "Adopted a container of a previous run",
      )
    }
    const dirs = new Set([...this.#sandboxes.values()].map((s) => s.dir))
    for (const d of readdirSync(join(this.#root, "pods"))) {
      const dir = join(this.#root, "pods", d)
      if (!dirs.has(dir)) rmSync(dir, { recursive: true, force: true })
    }
  }

  /** A held container from its state, running until its exit is seen. */
  #hold(state: ContainerState, watch?: ShimWatch, iso?: ContainerIsolation): Held {
    let done = () => {}
    const exited = new Promise<void>((resolve) => (done = resolve))
    return {
      info: { ...state.info, state: "running" },
      state,
      exited,
      done,
      ...(watch ? { watch } : {}),
      ...(iso ? { iso } : {}),
    }
  }

  /** Notices a container's exit: the code its shim wrote, or an unknown one when shim and container are gone. */
  #check(held: Held): void {
    if (held.info.state !== "running") return
    const exit = readExit(containerFiles(this.#root, held.info.id).exit)
    if (exit) return this.#exited(held, exit.code, exit.at)
    if (held.watch?.watching()) return
    const s = held.state
    if (sameProcess(s.shimPid, s.shimTicks) || sameProcess(s.pid, s.bootTicks)) return
    this.#exited(held, UNKNOWN_EXIT, Date.now())
  }

  /** Checks the containers whose shim this run does not wait for (adopted, or their shim died). */
  #pollAdopted(): void {
    for (const h of this.#containers.values()) if (!h.watch?.watching()) this.#check(h)
  }

  runSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    // One runtime, named as containerd names its default one; a RuntimeClass naming another handler
    // gets containerd's refusal.
    if (cfg.runtimeHandler && cfg.runtimeHandler !== RUNTIME_HANDLER)
      return Promise.reject(
        new Error(`failed to get sandbox runtime: no runtime for "${cfg.runtimeHandler}" is configured`),
      )
    const have = [...this.#sandboxes.values()].find((s) => s.podUid === cfg.podUid)
    if (have) return Promise.resolve(have)
    // One set-up per pod at a time (a second caller gets the same sandbox).
    const pending = this.#pending.get(cfg.podUid)
    if (pending) return pending
    const made = this.#sandboxed ? this.#runPodSandbox(this.#sandboxed, cfg) : this.#runLoopbackSandbox(cfg)
    this.#pending.set(cfg.podUid, made)
    return made.finally(() => this.#pending.delete(cfg.podUid))
  }

  /**
   * Loopback mode: the pod's own address in the range, and its folder; a hostNetwork pod's
   * address is the node's (its containers bind there), as upstream gives it the node's IPs.
   */
  async #runLoopbackSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    const id = randomUUID()
    const dir = join(this.#root, "pods", cfg.podUid)
    if (cfg.hostNetwork) return this.#keep({ id, podUid: cfg.podUid, ip: this.#hostIP, dir, offset: 0 })
    const used = new Set([...this.#sandboxes.values()].map((s) => s.offset))
    let offset = this.#nextOffset
    for (let i = 0; used.has(offset) || offset >= this.#range.size - 1; i++) {
      if (i > this.#range.size)
        throw new ContainerCreateError("CreateContainerError", "no free pod address left")
      offset = offset >= this.#range.size - 2 ? 1 : offset + 1
    }
    this.#nextOffset = offset + 1
    const ip = cidrAddress(this.#range, offset)
    const named = cfg.hostname ? { hostname: cfg.hostname } : {}
    return this.#keep({ id, podUid: cfg.podUid, ip, dir, offset, ...named })
  }

  /**
   * Holds a loopback sandbox. Its folder is made with its first container's (by the shim
   * spawner, off the event loop); its state is written meanwhile (the kubelet sets its
   * containers' volumes up).
   */
  #keep(sandbox: SandboxEntry): SandboxEntry {
    this.#save(sandbox)
    this.#sandboxes.set(sandbox.id, sandbox)
    return sandbox
  }

  /** Writes a sandbox's state (awaited by #saved); a pod sandbox's with its holder's start. */
  #save(sb: SandboxEntry): void {
    const { id, podUid, ip, dir, offset, hostname, pod } = sb
    const holder = pod?.ns.holder
    const ticks = holder !== undefined ? { holderTicks: startTicks(holder) ?? "" } : {}
    const named = hostname !== undefined ? { hostname } : {}
    const saving = saveSandbox(this.#root, {
      id,
      podUid,
      ip,
      dir,
      offset,
      ...named,
      ...(pod ? { pod, ...ticks } : {}),
    })
    this.#saving.set(id, saving)
    saving.then(
      () => this.#saving.get(id) === saving && this.#saving.delete(id),
      () => undefined,
    )
  }

  /**
   * Resolves once sandbox `sb`'s state is on disk: a container is recorded only after its
   * sandbox, which a restarted kubelet adopts it by. @throws Error when it could not be written
   * (written again for the next start)
   */
  async #saved(sb: SandboxEntry): Promise<void> {
    try {
      await this.#saving.get(sb.id)
    } catch (err) {
      this.#save(sb)
      throw new Error(`cannot record the pod sandbox: ${(err as Error).message}`)
    }
  }

  /** Sandbox mode: the pod's namespaces, cgroup and attachment. */
  #runPodSandbox(sandboxes: PodSandboxes, cfg: SandboxConfig): Promise<Sandbox> {
    return (async () => {
      await sandboxes.ready()
      const id = randomUUID()
      const dir = join(this.#root, "pods", cfg.podUid)
      mkdirSync(dir, { recursive: true })
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
      // In the pods' tmpfs: what a restarted kubelet adopts the pod by.
      this.#save(sandbox)
      this.#sandboxes.set(id, sandbox)
      return sandbox
    })()
  }

  sandboxes(): Sandbox[] {
    return [...this.#sandboxes.values()]
  }

  async removeSandbox(id: string): Promise<void> {
    const sb = this.#sandboxes.get(id)
    if (!sb) return
    const mine = [...this.#containers.values()].filter((h) => h.info.sandboxId === id)
    await Promise.all(mine.map((h) => this.stop(h.info.id, 0)))
    for (const h of mine) this.#containers.delete(h.info.id)
    await Promise.all(
      mine.map((h) => Promise.all([dropContainer(this.#root, h.info.id), this.#removeRoot(h)])),
    )
    this.#sandboxes.delete(id)
    await this.#saving.get(id)?.catch(() => undefined)
    this.#saving.delete(id)
    await dropSandbox(this.#root, id)
    if (sb.pod) await this.#sandboxed?.removePod(sb.pod)
    await rm(sb.dir, { recursive: true, force: true })
    if (sb.pod) await rm(this.#logDir(sb), { recursive: true, force: true })
  }

  async start(sandbox: Sandbox, c: ContainerConfig): Promise<ContainerInfo> {
    const sb = this.#sandboxes.get(sandbox.id)
    if (!sb) throw new ContainerCreateError("CreateContainerError", `sandbox ${sandbox.id} is gone`)
    const id = randomUUID().replaceAll("-", "")
    const logPath = join(this.#logDir(sb), `${c.name}-${c.attempt}.log`)
    try {
      return await this.#start(sb, c, id, logPath)
    } catch (err) {
      if (!(err instanceof StartFailure)) throw err
      throw new ContainerStartError(await this.#startFailed(sb, c, id, logPath, err.message))
    }
  }

  /**
   * Holds a container whose program could not start as exited, as containerd does one whose task
   * failed to start (exit code 128, reason StartError, runc's words for why), with an empty log,
   * and tells the exit listeners (the kubelet syncs its pod again, as its relist would).
   */
  async #startFailed(
    sb: SandboxEntry,
    c: ContainerConfig,
    id: string,
    logPath: string,
    why: string,
  ): Promise<ContainerInfo> {
    await mkdir(dirname(logPath), { recursive: true })
    await writeFile(logPath, "", { flag: "a" })
    const info: ContainerInfo = {
      id,
      sandboxId: sb.id,
      podUid: sb.podUid,
      name: c.name,
      image: c.image,
      attempt: c.attempt,
      state: "exited",
      // Never started: containerd reports no start time (the epoch in the kubelet's status).
      startedAt: 0,
      finishedAt: Date.now(),
      exitCode: START_ERROR_EXIT,
      reason: START_ERROR_REASON,
      message: `unable to start container process: ${why}`,
      logPath,
      ...(c.mounts?.length ? { mounts: c.mounts } : {}),
      // Always saved ({} for none): a state without them is an older run's, its limits unknown.
      resources: c.resources ?? {},
    }
    const state: ContainerState = {
      info,
      pid: 0,
      bootTicks: "",
      shimPid: 0,
      shimTicks: "",
      cwd: "/",
      tty: false,
      stdinOnce: false,
    }
    this.#containers.set(id, { info, state, exited: Promise.resolve(), done: () => {} })
    for (const l of this.#listeners) l(info)
    return info
  }

  /** Starts container `id`: its program under its shim, in its root. @throws StartFailure */
  async #start(sb: SandboxEntry, c: ContainerConfig, id: string, logPath: string): Promise<ContainerInfo> {
    const launch = launchOf(c.image, c.command, c.args)
    const { argv, cwd, iso, privateRoot, root, dirs, sandboxed } = await this.#prepare(sb, id, c, launch.argv)
    await this.#saved(sb)
    // In a sandbox the pod's address is its own: programs listen on all addresses there.
    const env = containerEnv(c, launch.env, iso ? undefined : sb.ip)
    const held = await this.#run(sb, c, {
      id,
      argv,
      cwd,
      env,
      logPath,
      iso,
      privateRoot,
      root,
      dirs,
      sandboxed,
    })
    // As a container runtime's start, returns once the program runs (its root is set up).
    if (held.iso && sb.pod) await this.#sandboxed?.started(sb.pod, held.iso, held.exited)
    if (privateRoot) await this.#mounts.ready(privateRoot, held.exited)
    return held.info
  }

  /** Starts a container's program under its shim and records it. */
  async #run(
    sb: SandboxEntry,
    c: ContainerConfig,
    o: {
      id: string
      argv: readonly string[]
      cwd: string
      env: Record<string, string>
      logPath: string
      iso: ContainerIsolation | undefined
      privateRoot: string | undefined
      root: RootSetup | undefined
      dirs: readonly string[]
      sandboxed: ContainerLaunch | undefined
    },
  ): Promise<Held> {
    const { id, argv, cwd, env, logPath, iso, privateRoot, root, dirs, sandboxed } = o
    const files = containerFiles(this.#root, id)
    // A terminal without stdin still needs an open input: script ends its session on EOF.
    const stdinPath = c.stdin || c.tty ? files.stdin : undefined
    const specEnv = c.tty ? terminalEnv(env) : env
    let started
    try {
      const spec = {
        argv,
        cwd,
        env: specEnv,
        logPath,
        exitFile: files.exit,
        ...(stdinPath ? { stdinPath } : {}),
      }
      started = await this.#startShim(spec, root, dirs, sandboxed)
    } catch (err) {
      await dropContainer(this.#root, id)
      if (iso) await this.#sandboxed?.removeContainer(iso)
      if (privateRoot) await this.#mounts.remove(privateRoot)
      throw err
    }
    const { shimPid, pid, watch } = started
    const info: ContainerInfo = {
      id,
      sandboxId: sb.id,
      podUid: sb.podUid,
      name: c.name,
      image: c.image,
      attempt: c.attempt,
      state: "running",
      startedAt: Date.now(),
      pid,
      logPath,
      ...(c.mounts?.length ? { mounts: c.mounts } : {}),
      // Always saved ({} for none): a state without them is an older run's, its limits unknown.
      resources: c.resources ?? {},
    }
    const state: ContainerState = {
      info,
      pid,
      bootTicks: startTicks(pid) ?? "",
      shimPid,
      shimTicks: startTicks(shimPid) ?? "",
      cwd,
      tty: c.tty ?? false,
      stdinOnce: c.stdinOnce ?? false,
      env: specEnv,
      ...(stdinPath ? { stdinPath } : {}),
      ...(privateRoot ? { privateRoot } : {}),
      ...(iso ? { iso } : {}),
    }
    await saveContainer(this.#root, state)
    const held = this.#hold(state, watch, iso)
    this.#containers.set(id, held)
    watch.onExit(() => this.#check(held))
    if (!watch.watching()) this.#check(held)
    return held
  }

  /**
   * Starts a shim, once `dirs` and the log file are made: through the spawner where there is
   * one (which makes them, and sets a private root up by its system calls), else (or when it is
   * gone) as this run's child, with the launcher for the root (and nsenter for a sandbox's pod).
   */
  async #startShim(
    s: ShimSpawn,
    root: RootSetup | undefined,
    dirs: readonly string[],
    sandboxed?: ContainerLaunch,
  ): Promise<SpawnedShim> {
    if (this.#spawner?.usable()) {
      try {
        const pod = sandboxed ? { steps: sandboxed.steps, pod: sandboxed.pod } : {}
        return await this.#spawner.start({ ...s, dirs, ...(root ? { root } : {}), ...pod })
      } catch (err) {
        if (!(err instanceof SpawnerUnavailable)) throw err
      }
    }
    await Promise.all(dirs.map((d) => mkdir(d, { recursive: true })))
    await writeFile(s.logPath, "", { flag: "a" })
    const argv = sandboxed
      ? await (this.#sandboxed as PodSandboxes).launchArgv(sandboxed, s.argv)
      : root
        ? await this.#mounts.launchArgv(root, s.argv)
        : s.argv
    const { shim, pid } = await spawnShim({ ...s, argv })
    return { shimPid: shim.pid as number, pid, watch: childWatch(shim) }
  }

  /** Launches the shim spawner (loopback mode with perl) ahead of the first container start. */
  warmUp(): void {
    this.#spawner?.warmUp()
  }

  /** Why containers of the loopback mode cannot see their mounts (undefined: they can, as in sandboxes). */
  mountsUnavailable(): string | undefined {
    return this.#sandboxed ? undefined : this.#mounts.unavailable()
  }

  /** Removes a container's private root (either mode). */
  async #removeRoot(h: Held): Promise<void> {
    if (h.iso) await this.#sandboxed?.removeContainer(h.iso)
    if (h.state.privateRoot) await this.#mounts.remove(h.state.privateRoot)
  }

  /** How container `id` is launched: its command line, working directory and private root. */
  async #prepare(sb: SandboxEntry, id: string, c: ContainerConfig, program: readonly string[]) {
    let argv = program
    try {
      if (c.tty) argv = onTerminal(argv)
    } catch (err) {
      throw new StartFailure((err as Error).message)
    }
    const iso = this.#isolate(sb, id, c)
    if (iso) {
      const { container, launch } = iso
      return {
        argv,
        cwd: "/",
        iso: container,
        dirs: [this.#logDir(sb), ...launch.dirs],
        root: launch.root,
        sandboxed: launch,
      }
    }
    // The shim's spawner makes the folders (off the event loop, in its own process), the pod's
    // log folder and the container's home first.
    const home = join(sb.dir, c.name)
    const own = [join(sb.dir, "logs"), home]
    if (!this.#mounts.applies(c)) {
      return { argv, cwd: c.workingDir && existsSync(c.workingDir) ? c.workingDir : home, dirs: own }
    }
    const privateRoot = this.#mounts.folder(sb.dir, id)
    // The home is the node's (made before the root is set up, its top folder bound back);
    // workingDir is made inside the container's own root when it is missing.
    const root = this.#mounts.setup(privateRoot, c, c.workingDir || home, own, sb.hostname)
    return { argv, cwd: "/", privateRoot, root, dirs: [...own, ...this.#mounts.folders(root)] }
  }

  /** Sandbox mode: the container's cgroup and folder, and how it is launched in them. */
  #isolate(sb: SandboxEntry, id: string, c: ContainerConfig) {
    const sandboxes = this.#sandboxed
    const pod = sb.pod
    if (!sandboxes || !pod) return undefined
    const target = c.pidTargetId ? this.#containers.get(c.pidTargetId) : undefined
    const alive = target?.info.state === "running" && target.info.sandboxId === sb.id
    const container = sandboxes.prepareContainer(pod, id, alive ? target.iso : undefined)
    // workingDir is made inside the container's own root when it is missing; without one the
    // program starts in its root, as an OCI runtime starts an image without a WorkingDir.
    return { container, launch: sandboxes.planLaunch(pod, container, c, c.workingDir || "/") }
  }

  /** Records a container's exit; in a sandbox, tells an OOM kill apart and kills what it left. */
  #exited(held: Held, exitCode: number, at: number): void {
    let reason = exitCode === 0 ? "Completed" : "Error"
    if (held.iso && this.#sandboxed) {
      reason = this.#sandboxed.exitReason(held.iso, exitCode) ?? reason
      this.#sandboxed.killRest(held.iso)
    }
    held.info = { ...held.info, state: "exited", finishedAt: Math.round(at), exitCode, reason }
    held.done()
    for (const l of this.#listeners) l(held.info)
  }

  async stop(id: string, graceMs: number): Promise<void> {
    const h = this.#containers.get(id)
    if (!h || h.info.state !== "running") return
    const pid = h.state.pid
    // A sandboxed container's SIGTERM goes to its program only, as a container runtime's does.
    if (graceMs > 0 && h.iso) this.#sandboxed?.signalMain(h.iso, "SIGTERM")
    else signalGroup(pid, graceMs > 0 ? "SIGTERM" : "SIGKILL")
    // An adopted container's exit is polled for; until it comes, that keeps the process alive.
    const poll = setInterval(() => this.#check(h), ADOPTED_POLL_MS / 5)
    const timer = graceMs > 0 ? setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs) : undefined
    await h.exited
    clearTimeout(timer)
    clearInterval(poll)
    // Whatever the main process left in its group goes too.
    signalGroup(pid, "SIGKILL")
  }

  async remove(id: string): Promise<void> {
    const h = this.#containers.get(id)
    if (!h) return
    if (h.info.state === "running") await this.stop(id, 0)
    this.#containers.delete(id)
    await Promise.all([dropContainer(this.#root, id), this.#removeRoot(h)])
    await rm(h.info.logPath, { force: true })
  }

  list(): ContainerInfo[] {
    return [...this.#containers.values()].map((h) => h.info)
  }

  container(id: string): ContainerInfo | undefined {
    return this.#containers.get(id)?.info
  }

  exec(id: string, cmd: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    let plan
    try {
      plan = this.#execPlan(id, cmd)
    } catch (err) {
      const exitCode = err instanceof StartFailure ? 127 : 126
      return Promise.resolve({ exitCode, stdout: "", stderr: (err as Error).message })
    }
    return execCapture(plan.argv, plan.env, { ...opts, cwd: plan.cwd })
  }

  execStream(id: string, cmd: readonly string[], opts: StreamOptions): ProcessStreams {
    const { argv, cwd, env } = this.#execPlan(id, cmd)
    return spawnExec({ argv, cwd, env, stdin: opts.stdin, tty: opts.tty })
  }

  /**
   * How `cmd` runs in running container `id`: in its namespaces and root, with the environment it
   * was started with (its spec's, as a container runtime gives an exec; not what its process
   * holds now, which a shell that exec'd its last command left with SHLVL=0).
   * @throws Error when it is not running or has no root yet, StartFailure when `cmd` is not there
   */
  #execPlan(
    id: string,
    cmd: readonly string[],
  ): { argv: string[]; cwd: string; env: Record<string, string> } {
    const h = this.#containers.get(id)
    const sb = h ? this.#sandboxes.get(h.info.sandboxId) : undefined
    if (!h || !sb || h.info.state !== "running") throw new Error(`container ${id} is not running`)
    const launch = launchOf(h.info.image, cmd, [])
    // State files of older runs have no environment: the process's own then.
    const env = { ...(h.state.env ?? readEnv(h.info.pid as number)), ...launch.env }
    if (h.iso && sb.pod && this.#sandboxed) {
      return { argv: this.#sandboxed.execArgv(sb.pod, h.iso, launch.argv), cwd: "/", env }
    }
    const argv = h.state.privateRoot
      ? this.#mounts.execArgv(h.state.privateRoot, launch.argv)
      : [...launch.argv]
    return { argv, cwd: h.state.cwd, env: { ...env, K8TS_POD_IP: sb.ip } }
  }

  attach(id: string, opts: StreamOptions): ProcessStreams {
    const h = this.#containers.get(id)
    if (!h || h.info.state !== "running") throw new Error(`container ${id} is not running`)
    const s = h.state
    return attachToContainer(
      {
        pid: s.pid,
        shimPid: s.shimPid,
        logPath: h.info.logPath,
        ...(s.stdinPath ? { stdinPath: s.stdinPath } : {}),
        stdinOnce: s.stdinOnce,
        tty: s.tty,
        exited: h.exited.then(() => h.info.exitCode ?? 0),
        running: () => h.info.state === "running",
      },
      opts,
    )
  }

  usage(id: string): ContainerUsage | undefined {
    const iso = this.#containers.get(id)?.iso
    return iso ? this.#sandboxed?.cgroups.usage(iso.cgroup) : undefined
  }

  /**
   * Sandbox mode: writes the container's cgroup. Loopback mode: a container has no cgroup, so
   * there is no limit to change; the new limits are recorded and reported as applied (the
   * resize completes at once). Either way they are saved with its state, for an adopting run.
   */
  async updateResources(id: string, resources: ResourceLimits): Promise<void> {
    const h = this.#containers.get(id)
    if (!h || h.info.state !== "running") throw new Error(`container ${id} is not running`)
    if (h.iso && this.#sandboxed) this.#sandboxed.cgroups.update(h.iso.cgroup, resources)
    const info = { ...h.info, resources: { ...h.info.resources, ...resources } }
    h.info = info
    h.state = { ...h.state, info: { ...h.state.info, resources: info.resources } }
    await saveContainer(this.#root, h.state)
  }

  /** Sandbox mode: writes the pod's cgroup; loopback mode: nothing to write (pods have no cgroup). */
  async updateSandboxResources(id: string, resources: ResourceLimits): Promise<void> {
    const sb = this.#sandboxes.get(id)
    if (!sb) throw new Error(`sandbox ${id} is gone`)
    if (sb.pod && this.#sandboxed)
      this.#sandboxed.cgroups.update(this.#sandboxed.cgroups.podPath(sb.podUid), resources)
  }

  onExit(listener: (c: ContainerInfo) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close(graceMs: number): Promise<void> {
    await Promise.all([...this.#containers.values()].map((h) => this.stop(h.info.id, graceMs)))
    await Promise.all([...this.#sandboxes.keys()].map((id) => this.removeSandbox(id)))
    clearInterval(this.#poller)
    await this.#sandboxed?.close()
    this.#spawner?.close()
  }

  /**
   * Lets go of the containers without stopping them (the kubelet restarts): they keep running
   * under their shims, and the next runtime on this root adopts them; in the sandbox mode with
   * their pods' namespaces, folders, cgroups and attachments, and the pod network as it is.
   */
  async release(_graceMs: number): Promise<void> {
    await Promise.all([...this.#saving.values()].map((s) => s.catch(() => undefined)))
    clearInterval(this.#poller)
    this.#listeners.clear()
    this.#spawner?.close()
    for (const h of this.#containers.values()) h.watch?.release()
  }
}
