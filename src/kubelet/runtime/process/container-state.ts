/**
 * The process runtime's state files, what lets a restarted kubelet adopt the containers a
 * previous run started: one JSON file per container (`state/<id>.json`: its info, its PID and
 * its shim's, each with its start time, so a reused PID is never taken for it) next to the exit
 * file its shim writes (`state/<id>.exit`), and one per loopback sandbox (`sandboxes/<id>.json`)
 * or pod sandbox (`pods/<uid>/sandbox.json`, in the sandbox mode's tmpfs: its namespaces' holder,
 * with its start, and its network attachment).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { rename, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { ContainerInfo } from "../runtime.ts"
import type { ContainerIsolation, PodIsolation } from "./sandbox/pod-sandbox.ts"

/** What a container's state file holds. */
export interface ContainerState {
  readonly info: ContainerInfo
  /** The container's main process and its start (clock ticks since boot). */
  readonly pid: number
  readonly bootTicks: string
  /** The shim that waits for it, and its start. */
  readonly shimPid: number
  readonly shimTicks: string
  readonly cwd: string
  /** The environment it was started with, which an exec in it gets (absent in older state files). */
  readonly env?: Readonly<Record<string, string>>
  readonly tty: boolean
  readonly stdinOnce: boolean
  /** The FIFO its stdin reads from (stdin or tty containers). */
  readonly stdinPath?: string
  /** The folder of its private root (loopback mode, with mounts). */
  readonly privateRoot?: string
  /** Its cgroup, folders and PID namespace (sandbox mode). */
  readonly iso?: ContainerIsolation
}

/** What a loopback sandbox's state file holds. */
export interface SandboxState {
  readonly id: string
  readonly podUid: string
  readonly ip: string
  readonly dir: string
  /** Its address's offset in the pod range. */
  readonly offset: number
  /** Loopback mode: the hostname of its containers' UTS namespaces (none with hostNetwork). */
  readonly hostname?: string
  /** Sandbox mode: the pod's namespaces, folders and attachment. */
  readonly pod?: PodIsolation
  /** Sandbox mode: the start of the holder of its namespaces (a reused PID is not it). */
  readonly holderTicks?: string
}

/** Where a container's files are. */
export interface ContainerFiles {
  readonly state: string
  readonly exit: string
  readonly stdin: string
}

/** The files of container `id` under the runtime's root. */
export function containerFiles(root: string, id: string): ContainerFiles {
  const dir = join(root, "state")
  return { state: join(dir, `${id}.json`), exit: join(dir, `${id}.exit`), stdin: join(dir, `${id}.stdin`) }
}

/**
 * Writes a file whole (a crash leaves the old content or the new, never half), off the event
 * loop: many containers start at once.
 */
async function writeWhole(path: string, data: unknown): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(data))
  await rename(`${path}.tmp`, path)
}

/** Records a container. */
export function saveContainer(root: string, s: ContainerState): Promise<void> {
  return writeWhole(containerFiles(root, s.info.id).state, s)
}

/** Records a loopback sandbox (or, with `pod`, a pod sandbox, in its folder). */
export function saveSandbox(root: string, s: SandboxState): Promise<void> {
  return writeWhole(s.pod ? join(s.dir, "sandbox.json") : join(root, "sandboxes", `${s.id}.json`), s)
}

/** Removes files, off the event loop; what cannot be removed is left. */
async function removeAll(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true }).catch(() => undefined)))
}

/** Forgets a loopback sandbox. */
export function dropSandbox(root: string, id: string): Promise<void> {
  return removeAll([join(root, "sandboxes", `${id}.json`)])
}

/** Forgets a container: its state, exit file and stdin FIFO. */
export function dropContainer(root: string, id: string): Promise<void> {
  const f = containerFiles(root, id)
  return removeAll([f.state, f.exit, `${f.exit}.tmp`, f.stdin])
}

/** Whether `pid` is still the process that started at `ticks` (not a reused PID, not a zombie). */
export function sameProcess(pid: number | undefined, ticks: string | undefined): boolean {
  if (!pid || !ticks) return false
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return fields[0] !== "Z" && fields[19] === ticks
  } catch {
    return false
  }
}

/** The exit code the shim wrote, and when; undefined while there is none. */
export function readExit(exitFile: string): { code: number; at: number } | undefined {
  try {
    const text = readFileSync(exitFile, "utf8").trim()
    const code = Number.parseInt(text, 10)
    if (!/^\d+$/.test(text) || !Number.isFinite(code)) return undefined
    return { code, at: statSync(exitFile).mtimeMs }
  } catch {
    return undefined
  }
}

function readJson<T>(dir: string, onError: (file: string, err: unknown) => void): T[] {
  const out: T[] = []
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".json")) continue
    try {
      out.push(JSON.parse(readFileSync(join(dir, f), "utf8")) as T)
    } catch (err) {
      onError(f, err)
      rmSync(join(dir, f), { force: true })
    }
  }
  return out
}

/** Every container state file under the runtime's root (unreadable ones are removed). */
export function listContainers(
  root: string,
  onError: (file: string, err: unknown) => void,
): ContainerState[] {
  return readJson<ContainerState>(join(root, "state"), onError)
}

/** Every loopback sandbox state file under the runtime's root (unreadable ones are removed). */
export function listSandboxes(root: string, onError: (file: string, err: unknown) => void): SandboxState[] {
  return readJson<SandboxState>(join(root, "sandboxes"), onError)
}

/** Every pod sandbox state file in the pods' folders under the runtime's root (sandbox mode). */
export function listPodSandboxes(
  root: string,
  onError: (file: string, err: unknown) => void,
): SandboxState[] {
  const out: SandboxState[] = []
  const pods = join(root, "pods")
  for (const d of existsSync(pods) ? readdirSync(pods) : []) {
    const file = join(pods, d, "sandbox.json")
    if (!existsSync(file)) continue
    try {
      out.push(JSON.parse(readFileSync(file, "utf8")) as SandboxState)
    } catch (err) {
      onError(file, err)
    }
  }
  return out
}

/** Kills a container a previous run left, and its shim, when they are still the same processes. */
export function killLeftover(s: Partial<ContainerState>): boolean {
  let killed = false
  for (const [pid, ticks] of [
    [s.pid, s.bootTicks],
    [s.shimPid, s.shimTicks],
  ] as const) {
    if (!sameProcess(pid, ticks)) continue
    try {
      process.kill(-(pid as number), "SIGKILL")
      killed = true
    } catch {
      // already gone
    }
  }
  return killed
}
