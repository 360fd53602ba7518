/**
 * A container's private root, as launcher.sh's `root` phase makes it: a folder with the layers
 * of a copy-on-write overlay of the node's root and of its /dev (writes and mount points land in
 * their upper layers, never on the node), the fstab files of its mounts (root-mounts.ts), and a
 * PID file written once the program runs. In the sandbox mode the folder is in memory and the
 * root's writable layer is on the node's disk, linked from it (rootLayout). Both modes of the process runtime use it: sandboxes
 * (with their own /proc and /dev/shm) and the loopback mode (the node's /proc and other mounts).
 */
import { existsSync, readFileSync, statSync } from "node:fs"
import { mkdir, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Mount } from "../../runtime.ts"
import { devMounts, unmountUnder } from "./mounts.ts"
import { planRootMounts } from "./root-mounts.ts"
import type { SetupStep } from "./setup-steps.ts"

/** The launcher script (`join` and `root` phases). */
export const LAUNCHER = fileURLToPath(new URL("./launcher.sh", import.meta.url))

/** How launcher.sh sets a private root up. */
export interface RootLaunch {
  /** The container's folder (made by prepareRoot). */
  readonly dir: string
  /** A /proc of the container's own PID namespace, or the node's. */
  readonly proc: "own" | "host"
  /** The pod's /dev/shm to bind there (absent: the node's). */
  readonly shm?: string
  /** The working directory inside the root (made when missing). */
  readonly cwd: string
  /** cgroup.procs files the launcher writes itself into. */
  readonly cgroups?: readonly string[]
  /** Bound in this order (a later mount may cover an earlier one); `node`: the node's own folder at the same path. */
  readonly mounts: readonly (Mount & { readonly node?: boolean })[]
  /** The node's mounts under /dev, carried into the root's /dev (absent: read from the mount table). */
  readonly devMounts?: readonly string[]
}

/** The pod a sandboxed container's process joins before its root is set up. */
export interface PodEnter {
  /** The nsfs files it joins: the pod's mount, network, IPC and UTS namespaces, and its PID namespace when shared. */
  readonly namespaces: readonly string[]
  /**
   * "own": a PID namespace of its own (its PID 1 runs the program as its child); "fork": the
   * pod's, among the namespaces (a child enters it); "-": the node's.
   */
  readonly pid: "own" | "fork" | "-"
}

/** The folders of a container's private root in `dir` (the overlays' layers and mount point). */
export function rootFolders(dir: string): string[] {
  const dirs = ["upper/.oldroot", "work", "root", "dev/upper", "dev/work"]
  return dirs.map((d) => join(dir, d))
}

/**
 * The folders of a container's private root in `dir` whose writable layer lives in `layers`, on
 * another file system (the node's disk, `dir` being in memory): `dir`'s upper and work are links
 * there (made by the steps, after the folders).
 */
export function rootLayout(dir: string, layers: string): { dirs: string[]; steps: SetupStep[] } {
  const dirs = ["root", "dev/upper", "dev/work"].map((d) => join(dir, d))
  dirs.push(join(layers, "upper", ".oldroot"), join(layers, "work"))
  const steps = ["upper", "work"].map((d) => ({ link: join(dir, d), target: join(layers, d) }))
  return { dirs, steps }
}

/** Makes the folders of a container's private root in `dir`. */
export async function prepareRoot(dir: string): Promise<void> {
  // Off the event loop, side by side: many containers start at once.
  await mkdir(join(dir, "upper", ".oldroot"), { recursive: true })
  await Promise.all([
    mkdir(join(dir, "work")),
    mkdir(join(dir, "root")),
    mkdir(join(dir, "dev", "upper"), { recursive: true }).then(() => mkdir(join(dir, "dev", "work"))),
  ])
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** A private root, planned: its folder, working directory, cgroups and the launcher's steps. */
export interface RootSetup {
  readonly dir: string
  readonly cwd: string
  readonly cgroups?: readonly string[]
  /**
   * `d`/`f` and a mount point to make, or `mount` and the fstab text of one pass; a first `stay`
   * (root.pl only, not the launcher) keeps the node's root: no overlay of it, no pivot_root;
   * `uts` and a hostname: a UTS namespace of the container's own with that hostname (loopback
   * mode; the launcher is then started in a new UTS namespace).
   */
  readonly steps: readonly (readonly [kind: "d" | "f" | "mount" | "stay" | "uts", arg: string])[]
}

/** Plans a private root's set-up (it reads which of the mounts' host paths are folders). */
export function planRoot(l: RootLaunch): RootSetup {
  const plan = planRootMounts({
    proc: l.proc,
    ...(l.shm ? { shm: l.shm } : {}),
    dev: {
      upper: join(l.dir, "dev", "upper"),
      work: join(l.dir, "dev", "work"),
      mounts: l.devMounts ?? devMounts(),
    },
    binds: l.mounts.map((m) => ({ ...m, isDir: m.node || isDir(m.hostPath) })),
  })
  const steps = plan.steps.map((s) =>
    s.kind === "mount" ? (["mount", plan.fstabs[s.pass] ?? ""] as const) : ([s.kind, s.path] as const),
  )
  return { dir: l.dir, cwd: l.cwd, ...(l.cgroups ? { cgroups: l.cgroups } : {}), steps }
}

/**
 * The launcher's command line that sets a planned root up and then runs `argv` (run it in a
 * fresh mount namespace); writes the fstab files of its mount passes to the container's folder.
 */
export async function launcherArgv(r: RootSetup, argv: readonly string[]): Promise<string[]> {
  let pass = 0
  const steps: string[] = []
  const writes: Promise<void>[] = []
  for (const [kind, arg] of r.steps) {
    if (kind !== "mount") {
      steps.push(kind, arg)
      continue
    }
    const fstab = join(r.dir, `fstab.${pass++}`)
    writes.push(writeFile(fstab, arg))
    steps.push("mount", fstab)
  }
  await Promise.all(writes)
  const head = ["/bin/sh", LAUNCHER, "root", r.dir, r.cwd, ...(r.cgroups ?? [])]
  return [...head, "--", ...steps, "--", ...argv]
}

/**
 * The launcher's command line that sets the root up and then runs `argv` (run it in a fresh
 * mount namespace); writes the fstab files of its mount passes to the container's folder.
 */
export function rootLaunchArgv(l: RootLaunch, argv: readonly string[]): Promise<string[]> {
  return launcherArgv(planRoot(l), argv)
}

/** The node PID of the launched program (its PID 1 with a PID namespace of its own), once set up. */
export function rootPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, "pid"), "utf8").trim())
    return pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Resolves once the launcher has set the root up and runs the program, or it exited. */
export async function rootReady(dir: string, exited: Promise<void>): Promise<void> {
  let gone = false
  void exited.then(() => (gone = true))
  for (let wait = 1; !gone && rootPid(dir) === undefined; wait = Math.min(wait * 2, 20)) {
    await new Promise((r) => setTimeout(r, wait))
  }
}

/** Removes a container's folder (and whatever is still mounted under it). */
export async function removeRoot(dir: string): Promise<void> {
  if (!existsSync(dir)) return
  await unmountUnder(dir)
  await rm(dir, { recursive: true, force: true })
}
