/**
 * The node's mount table, as far as the process runtime needs it: which mount points lie under
 * a folder it owns (namespace files, a pod's shared memory, the sandbox mode's tmpfs of pod
 * folders), so it can unmount them, deepest first, before it deletes the folder; and which of
 * the node's mounts a container's private root carries over in the loopback mode.
 */
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"

/** Decodes mountinfo's octal escapes (`\040` for a space). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)))
}

/** One line of mountinfo: its mount ID, its parent's, its mount point and its type. */
interface MountEntry {
  readonly id: string
  readonly parent: string
  readonly target: string
  readonly fstype: string
}

function readMountinfo(mountinfo: string): MountEntry[] {
  const out: MountEntry[] = []
  for (const line of readFileSync(mountinfo, "utf8").split("\n")) {
    const f = line.split(" ")
    const target = f[4]
    if (!target) continue
    // Optional fields end at "-", after which come the type and the source.
    const fstype = f[f.indexOf("-", 6) + 1] ?? ""
    out.push({ id: f[0] ?? "", parent: f[1] ?? "", target: unescape(target), fstype })
  }
  return out
}

/**
 * The node's mounts that sit directly on its root mount (a recursive bind of each brings the
 * rest), except the kernel's /dev, /proc and /sys (a private root has its own), namespace files
 * and whatever lies under `skip` (folders whose mounts belong to other pods).
 */
export function nodeMounts(skip: readonly string[], mountinfo = "/proc/self/mountinfo"): string[] {
  const entries = readMountinfo(mountinfo)
  const root = entries.findLast((e) => e.target === "/")
  if (!root) return []
  const inside = (path: string, dir: string) =>
    path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`)
  const excluded = ["/dev", "/proc", "/sys", ...skip]
  const out = new Set<string>()
  for (const e of entries) {
    if (e.parent !== root.id || e.target === "/" || e.fstype === "nsfs") continue
    if (!excluded.some((dir) => inside(e.target, dir))) out.add(e.target)
  }
  return [...out].sort()
}

/**
 * The node's mounts under its /dev (e.g. /dev/pts, /dev/shm): the outermost ones, which a
 * recursive bind each brings with what lies below.
 */
export function devMounts(mountinfo = "/proc/self/mountinfo"): string[] {
  const under = new Set(
    readMountinfo(mountinfo)
      .map((e) => e.target)
      .filter((t) => t.startsWith("/dev/")),
  )
  const outer = (t: string) => ![...under].some((o) => o !== t && t.startsWith(`${o}/`))
  return [...under].filter(outer).sort()
}

/** Mount points at or under `dir` in this process's mount namespace, deepest first. */
export function mountsUnder(dir: string, mountinfo = "/proc/self/mountinfo"): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`
  const out = new Set<string>()
  for (const { target } of readMountinfo(mountinfo)) {
    if (target === dir || target.startsWith(prefix)) out.add(target)
  }
  return [...out].sort((a, b) => b.length - a.length)
}

/**
 * Mounts a tmpfs named `name` on `target` (mode 0755); false, with why, when it cannot.
 */
export function mountTmpfs(target: string, name: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("mount", ["-t", "tmpfs", "-o", "mode=0755", name, target], (err, _o, stderr) =>
      resolve(err ? stderr.trim() || String(err) : undefined),
    )
  })
}

/** Unmounts one mount point (lazily when busy, so a dead namespace never blocks cleanup). */
export function unmount(path: string): Promise<void> {
  return new Promise((resolve) => {
    execFile("umount", [path], (err) => {
      if (!err) return resolve()
      execFile("umount", ["-l", path], () => resolve())
    })
  })
}

/** Unmounts everything at or under `dir`: one umount for all, then one by one what is left. */
export async function unmountUnder(dir: string): Promise<void> {
  const first = mountsUnder(dir)
  if (!first.length) return
  await new Promise<void>((resolve) => execFile("umount", first, () => resolve()))
  for (let i = 0; i < 5; i++) {
    const points = mountsUnder(dir)
    if (!points.length) return
    for (const p of points) await unmount(p)
  }
}
