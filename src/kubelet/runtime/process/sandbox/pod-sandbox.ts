/**
 * Full pod sandboxes for the process runtime (root only): each pod gets its own network, IPC
 * and UTS namespaces (joined to the node's PodNetwork), its own /dev/shm and a pod cgroup; each
 * container runs in them with a private mount namespace whose root is an overlay of the node's
 * (so mount points never touch the host filesystem), its own PID namespace (or the pod's, or
 * the node's), and its own cgroup with the container's limits. Launches are planned as data
 * (ContainerLaunch) that the runtime's spawner carries out by system calls in the container's
 * process, or that launchArgv() turns into nsenter, unshare and launcher.sh.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { rm } from "node:fs/promises"
import { join } from "node:path"
import type { PodAttachRequest, PodNetwork, PodNetworkSetup } from "../../../../network/index.ts"
import type { Logger } from "../../../../util/index.ts"
import type { ContainerConfig, SandboxConfig } from "../../runtime.ts"
import type { ShimSpawner } from "../spawner.ts"
import { Cgroups } from "./cgroups.ts"
import {
  LAUNCHER,
  launcherArgv,
  type PodEnter,
  planRoot,
  removeRoot,
  rootLayout,
  type RootSetup,
  rootPid,
  rootReady,
} from "./container-root.ts"
import { devMounts, mountTmpfs, unmountUnder } from "./mounts.ts"
import { createPodNamespaces, pidNamespaceOf, type PodNamespaces, removePodNamespaces } from "./namespaces.ts"
import { runSteps, type SetupStep } from "./setup-steps.ts"
import { mark } from "./trace.ts"
import { spreadSubfolders } from "../../../spread-folders.ts"

/** Options of PodSandboxes. */
export interface PodSandboxesOptions {
  /** The runtime's root: pods live in `<root>/pods/<uid>`. */
  readonly root: string
  readonly network: PodNetwork
  /** The cgroup parent k8ts owns on this node, e.g. `k8ts/<node>`. */
  readonly cgroupParent: string
  /** The pod IP of hostNetwork pods (the node's address). */
  readonly hostIP: string
  readonly log: Logger
  /** Forks the pods' namespace holders (and, through the runtime, their containers' shims). */
  readonly spawner?: ShimSpawner
  /** The pods (and their containers) a previous run left that the runtime adopted: kept as they are. */
  readonly keep?: AdoptedPods
}

/** Pods a previous run left, adopted by the runtime, and their containers. */
export interface AdoptedPods {
  readonly pods: readonly PodIsolation[]
  readonly containers: readonly ContainerIsolation[]
}

/** The isolation of one pod. */
export interface PodIsolation {
  readonly podUid: string
  readonly dir: string
  readonly ip: string
  readonly netnsPath?: string
  readonly ns: PodNamespaces
  readonly hostPID: boolean
  /** The pod's /dev/shm (a tmpfs), absent with hostIPC. */
  readonly shm?: string
  /** The pod's /etc/hostname, absent with hostNetwork. */
  readonly hostnameFile?: string
  readonly attach?: PodAttachRequest
}

/** The isolation of one container. */
export interface ContainerIsolation {
  readonly cgroup: string
  /** The container's folder (in memory): its private root's mount point, /dev layers and PID file. */
  readonly dir: string
  /** The folder of its root's writable layer, on the node's disk (linked from `dir`). */
  readonly layers: string
  /** Whether the launcher is PID 1 of the container's own PID namespace (the program its child). */
  readonly ownPid: boolean
  /** The PID namespace file it joins instead (an ephemeral container's target's). */
  readonly pidNamespace?: string
}

/**
 * How a container is launched, as data: the set-up of its cgroup and folders, the pod it joins
 * and its private root; the spawner does it all in the container's process, or launchArgv()
 * turns it into a command line.
 */
export interface ContainerLaunch {
  readonly steps: readonly SetupStep[]
  /** Its root's folders (made first). */
  readonly dirs: readonly string[]
  readonly pod: PodEnter
  readonly root: RootSetup
}

/** How long the node's mounts under /dev are taken as read (they hardly ever change). */
const DEV_MOUNTS_TTL_MS = 5000

/** Creates and removes pod and container isolation; the ProcessRuntime's sandbox mode. */
export class PodSandboxes {
  readonly cgroups: Cgroups
  readonly #opts: PodSandboxesOptions
  readonly #ready: Promise<void>
  /** The node's mounts under /dev, read at most every DEV_MOUNTS_TTL_MS. */
  #dev: { at: number; mounts: readonly string[] } | undefined

  constructor(opts: PodSandboxesOptions) {
    this.#opts = opts
    this.cgroups = new Cgroups(opts.cgroupParent)
    this.#ready = this.#init()
    this.#ready.catch(() => {}) // reported by the first runSandbox
  }

  /** Resolves once leftovers are cleaned up and the network is ready. @throws what init threw */
  ready(): Promise<void> {
    return this.#ready
  }

  /**
   * Cleans up what a crashed run left (mounts under the root, pod cgroups, attachments), mounts
   * the pods' tmpfs, then inits the network.
   */
  async #init(): Promise<void> {
    const keep = this.#opts.keep
    if (keep?.pods.length) return this.#initKeeping(keep)
    const pods = join(this.#opts.root, "pods")
    await unmountUnder(pods)
    rmSync(pods, { recursive: true, force: true })
    rmSync(join(this.#opts.root, "layers"), { recursive: true, force: true })
    mkdirSync(pods, { recursive: true })
    // The pods' folders (their namespaces' mount points, hostname files, containers' root mount
    // points, /dev layers and PID files) are made and removed by the hundred when pods start at
    // once: in memory, as container runtimes keep their run state under /run, they cost no
    // inode of the node's disk (on ext4 each new inode is looked for past those deleted
    // lately). The containers' writable layers stay on disk (layers/<id>), their logs too.
    const why = await mountTmpfs(pods, "k8ts-pods")
    if (why) this.#opts.log.warn({ dir: pods, err: why }, "Cannot mount a tmpfs for the pods' folders")
    await this.#spreadDiskFolders()
    const stale = await this.cgroups.removeAll()
    if (stale) this.#opts.log.info({ count: stale }, "Removed pod cgroups left by a previous run")
    await this.#opts.network.init()
    await this.#opts.network.gc(new Set())
  }

  /**
   * The folders on the node's disk that get a sub-folder per container (its writable layer) or
   * per pod (its logs), each its own tree: spread over the file system's groups (spread-folders.ts).
   */
  #spreadDiskFolders(): Promise<void> {
    return spreadSubfolders([join(this.#opts.root, "layers"), join(this.#opts.root, "logs")])
  }

  /**
   * Init after a restart that adopted pods: their folders (in the pods' tmpfs, which stays
   * mounted), cgroups, writable layers and attachments stay; what other pods left goes.
   */
  async #initKeeping(keep: AdoptedPods): Promise<void> {
    const pods = join(this.#opts.root, "pods")
    const dirs = new Set(keep.pods.map((p) => p.dir))
    for (const d of readdirSync(pods)) {
      if (dirs.has(join(pods, d))) continue
      await unmountUnder(join(pods, d))
      rmSync(join(pods, d), { recursive: true, force: true })
    }
    const layers = join(this.#opts.root, "layers")
    const used = new Set(keep.containers.map((c) => c.layers))
    for (const d of existsSync(layers) ? readdirSync(layers) : [])
      if (!used.has(join(layers, d))) rmSync(join(layers, d), { recursive: true, force: true })
    await this.#spreadDiskFolders()
    const kept = new Set(keep.pods.map((p) => this.cgroups.podPath(p.podUid)))
    const stale = await this.cgroups.removeAll(kept)
    if (stale) this.#opts.log.info({ count: stale }, "Removed pod cgroups left by a previous run")
    await this.#opts.network.init()
    const attached = keep.pods.flatMap((p) => (p.attach ? [p.attach.id] : []))
    await this.#opts.network.gc(new Set(attached))
  }

  /** Sets a pod up: namespaces and hostname, /dev/shm, pod cgroup, network attachment. */
  async createPod(id: string, dir: string, cfg: SandboxConfig): Promise<PodIsolation> {
    await this.#ready
    mark(cfg.podUid, "sandbox")
    let pod: PodIsolation = { podUid: cfg.podUid, dir, ip: this.#opts.hostIP, ns: {}, hostPID: !!cfg.hostPID }
    try {
      const podCgroup = this.cgroups.podPath(cfg.podUid)
      const holderCgroup = `${podCgroup}/pause`
      const ids = { id, podUid: cfg.podUid, namespace: cfg.namespace, name: cfg.name }
      const attachReq = (netnsPath: string): PodAttachRequest => {
        const req = { ...ids, netnsPath, portMappings: cfg.portMappings ?? [] }
        pod = { ...pod, attach: req } // undone by removePod from here on: lease, veth, rules
        return req
      }
      const network = this.#opts.network
      const prepare = network.prepare?.bind(network)
      const shm = cfg.hostIPC ? undefined : join(dir, "shm")
      // As container runtimes do, the pod's hostname is also its containers' /etc/hostname.
      const hostnameFile = cfg.hostNetwork ? undefined : join(dir, "hostname")
      const ns = await createPodNamespaces({
        hostname: cfg.hostname,
        // Made by the holder (off this thread) before it joins: the pod's cgroup, its folders.
        setup: [
          ...this.cgroups.plan(podCgroup, cfg.resources),
          ...this.cgroups.plan(holderCgroup, undefined),
          ...(shm ? [{ dir: shm }] : []),
          ...(hostnameFile ? [{ file: hostnameFile, value: `${cfg.hostname}\n` }] : []),
        ],
        ...(cfg.hostNetwork ? { hostNetwork: true } : {}),
        ...(cfg.hostIPC ? { hostIPC: true } : {}),
        // The holders run in a leaf of the pod's cgroup (v2 allows no processes beside child
        // groups), so they go with the pod, also after a crash.
        holderCgroups: this.cgroups.procsFiles(holderCgroup),
        holderPrefix: this.#joinArgv(holderCgroup),
        ...(cfg.shareProcessNamespace && !cfg.hostPID ? { sharePid: true } : {}),
        ...(shm ? { shm } : {}),
        ...(this.#opts.spawner ? { server: this.#opts.spawner } : {}),
        // The pod side of the network is set up by the holder as it starts, when the network can.
        ...(prepare
          ? { network: (path: string) => this.#podSide(cfg.podUid, prepare, attachReq(path)) }
          : {}),
      })
      pod = { ...pod, ns, ...(ns.net ? { netnsPath: ns.net } : {}), ...(shm ? { shm } : {}) }
      if (hostnameFile) pod = { ...pod, hostnameFile }
      mark(cfg.podUid, "holder ready")
      if (ns.net) {
        const req = pod.attach ?? attachReq(ns.net)
        const { ip } = await network.attach(req)
        pod = { ...pod, ip }
        mark(cfg.podUid, "attached")
      }
      return pod
    } catch (err) {
      await this.removePod(pod).catch(() => {})
      throw err
    }
  }

  /** The pod side of its network, leased as its holder is forked. */
  async #podSide(
    podUid: string,
    prepare: NonNullable<PodNetwork["prepare"]>,
    req: PodAttachRequest,
  ): Promise<PodNetworkSetup> {
    mark(podUid, "holder forked")
    const setup = await prepare(req)
    mark(podUid, "ip leased")
    return setup
  }

  /** Tears a pod down once its containers have stopped: network, namespaces, mounts, cgroup. */
  async removePod(pod: PodIsolation): Promise<void> {
    if (pod.attach) await this.#opts.network.detach(pod.attach)
    await removePodNamespaces(join(pod.dir, "ns"), pod.ns)
    await unmountUnder(pod.dir)
    await this.cgroups.remove(this.cgroups.podPath(pod.podUid))
  }

  /**
   * A container's cgroup and folder (made by its launch). With `pidTarget` (a running container of
   * the pod that has a PID namespace of its own), the container joins that namespace instead of
   * making one (an ephemeral container's targetContainerName).
   */
  prepareContainer(pod: PodIsolation, id: string, pidTarget?: ContainerIsolation): ContainerIsolation {
    mark(pod.podUid, "container")
    const cgroup = this.cgroups.containerPath(pod.podUid, id)
    const dir = join(pod.dir, "containers", id)
    const layers = join(this.#opts.root, "layers", id)
    const targetPid = pidTarget?.ownPid ? this.containerPid(pidTarget) : undefined
    if (targetPid !== undefined)
      return { cgroup, dir, layers, ownPid: false, pidNamespace: `/proc/${targetPid}/ns/pid` }
    return { cgroup, dir, layers, ownPid: !pod.hostPID && !pod.ns.pidHolder }
  }

  /** Plans the launch of container `c` in its pod: its cgroup, the pod's namespaces, its root with working directory `cwd`. */
  planLaunch(pod: PodIsolation, ci: ContainerIsolation, c: ContainerConfig, cwd: string): ContainerLaunch {
    const own = c.mounts ?? []
    const hostname =
      pod.hostnameFile && !own.some((m) => m.containerPath === "/etc/hostname")
        ? [{ hostPath: pod.hostnameFile, containerPath: "/etc/hostname", readOnly: false }]
        : []
    const root = planRoot({
      dir: ci.dir,
      proc: pod.hostPID ? "host" : "own",
      ...(pod.shm ? { shm: pod.shm } : {}),
      cwd,
      cgroups: this.cgroups.procsFiles(ci.cgroup),
      mounts: [...hostname, ...own],
      devMounts: this.#devMounts(),
    })
    const ns = pod.ns
    // The PID namespace joined: an ephemeral container's target's, else the pod's shared one.
    const pidNs = ci.pidNamespace ?? (ns.pidHolder && pidNamespaceOf(ns.pidHolder))
    const namespaces = [ns.mnt, ns.net, ns.ipc, ns.uts, pidNs]
    const enter: PodEnter = {
      namespaces: namespaces.filter((n): n is string => !!n),
      pid: ci.ownPid ? "own" : pidNs ? "fork" : "-",
    }
    mark(pod.podUid, "container planned")
    const layout = rootLayout(ci.dir, ci.layers)
    const steps = [...layout.steps, ...this.cgroups.plan(ci.cgroup, c.resources)]
    return { steps, dirs: layout.dirs, pod: enter, root }
  }

  /**
   * Sets a planned launch's cgroup and folders up and returns the command line that starts `argv`
   * as the container (where the spawner does not: pod namespaces by nsenter, root by the launcher).
   */
  async launchArgv(launch: ContainerLaunch, argv: readonly string[]): Promise<string[]> {
    runSteps([...launch.dirs.map((dir) => ({ dir })), ...launch.steps])
    const flag = (path: string) => {
      const kind = path.slice(path.lastIndexOf("/") + 1)
      return `--${kind === "mnt" ? "mount" : kind === "pid_for_children" ? "pid" : kind}=${path}`
    }
    const enter = launch.pod.namespaces.map(flag)
    const unshare = ["unshare", "--mount", "--propagation", "private"]
    if (launch.pod.pid === "own") unshare.push("--pid", "--fork", "--kill-child")
    const nsenter = enter.length ? ["nsenter", ...enter, "--"] : []
    return [...nsenter, ...unshare, "--", ...(await launcherArgv(launch.root, argv))]
  }

  #devMounts(): readonly string[] {
    const now = Date.now()
    if (!this.#dev || now - this.#dev.at > DEV_MOUNTS_TTL_MS) this.#dev = { at: now, mounts: devMounts() }
    return this.#dev.mounts
  }

  /** The command line that runs `argv` in a running container's namespaces, root and cgroups. */
  execArgv(pod: PodIsolation, ci: ContainerIsolation, argv: readonly string[]): string[] {
    const pid = this.containerPid(ci)
    if (pid === undefined) throw new Error("the container has not started yet")
    const flags = ["--net", "--ipc", "--uts", "--mount", ...(pod.hostPID ? [] : ["--pid"]), "--root", "--wd"]
    return [...this.#joinArgv(ci.cgroup), "nsenter", "-t", String(pid), ...flags, "--", ...argv]
  }

  /** The node PID of the container's process (its PID 1 when it has its own PID namespace). */
  containerPid(ci: ContainerIsolation): number | undefined {
    return rootPid(ci.dir)
  }

  /** Resolves once the launcher has set the container up and runs its program, or it exited. */
  async started(pod: PodIsolation, ci: ContainerIsolation, exited: Promise<void>): Promise<void> {
    mark(pod.podUid, "container spawned")
    await rootReady(ci.dir, exited)
    mark(pod.podUid, "container running")
  }

  /** The reason of a container's exit: OOMKilled when it died by SIGKILL after its cgroup hit an OOM. */
  exitReason(ci: ContainerIsolation, exitCode: number): string | undefined {
    return exitCode === 137 && this.cgroups.oomKilled(ci.cgroup) ? "OOMKilled" : undefined
  }

  /** Sends `signal` to the container's program (not to its launcher, nor the program's children). */
  signalMain(ci: ContainerIsolation, signal: NodeJS.Signals): void {
    const pid = this.containerPid(ci)
    if (pid === undefined) return
    for (const p of ci.ownPid ? childrenOf(pid) : [pid]) {
      try {
        process.kill(p, signal)
      } catch {
        // gone
      }
    }
  }

  /** Kills whatever is left in the container's cgroup (processes that left its process group). */
  killRest(ci: ContainerIsolation): void {
    for (const pid of this.cgroups.pids(ci.cgroup)) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // gone
      }
    }
  }

  /** Removes a container's cgroup, folder and writable layer. */
  async removeContainer(ci: ContainerIsolation): Promise<void> {
    await this.cgroups.remove(ci.cgroup)
    await removeRoot(ci.dir)
    await rm(ci.layers, { recursive: true, force: true })
  }

  /** Node stop: the pods are gone; removes the cgroup parent and the pods' tmpfs, and closes the network. */
  async close(): Promise<void> {
    await this.#ready.catch(() => {})
    await this.cgroups.removeAll()
    this.cgroups.removeParent()
    await unmountUnder(join(this.#opts.root, "pods"))
    await this.#opts.network.close()
  }

  #joinArgv(cgroup: string): string[] {
    return ["/bin/sh", LAUNCHER, "join", ...this.cgroups.procsFiles(cgroup), "--"]
  }
}

function childrenOf(pid: number): number[] {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim()
    return kids ? kids.split(" ").map(Number) : []
  } catch {
    return []
  }
}
