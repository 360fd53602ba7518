/**
 * A pod's namespaces, held by one process of its own (the pod's "pause"): network, IPC and UTS
 * namespaces that the pod's containers join, and a mount namespace (a copy of the node's) that
 * they copy theirs from, holding the pod's /dev/shm, so the node's own mount table gains nothing
 * per pod and a container's copy stays small however many pods run. The holder sets the pod's
 * hostname and sets the pod side of its network up inside before it sleeps; the runtime's
 * spawner (spawner.ts) forks it, or else it is `unshare` running `sh`. For
 * shareProcessNamespace a second holder's PID namespace is the one all the pod's containers
 * enter. Host namespaces (hostNetwork, hostIPC) are simply not created.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync, rmSync } from "node:fs"
import type { PodNetworkSetup } from "../../../../network/index.ts"
import { type HolderRequest, SpawnerUnavailable } from "../spawner.ts"
import { unmountUnder } from "./mounts.ts"
import { runSteps, type SetupStep } from "./setup-steps.ts"

/** The namespaces of a pod as nsfs paths (of its holder); an absent one means the node's own. */
export interface PodNamespaces {
  /** The process holding them (killing it ends them once no container is left). */
  readonly holder?: number
  readonly mnt?: string
  readonly net?: string
  readonly ipc?: string
  readonly uts?: string
  /** A process whose children's PID namespace is the pod's (shareProcessNamespace). */
  readonly pidHolder?: number
}

/** What a pod's namespaces are made for. */
export interface PodNamespaceSpec {
  readonly hostname: string
  /** What is set up first, before the holder joins the pod's cgroup (by the holder when the server forks it). */
  readonly setup?: readonly SetupStep[]
  readonly hostNetwork?: boolean
  readonly hostIPC?: boolean
  readonly sharePid?: boolean
  /** The cgroup.procs files the holders write their PID to (the pod's cgroup) before anything else. */
  readonly holderCgroups?: readonly string[]
  /** What the PID holder's command line starts with (joining those cgroups). */
  readonly holderPrefix?: readonly string[]
  /** An existing folder to mount the pod's shared memory (a tmpfs) on, in the pod's mount namespace. */
  readonly shm?: string
  /** The pod side of its network given its namespace's path, run inside it. */
  readonly network?: (netnsPath: string) => Promise<PodNetworkSetup>
  /** Forks the holder (no program spawned for it); without one, or where it cannot run, `unshare` and `sh` do. */
  readonly server?: HolderServer
}

/** What forks holders: the runtime's spawner (spawner.ts). */
export interface HolderServer {
  /** @throws SpawnerUnavailable when it cannot take the request */
  startHolder(req: HolderRequest): Promise<number>
}

/**
 * What the holder runs in its new namespaces: "$1" the hostname or -, "$2" the shm folder or -,
 * "$3" "ip" to run `ip -batch -` on stdin, then cgroup.procs files to join first; then it says
 * so and sleeps, its pipes closed.
 */
const SETUP = [
  "set -e",
  "host=$1 shm=$2 ip=$3",
  "shift 3",
  'for procs do echo $$ >"$procs"; done',
  '[ "$host" = - ] || printf %s "$host" >/proc/sys/kernel/hostname',
  '[ "$shm" = - ] || mount -t tmpfs -o mode=1777,size=67108864,nosuid,nodev shm "$shm"',
  '[ "$ip" = - ] || ip -batch -',
  "echo ready",
  "exec sleep infinity </dev/null >/dev/null 2>&1",
].join("\n")

/** Kills a holder and its process group. */
function kill(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL")
  } catch {
    // already gone
  }
}

/** Resolves once the holder has said "ready"; rejects with its stderr when it exits first. */
function holderUp(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = ""
    let err = ""
    child.stderr?.on("data", (b: Buffer) => (err += b.toString()))
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString()
      if (out.includes("ready\n")) resolve()
    })
    child.once("error", reject)
    child.once("exit", (code, signal) =>
      reject(new Error(`the pod's namespaces: ${err.trim() || `holder exited (${code ?? signal})`}`)),
    )
  })
}

/** The namespaces a holder with PID `pid` holds, as nsfs paths. */
function nsOf(pid: number, kinds: readonly string[]): PodNamespaces {
  const path = (k: string) => `/proc/${pid}/ns/${k}`
  const ns: PodNamespaces = { holder: pid, mnt: path("mnt") }
  for (const k of kinds) Object.assign(ns, { [k]: path(k) })
  return ns
}

/** Starts the holder through the holder server; undefined when the server cannot run here. */
async function serverHolder(
  server: HolderServer,
  spec: PodNamespaceSpec,
  kinds: readonly string[],
): Promise<PodNamespaces | undefined> {
  const network = spec.network && kinds.includes("net") ? spec.network : undefined
  try {
    const pid = await server.startHolder({
      steps: spec.setup ?? [],
      kinds,
      hostname: spec.hostname,
      ...(spec.shm ? { shm: spec.shm } : {}),
      cgroups: spec.holderCgroups ?? [],
      ...(network ? { podNetwork: (p: number) => network(`/proc/${p}/ns/net`) } : {}),
    })
    return nsOf(pid, kinds)
  } catch (err) {
    if (err instanceof SpawnerUnavailable) return undefined
    throw new Error(`the pod's namespaces: ${(err as Error).message}`)
  }
}

/** Starts the holder of the pod's namespaces and mount namespace; returns it with its nsfs paths. */
async function startHolder(spec: PodNamespaceSpec, kinds: readonly string[]): Promise<PodNamespaces> {
  const served = spec.server && (await serverHolder(spec.server, spec, kinds))
  if (served) return served
  runSteps(spec.setup ?? [])
  const flags = ["--mount", "--propagation", "private", ...kinds.map((k) => `--${k}`)]
  const args = [kinds.includes("uts") ? spec.hostname : "-", spec.shm ?? "-"]
  const ip = spec.network && kinds.includes("net") ? "ip" : "-"
  const inner = [...args, ip, ...(spec.holderCgroups ?? [])]
  const child = spawn("unshare", [...flags, "--", "/bin/sh", "-c", SETUP, "sh", ...inner], {
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  })
  child.stdin?.on("error", () => {}) // an early exit: its status tells
  const up = holderUp(child)
  const pid = child.pid
  try {
    if (pid === undefined) throw await up.then(() => new Error("the pod's namespaces: no holder"))
    const ns = nsOf(pid, kinds)
    const lines = spec.network && ns.net ? (await spec.network(ns.net)).ipBatch : []
    child.stdin?.end(lines.length ? lines.join("\n") + "\n" : "")
    await up
    return ns
  } catch (err) {
    if (pid !== undefined) kill(pid)
    throw err
  } finally {
    child.removeAllListeners("exit")
    child.stdout?.destroy()
    child.stderr?.destroy()
    child.unref()
  }
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
 * Creates a pod's namespaces, held by a process of its own, and sets them up.
 * @throws Error when that fails (nothing is left then)
 */
export async function createPodNamespaces(spec: PodNamespaceSpec): Promise<PodNamespaces> {
  const kinds = [...(spec.hostNetwork ? [] : ["net", "uts"]), ...(spec.hostIPC ? [] : ["ipc"])]
  // All the node's: the containers start from the node's mount namespace, as plain processes do.
  const held = kinds.length > 0 || !!spec.shm
  if (!held) runSteps(spec.setup ?? [])
  const ns = held ? await startHolder(spec, kinds) : {}
  if (!spec.sharePid) return ns
  const holder = startPidHolder(ns, spec.holderPrefix ?? [])
  try {
    await new Promise<void>((resolve, reject) => {
      holder.once("spawn", () => resolve())
      holder.once("error", reject)
    })
    await holderReady(holder.pid as number)
  } catch (err) {
    if (ns.holder) kill(ns.holder)
    if (holder.pid) kill(holder.pid)
    throw err
  }
  return { ...ns, pidHolder: holder.pid as number }
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

/** Stops the holders (the namespaces go with the last container), unmounts what is left in `dir` and deletes it. */
export async function removePodNamespaces(dir: string, ns: PodNamespaces | undefined): Promise<void> {
  if (ns?.pidHolder) kill(ns.pidHolder)
  if (ns?.holder) kill(ns.holder)
  await unmountUnder(dir)
  rmSync(dir, { recursive: true, force: true })
}
