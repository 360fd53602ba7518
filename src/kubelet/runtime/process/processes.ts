/**
 * Process helpers of the process runtime: a container's environment, signals to groups, and
 * what /proc tells about a process (its environment, for containers of older runs).
 */
import { readFileSync, statSync } from "node:fs"
import { userInfo } from "node:os"
import type { ContainerConfig } from "../runtime.ts"

let home: string | undefined

/**
 * The HOME runc gives a container whose image and spec set none: its user's home in the passwd
 * file ("/root" for root), "/" when the user has no entry. Containers run as this process's user.
 */
export function defaultHome(): string {
  if (home === undefined) {
    try {
      home = userInfo().homedir || "/"
    } catch {
      home = "/"
    }
  }
  return home
}

/** A container's environment: PATH and HOME, the image's, the pod's, and the loopback pod address. */
export function containerEnv(
  c: ContainerConfig,
  imageEnv: Readonly<Record<string, string>> | undefined,
  podIP: string | undefined,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: defaultHome(),
    ...imageEnv,
    ...c.env,
    ...(podIP ? { K8TS_POD_IP: podIP } : {}),
  }
}

/** Signals a process group, if it still exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

/** A running process's environment (for exec), from /proc. */
export function readEnv(pid: number): Record<string, string> {
  try {
    if (!statSync(`/proc/${pid}/environ`).isFile()) return {}
    const out: Record<string, string> = {}
    for (const kv of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
      const eq = kv.indexOf("=")
      if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1)
    }
    return out
  } catch {
    return {}
  }
}
