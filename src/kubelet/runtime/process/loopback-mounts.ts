/**
 * Mounts in the process runtime's loopback mode. The containers run on the node (its network,
 * PIDs and files), so a volume has nowhere to appear but the node's own tree; as root, each
 * container that has mounts gets a private mount namespace instead, whose root is a
 * copy-on-write overlay of the node's (sandbox/container-root.ts: mount points and writes to
 * the root filesystem land in the container's folder) with the node's other mounts carried
 * over and the container's mounts bound at their containerPath. Without root there is no such
 * namespace (an unprivileged user namespace cannot overlay the node's root here), and
 * `unavailable` says why, for the kubelet to tell.
 */
import { join } from "node:path"
import type { ContainerConfig } from "../runtime.ts"
import { prepareRoot, removeRoot, rootLaunchArgv, rootPid, rootReady } from "./sandbox/container-root.ts"
import { nodeMounts } from "./sandbox/mounts.ts"

/** Options of LoopbackMounts. */
export interface LoopbackMountsOptions {
  /** The runtime's root (its pods' mounts are not carried into containers). */
  readonly root: string
  /** Why this process cannot mount (undefined: it can); default: it can as root. */
  readonly check?: () => string | undefined
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
  #why: { readonly value: string | undefined } | undefined

  constructor(opts: LoopbackMountsOptions) {
    this.#root = opts.root
    this.#check = opts.check ?? defaultMountCheck
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

  /** Makes the folder of container `id`'s private root in its pod's folder; returns it. */
  prepare(podDir: string, id: string): string {
    const dir = join(podDir, "containers", id)
    prepareRoot(dir)
    return dir
  }

  /** The command line that runs `argv` as container `c` in its own mount namespace. */
  launchArgv(dir: string, c: ContainerConfig, cwd: string, argv: readonly string[]): string[] {
    const carried = nodeMounts([this.#root]).map((p) => ({ hostPath: p, containerPath: p, readOnly: false }))
    const mounts = [...carried, ...(c.mounts ?? [])]
    const root = rootLaunchArgv({ dir, proc: "host", cwd, mounts }, argv)
    return ["unshare", "--mount", "--propagation", "private", "--", ...root]
  }

  /**
   * The command line that runs `argv` in a running container's mount namespace, root and
   * working directory. @throws Error before the container has set its root up
   */
  execArgv(dir: string, argv: readonly string[]): string[] {
    const pid = rootPid(dir)
    if (pid === undefined) throw new Error("the container has not started yet")
    return ["nsenter", "-t", String(pid), "--mount", "--root", "--wd", "--", ...argv]
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
