/**
 * The emptyDir volume: a directory under the pod's directory, world-writable as upstream makes
 * it, living as long as the pod. medium Memory is a plain directory too (no tmpfs), and
 * sizeLimit is not enforced.
 */
import { chmodSync, existsSync, mkdirSync } from "node:fs"

/** Makes the emptyDir at `dir` (once: its contents survive container restarts). */
export function setUpEmptyDir(dir: string): void {
  if (existsSync(dir)) return
  mkdirSync(dir, { recursive: true })
  chmodSync(dir, 0o777)
}
