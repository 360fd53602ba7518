/**
 * The mounts of a container's private root as fstab files (pure): a /proc, a copy-on-write
 * overlay of the node's /dev (mount points such as /dev/termination-log are made in the
 * container's own layer, never in the node's /dev) with the node's mounts under it bound back,
 * the node's /sys, the pod's /dev/shm and the container's own mounts, in as few `mount --all` passes as
 * their nesting allows (one for a usual container), with the mount points the launcher makes
 * before each pass. Paths are as the launcher sees them after pivot_root: the node's root is at
 * OLD_ROOT.
 */

/** Where the node's root is in the container's mount namespace between pivot_root and its unmount. */
export const OLD_ROOT = "/.oldroot"

/** One of the container's own mounts. */
export interface RootBind {
  readonly hostPath: string
  readonly containerPath: string
  readonly readOnly: boolean
  /** Whether the host path is a folder (its mount point is then a folder, otherwise a file). */
  readonly isDir: boolean
  /** Whether it binds the node's own folder at the same path (the mount points below it exist on the node). */
  readonly node?: boolean
}

/** The container's /dev: an overlay of the node's, whose layer folders are on the node. */
export interface RootDev {
  /** The overlay's upper and work folders (made beforehand). */
  readonly upper: string
  readonly work: string
  /** The node's mounts under /dev (e.g. /dev/pts), bound back over the overlay. */
  readonly mounts: readonly string[]
}

/** What a container's root is made of. */
export interface RootMountsInput {
  /** "own": a new proc (own PID namespace); "host": the node's /proc. */
  readonly proc: "own" | "host"
  /** The pod's shared memory folder on the node, bound at /dev/shm. */
  readonly shm?: string
  readonly dev: RootDev
  readonly binds: readonly RootBind[]
}

/** The launcher's steps: make a folder or a file (when missing), or mount a pass's fstab. */
export type RootStep =
  { readonly kind: "d" | "f"; readonly path: string } | { readonly kind: "mount"; readonly pass: number }

/** The fstab of each pass and the steps that make mount points and run the passes in order. */
export interface RootMountsPlan {
  readonly fstabs: readonly string[]
  readonly steps: readonly RootStep[]
}

interface Entry {
  readonly source: string
  readonly target: string
  readonly type: string
  readonly options: string
  readonly pass: number
  /** Whether the node's own folder is bound there (a mount point below it can be made on the node's side). */
  readonly nodeBind?: boolean
  /** The folder on the node where mount points below this overlay are made (its upper layer). */
  readonly upper?: string
}

/** A field of an fstab line: whitespace and backslashes as octal escapes, as libmount reads them. */
export function fstabField(s: string): string {
  return s.replace(/[\\\s]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`)
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`)
}

/** A bind of the node's `path` at the same path in the container's root. */
function nodeEntry(path: string, pass = 0): Entry {
  return { source: `${OLD_ROOT}${path}`, target: path, type: "none", options: "rbind", pass, nodeBind: true }
}

/** The mounts every container root has. */
function systemEntries(input: RootMountsInput): Entry[] {
  const proc =
    input.proc === "own"
      ? { source: "proc", target: "/proc", type: "proc", options: "defaults", pass: 0 }
      : { source: `${OLD_ROOT}/proc`, target: "/proc", type: "none", options: "rbind", pass: 0 }
  const { upper, work, mounts } = input.dev
  const layers = `lowerdir=${OLD_ROOT}/dev,upperdir=${OLD_ROOT}${upper},workdir=${OLD_ROOT}${work}`
  const dev = { source: "k8ts-dev", target: "/dev", type: "overlay", options: layers, pass: 0, upper }
  // The pod's own /dev/shm replaces the node's.
  const devMounts = mounts.filter((m) => !(input.shm && isUnder(m, "/dev/shm")))
  // /proc first: `mount --all` skips every entry while it cannot read /proc/self/mountinfo.
  return [
    proc,
    dev,
    ...devMounts.map((m) => nodeEntry(m)),
    nodeEntry("/sys"),
    ...(input.shm
      ? [{ source: `${OLD_ROOT}${input.shm}`, target: "/dev/shm", type: "none", options: "bind", pass: 0 }]
      : []),
  ]
}

/** Where the mount point of `target` is made, and in which pass it is mounted, given the mounts before it. */
function placeOf(entries: readonly Entry[], target: string): { path: string; pass: number } {
  const outer = entries.filter((e) => isUnder(target, e.target)).pop()
  if (!outer) return { path: target, pass: 0 }
  if (outer.target !== target) {
    // Below the /dev overlay: made in its upper layer, on the node's side, before any pass.
    if (outer.upper) return { path: `${OLD_ROOT}${outer.upper}${target.slice(outer.target.length)}`, pass: 0 }
    // Below the node's own folder (/sys, or the node's tree): the mount point is the node's.
    if (outer.nodeBind) return { path: `${OLD_ROOT}${target}`, pass: outer.pass }
  }
  return { path: target, pass: outer.pass + 1 }
}

/**
 * Plans a container's root mounts. A bind goes in the first pass unless its mount point lies
 * inside an earlier mount that is not the node's own folder at the same path; then it goes in
 * the pass after that mount's, and its mount point is made once that one is mounted.
 */
export function planRootMounts(input: RootMountsInput): RootMountsPlan {
  const entries = systemEntries(input)
  const steps: RootStep[] = []
  const made: RootStep[][] = [[]]
  for (const b of input.binds) {
    const target = b.containerPath
    const { path, pass } = placeOf(entries, target)
    const options = b.readOnly ? "rbind,ro" : "rbind"
    const source = `${OLD_ROOT}${b.hostPath}`
    entries.push({ source, target, type: "none", options, pass, ...(b.node ? { nodeBind: true } : {}) })
    ;(made[pass] ??= []).push({ kind: b.isDir ? "d" : "f", path })
  }
  const passes = Math.max(...entries.map((e) => e.pass)) + 1
  const fstabs: string[] = []
  for (let pass = 0; pass < passes; pass++) {
    const lines = entries
      .filter((e) => e.pass === pass)
      .map((e) => `${fstabField(e.source)} ${fstabField(e.target)} ${e.type} ${e.options} 0 0\n`)
    fstabs.push(lines.join(""))
    steps.push(...(made[pass] ?? []), { kind: "mount", pass })
  }
  return { fstabs, steps }
}
