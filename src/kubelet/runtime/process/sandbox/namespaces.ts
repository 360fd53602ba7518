/**
 * A pod's namespaces: persistent network, IPC and UTS namespace files (bind mounts of nsfs,
 * made with util-linux unshare) that the pod's containers join, the pod's hostname set in its
 * UTS namespace, and, for shareProcessNamespace, a holder process whose PID namespace all the
 * pod's containers enter. Host namespaces (hostNetwork, hostIPC) are simply not created. One
 * process makes them all and, inside them, sets the hostname, mounts the pod's /dev/shm and runs
 * the pod network's `ip` commands.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { unmountUnder } from "./mounts.ts"

/** The namespace files of a pod; an absent one means the node's own. */
export interface PodNamespaces {
  readonly net?: string
  readonly ipc?: string
  readonly uts?: string
  /** A process whose children's PID namespace is the pod's (shareProcessNamespace). */
  readonly pidHolder?: number
}

/** What a pod's namespaces are made for. */
export interface PodNamespaceSpec {
  readonly hostname: string
  readonly hostNetwork?: boolean
  readonly hostIPC?: boolean
  readonly sharePid?: boolean
  /** What the PID holder's command line starts with (e.g. joining the pod's cgroup). */
  readonly holderPrefix?: readonly string[]
  /** An existing folder to mount the pod's shared memory (a tmpfs) on. */
  readonly shm?: string
  /** `ip -batch` lines run in the new network namespace (the pod side of its attachment). */
  readonly ipBatch?: readonly string[]
}

/**
 * What runs inside the new namespaces (still in the node's mount namespace): "$1" the hostname
 * or -, "$2" the shm folder or -, "$3" "ip" to run `ip -batch -` on stdin last.
 */
const SETUP = [
  "set -e",
  '[ "$1" = - ] || printf %s "$1" >/proc/sys/kernel/hostname',
  '[ "$2" = - ] || mount -t tmpfs -o mode=1777,size=67108864,nosuid,nodev shm "$2"',
  '[ "$3" = - ] || exec ip -batch -',
].join("\n")

function run(file: string, args: readonly string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, (err, _out, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(" ")}: ${String(stderr).trim() || err.message}`))
      else resolve()
    })
    child.stdin?.on("error", () => {}) // an early exit: its status tells
    child.stdin?.end(input)
  })
}

/** Starts the process holding a pod's PID namespace: `sleep infinity` as its PID 1. */
function startPidHolder(ns: PodNamespaces, prefix: readonly string[]): ChildProcess {
  const enter = [
    ...(ns.net ? [`--net=${ns.net}`] : []),
    ...(ns.ipc ? [`--ipc=${ns.ipc}`] : []),
    ...(ns.uts ? [`--uts=${ns.uts}`] : []),
  ]
  const argv = [...prefix, ...(enter.length ? ["nsenter", ...enter, "--"] : []), "unshare", "--pid"]
  argv.push("--fork", "--kill-child", "sleep", "infinity")
  const child = spawn(argv[0] as string, argv.slice(1), { detached: true, stdio: "ignore" })
  child.unref()
  return child
}

/**
 * Creates a pod's namespaces in `dir` (files net, ipc, uts) and sets its hostname.
 * @throws Error when unshare fails
 */
export async function createPodNamespaces(dir: string, spec: PodNamespaceSpec): Promise<PodNamespaces> {
  mkdirSync(dir, { recursive: true })
  const files: { net?: string; ipc?: string; uts?: string } = {}
  if (!spec.hostNetwork) {
    files.net = join(dir, "net")
    files.uts = join(dir, "uts")
  }
  if (!spec.hostIPC) files.ipc = join(dir, "ipc")
  const flags: string[] = []
  for (const [kind, file] of Object.entries(files)) {
    writeFileSync(file, "") // the bind mount's target must exist
    flags.push(`--${kind}=${file}`)
  }
  const ip = files.net && spec.ipBatch?.length ? spec.ipBatch : undefined
  if (flags.length || spec.shm) {
    // Without a network namespace of its own, lo is the node's: the pod network's attach brings the pod's up.
    const args = [files.uts ? spec.hostname : "-", spec.shm ?? "-", ip ? "ip" : "-"]
    const input = ip ? ip.join("\n") + "\n" : ""
    await run("unshare", [...flags, "--", "/bin/sh", "-c", SETUP, "sh", ...args], input)
  }
  if (!spec.sharePid) return files
  const holder = startPidHolder(files, spec.holderPrefix ?? [])
  await new Promise<void>((resolve, reject) => {
    holder.once("spawn", () => resolve())
    holder.once("error", reject)
  })
  await holderReady(holder.pid as number)
  return { ...files, pidHolder: holder.pid as number }
}

/**
 * Waits until the holder (after its launcher and nsenter have exec'd unshare) has forked its
 * `sleep`, PID 1 of the new namespace: a container entering earlier would become PID 1 itself.
 * @throws Error when that takes more than 5 s
 */
async function holderReady(pid: number): Promise<void> {
  for (let i = 0; i < 2500; i++) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8") === "unshare\n") {
        if (readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim()) return
      }
    } catch {
      throw new Error("the pod's PID namespace holder exited")
    }
    await new Promise((r) => setTimeout(r, 2))
  }
  throw new Error("the pod's PID namespace holder did not start")
}

/** The nsfs file of the holder's PID namespace (the one its children run in). */
export function pidNamespaceOf(holder: number): string {
  return `/proc/${holder}/ns/pid_for_children`
}

/** Stops the PID holder, unmounts the namespace files and deletes `dir`. */
export async function removePodNamespaces(dir: string, ns: PodNamespaces | undefined): Promise<void> {
  if (ns?.pidHolder) {
    try {
      process.kill(-ns.pidHolder, "SIGKILL")
    } catch {
      // already gone
    }
  }
  await unmountUnder(dir)
  rmSync(dir, { recursive: true, force: true })
}
