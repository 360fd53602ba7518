/**
 * Mounts in the process runtime's loopback mode. The containers run on the node (its network,
 * PIDs and files), so a volume has nowhere to appear but the node's own tree; as root, each
 * container that has mounts gets a private mount namespace instead, set up in the program's
 * process by the shim spawner (root.pl), or by the sandbox's launcher without one
 * (sandbox/container-root.ts): a copy-on-write overlay of the node's root, in which
 * every top-level folder is bound back to the node's own (so the program reads and writes the
 * node's files as before) except those where a mount point must be made, which stay
 * copy-on-write (the mount point and the container's writes there land in its folder, never
 * on the node; the node's mounts under them are carried over). The container's mounts are then
 * bound at their containerPath. When every mount point is already on the node (or under /dev), as
 * for a container whose only mounts are /etc/hosts, /etc/resolv.conf and /dev/termination-log,
 * the node's root is kept instead (the same view, without an overlay of it, its folders bound
 * back and pivot_root: a fraction of the mounts and of the files made per start), with /dev
 * still an overlay, its layers in a tmpfs of the namespace's own. Without root there is no such
 * namespace (an unprivileged user namespace cannot overlay the node's root here), and
 * `unavailable` says why, for the kubelet.
 */
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import type { ContainerConfig, Mount } from "../runtime.ts"
import {
  launcherArgv,
  planRoot,
  prepareRoot,
  removeRoot,
  rootFolders,
  type RootSetup,
  rootPid,
  rootReady,
} from "./sandbox/container-root.ts"
import { devMounts, nodeMounts } from "./sandbox/mounts.ts"
import { fstabField } from "./sandbox/root-mounts.ts"

/** Options of LoopbackMounts. */
export interface LoopbackMountsOptions {
  /** The runtime's root (its pods' mounts are not carried into containers). */
  readonly root: string
  /** Why this process cannot mount (undefined: it can); default: it can as root. */
  readonly check?: () => string | undefined
  /** How long a read of the node's mount table serves container starts (default 1 s). */
  readonly tableMs?: number
  /** The mount table read (default this process's /proc/self/mountinfo). */
  readonly mountinfo?: string
}

/**
 * A read of the node's mount table and what was taken from it: its mounts under /dev, and
 * (read when a container first needs them) those it carries into copy-on-write folders.
 */
interface NodeTable {
  readonly at: number
  readonly dev: readonly string[]
  node?: readonly string[]
}

/** The node's top-level folders a private root has its own of. */
const KERNEL = new Set(["dev", "proc", "sys"])

/** Whether `path` is `dir` or lies below it. */
function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`)
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** One fstab line. */
function fstabLine(source: string, target: string, type: string, options: string): string {
  return `${fstabField(source)} ${fstabField(target)} ${type} ${options} 0 0\n`
}

/**
 * Whether container mounts at `targets` (resolved), with `cwd` its working directory, can go
 * over the node's own root: each mount point is on the node already or lies under /dev (made in
 * the container's /dev), and none lies inside another.
 */
function keepsNodeRoot(targets: readonly string[], cwd: string, exists: (p: string) => boolean): boolean {
  if (!exists(cwd)) return false
  return targets.every(
    (t, i) =>
      t !== "/" &&
      t !== "/dev" &&
      (exists(t) || isUnder(t, "/dev")) &&
      !targets.some((o, j) => j !== i && isUnder(t, o)),
  )
}

/**
 * The steps of a root that keeps the node's (root.pl's `stay`), in folder `dir`: a tmpfs there
 * holds the layers of the /dev overlay, which is put together beside /dev (the node's mounts
 * under /dev bound back into it) and then moved over it; then the mount points under /dev, and
 * the container's mounts.
 */
function nodeRootSteps(dir: string, devs: readonly string[], mounts: readonly Mount[]): RootSetup["steps"] {
  const dev = join(dir, "root")
  const layers = `lowerdir=/dev,upperdir=${join(dir, "upper")},workdir=${join(dir, "work")}`
  const devLines = [
    fstabLine("k8ts-dev", dev, "overlay", layers),
    ...devs.map((m) => fstabLine(m, join(dev, m.slice("/dev/".length)), "none", "rbind")),
    fstabLine(dev, "/dev", "none", "move"),
  ]
  const points = mounts
    .filter((m) => !existsSync(m.containerPath))
    .map((m) => [isDir(m.hostPath) ? "d" : "f", m.containerPath] as const)
  const binds = mounts.map((m) =>
    fstabLine(m.hostPath, m.containerPath, "none", m.readOnly ? "rbind,ro" : "rbind"),
  )
  return [
    ["stay", ""],
    ["mount", fstabLine("k8ts-dev-layers", dir, "tmpfs", "mode=0755")],
    ["d", join(dir, "upper")],
    ["d", join(dir, "work")],
    ["d", dev],
    ["mount", devLines.join("")],
    ...points,
    ...(binds.length ? [["mount", binds.join("")] as const] : []),
  ]
}

/** The top-level folder of an absolute path (`/etc/config` → `etc`). */
function topOf(path: string): string {
  return path.split("/")[1] ?? ""
}

/**
 * `path` as the kernel reaches it on the node: the symlinks of its longest existing prefix
 * resolved (`/var/run/secrets` → `/run/secrets` where /var/run links to /run), so a mount point
 * is made in the folder it really lands in.
 */
export function resolvedPath(path: string): string {
  const rest: string[] = []
  let head = path
  while (head !== "/" && !existsSync(head)) {
    rest.unshift(basename(head))
    head = dirname(head)
  }
  try {
    return join(realpathSync(head), ...rest)
  } catch {
    return path
  }
}

/** Why a process without root cannot give containers their mounts. */
export function defaultMountCheck(): string | undefined {
  const uid = process.getuid?.()
  if (uid === 0) return undefined
  return `mounting needs root, and the process runtime runs as uid ${uid ?? "unknown"} (an unprivileged user namespace cannot overlay the node's root filesystem to make mount points)`
}

/** Private mount namespaces for loopback-mode containers. */
export class LoopbackMounts {
  readonly #root: string
  readonly #check: () => string | undefined
  readonly #tableMs: number
  readonly #mountinfo: string
  #why: { readonly value: string | undefined } | undefined
  #table: NodeTable | undefined
  /** The roots planned to keep the node's, with the full plan the launcher needs instead (it has no `stay`). */
  readonly #full = new WeakMap<RootSetup, () => RootSetup>()

  constructor(opts: LoopbackMountsOptions) {
    this.#root = opts.root
    this.#check = opts.check ?? defaultMountCheck
    this.#tableMs = opts.tableMs ?? 1000
    this.#mountinfo = opts.mountinfo ?? "/proc/self/mountinfo"
  }

  /**
   * The node's mount table, read again once older than tableMs: many containers start at once,
   * and the node's own mounts (under /dev, or beside its folders) change seldom.
   */
  #nodeTable(): NodeTable {
    const now = performance.now()
    if (!this.#table || now - this.#table.at >= this.#tableMs)
      this.#table = { at: now, dev: devMounts(this.#mountinfo) }
    return this.#table
  }

  /** Why containers cannot see their mounts (undefined: they can). Checked once. */
  unavailable(): string | undefined {
    this.#why ??= { value: this.#check() }
    return this.#why.value
  }

  /** Whether container `c` starts in a private mount namespace. */
  applies(c: ContainerConfig): boolean {
    return !!c.mounts?.length && this.unavailable() === undefined
  }

  /** The folder of container `id`'s private root in its pod's folder (rootFolders: what to make in it). */
  folder(podDir: string, id: string): string {
    return join(podDir, "containers", id)
  }

  /**
   * How container `c`'s private root in `dir` is set up, with `cwd` its working directory there;
   * the node's folders `made` are made before it is (they count as there).
   */
  setup(
    dir: string,
    c: ContainerConfig,
    cwd: string,
    made: readonly string[] = [],
    hostname?: string,
  ): RootSetup {
    const setup = this.#setup(dir, c, cwd, made)
    if (hostname === undefined) return setup
    // The pod's hostname, in a UTS namespace of the container's own, set up last.
    const uts = (s: RootSetup): RootSetup => ({ ...s, steps: [...s.steps, ["uts", hostname]] })
    const withHostname = uts(setup)
    const full = this.#full.get(setup)
    if (full) this.#full.set(withHostname, () => uts(full()))
    return withHostname
  }

  #setup(dir: string, c: ContainerConfig, cwd: string, made: readonly string[]): RootSetup {
    const ahead = new Set(made.map(resolvedPath))
    const exists = (p: string) => ahead.has(p) || existsSync(p)
    // The root is a copy of the node's, where paths resolve as they do on the node.
    const own = (c.mounts ?? []).map((m) => ({ ...m, containerPath: resolvedPath(m.containerPath) }))
    const full = () => {
      const mounts: (Mount & { node?: boolean })[] = [
        ...this.#nodeTree([...own.map((m) => m.containerPath), resolvedPath(cwd)], exists),
        ...own,
      ]
      return planRoot({ dir, cwd, proc: "host", mounts, devMounts: this.#nodeTable().dev })
    }
    const targets = own.map((m) => m.containerPath)
    if (!keepsNodeRoot(targets, resolvedPath(cwd), exists)) return full()
    const setup: RootSetup = { dir, cwd, steps: nodeRootSteps(dir, this.#nodeTable().dev, own) }
    this.#full.set(setup, full)
    return setup
  }

  /** The folders to make before container `setup` starts (its layers' when it overlays the node's root). */
  folders(setup: RootSetup): string[] {
    return this.#full.has(setup) ? [setup.dir] : rootFolders(setup.dir)
  }

  /** The command line that runs `argv` in its own mount namespace, in the root `setup` plans (the launcher's). */
  async launchArgv(setup: RootSetup, argv: readonly string[]): Promise<string[]> {
    const plan = this.#full.get(setup)
    if (plan) await prepareRoot(setup.dir)
    const full = plan ? plan() : setup
    const root = await launcherArgv(full, argv)
    const uts = full.steps.some(([kind]) => kind === "uts") ? ["--uts"] : []
    return ["unshare", "--mount", ...uts, "--propagation", "private", "--", ...root]
  }

  /**
   * The node's own folders and mounts, bound over the overlay root: every top-level folder but
   * those in which one of `paths` (missing on the node) must be made, and the node's mounts
   * inside those.
   */
  #nodeTree(paths: readonly string[], exists: (p: string) => boolean): (Mount & { node?: boolean })[] {
    const kept = new Set(paths.filter((p) => !exists(p)).map(topOf))
    const self = (p: string, node: boolean) => ({ hostPath: p, containerPath: p, readOnly: false, node })
    const back = readdirSync("/", { withFileTypes: true })
      .filter((e) => e.isDirectory() && !KERNEL.has(e.name) && !kept.has(e.name))
      .map((e) => self(`/${e.name}`, true))
    // The node's mounts matter only in the folders kept copy-on-write (most containers keep none).
    if (!kept.size) return back
    const table = this.#nodeTable()
    table.node ??= nodeMounts([this.#root], this.#mountinfo)
    const carried = table.node.filter((p) => kept.has(topOf(p)))
    return [...back, ...carried.map((p) => self(p, false))]
  }

  /**
   * The command line that runs `argv` in a running container's mount and UTS namespaces, root
   * and working directory. @throws Error before the container has set its root up
   */
  execArgv(dir: string, argv: readonly string[]): string[] {
    const pid = rootPid(dir)
    if (pid === undefined) throw new Error("the container has not started yet")
    return ["nsenter", "-t", String(pid), "--mount", "--uts", "--root", "--wd", "--", ...argv]
  }

  /** Resolves once the container's program runs in its root, or it exited. */
  ready(dir: string, exited: Promise<void>): Promise<void> {
    return rootReady(dir, exited)
  }

  /** Removes the container's folder. */
  remove(dir: string): Promise<void> {
    return removeRoot(dir)
  }
}
