/**
 * The emptyDir volume: a directory under the pod's directory, world-writable as upstream makes
 * it, living as long as the pod. With medium Memory and a kubelet running as root it is a tmpfs
 * mounted there with size = sizeLimit (else the node's memory), as upstream mounts it; without
 * root it stays a plain directory (logged once per volume). sizeLimit is not enforced on disk.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs"
import { totalmem } from "node:os"
import type { EmptyDirVolumeSource } from "kubernetes-types/core/v1.js"
import { unitValue } from "../../api/index.ts"
import type { Logger } from "../../util/index.ts"

/** What setting up an emptyDir may use. */
export interface EmptyDirOptions {
  readonly log?: Logger
  /** The size of a memory-backed emptyDir without sizeLimit (default: the node's memory). */
  readonly nodeMemoryBytes?: number
  /** Whether this process may mount (default: running as root). */
  readonly canMount?: boolean
}

/** Decodes the octal escapes (`\040` for a space) of a /proc mountinfo path. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)))
}

/** The mount points of this process's mount namespace. */
export function mountPoints(): string[] {
  let text: string
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8")
  } catch {
    return [] // not Linux: nothing is ever mounted by us
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => unescapeMountPath(line.split(" ")[4] ?? ""))
}

function isRoot(): boolean {
  return process.getuid?.() === 0
}

/** The tmpfs size in bytes: sizeLimit when positive, else the node's memory. */
export function memoryVolumeSize(src: EmptyDirVolumeSource, nodeMemoryBytes = totalmem()): number {
  const limit = src.sizeLimit !== undefined ? unitValue(src.sizeLimit) : 0
  return limit > 0 ? limit : nodeMemoryBytes
}

/** Makes the emptyDir at `dir` (once: its contents survive container restarts). */
export function setUpEmptyDir(dir: string, src: EmptyDirVolumeSource = {}, opts: EmptyDirOptions = {}): void {
  const memory = src.medium === "Memory"
  if (memory && (opts.canMount ?? isRoot())) {
    if (mountPoints().includes(dir)) return
    mkdirSync(dir, { recursive: true })
    const size = memoryVolumeSize(src, opts.nodeMemoryBytes)
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" })
    chmodSync(dir, 0o777)
    return
  }
  if (existsSync(dir)) return
  if (memory) {
    opts.log?.info({ path: dir }, "emptyDir medium Memory without root: a plain directory, not a tmpfs")
  }
  mkdirSync(dir, { recursive: true })
  chmodSync(dir, 0o777)
}

/** Unmounts every mount at or below `dir` (deepest first), so the directory can be removed. */
export function unmountUnder(dir: string): void {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`
  const under = mountPoints()
    .filter((m) => m === dir || m.startsWith(prefix))
    .sort((a, b) => b.length - a.length)
  for (const m of under) execFileSync("umount", [m], { stdio: "pipe" })
}
