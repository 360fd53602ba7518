/**
 * The node's mount table, as far as the sandbox runtime needs it: which mount points lie under
 * a folder it owns (namespace files, a pod's shared memory), so it can unmount them, deepest
 * first, before it deletes the folder.
 */
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"

/** Decodes mountinfo's octal escapes (`\040` for a space). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)))
}

/** Mount points at or under `dir` in this process's mount namespace, deepest first. */
export function mountsUnder(dir: string, mountinfo = "/proc/self/mountinfo"): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`
  const out = new Set<string>()
  for (const line of readFileSync(mountinfo, "utf8").split("\n")) {
    const target = line.split(" ")[4]
    if (!target) continue
    const path = unescape(target)
    if (path === dir || path.startsWith(prefix)) out.add(path)
  }
  return [...out].sort((a, b) => b.length - a.length)
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
