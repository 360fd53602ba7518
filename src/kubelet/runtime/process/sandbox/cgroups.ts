/**
 * Cgroups of sandboxed pods and their containers: one folder per pod and one per container
 * under a k8ts-owned parent, on cgroup v1 (the memory, cpu, cpuacct and pids hierarchies) or on
 * a pure cgroup v2 host (one unified tree). Limits are written before a process joins; the
 * launcher writes its own PID into `procsFiles` before it execs the container's program.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync } from "node:fs"
import { join } from "node:path"
import type { ContainerUsage, ResourceLimits } from "../../runtime.ts"
import { runSteps, type SetupStep } from "./setup-steps.ts"

/** The v1 controllers k8ts uses. */
const V1_CONTROLLERS = ["memory", "cpu", "cpuacct", "pids"] as const

/** The v2 controllers k8ts enables. */
const V2_CONTROLLERS = ["memory", "cpu", "pids"] as const

/** The CFS period k8ts sets (100 ms, as the kubelet does). */
const CFS_PERIOD_US = 100_000

/** Which cgroup layout the host has. */
export type CgroupMode = "v1" | "v2"

/** The layout of this host: v2 only when /sys/fs/cgroup itself is the unified tree. */
export function detectCgroupMode(fsRoot = "/sys/fs/cgroup"): CgroupMode {
  return existsSync(join(fsRoot, "cgroup.controllers")) ? "v2" : "v1"
}

/** cpu.shares from a request in millicores (the kubelet's MilliCPUToShares). */
export function milliToShares(milli: number): number {
  return Math.min(262_144, Math.max(2, Math.floor((milli * 1024) / 1000)))
}

/** cpu.weight (v2) from cpu.shares, as runc converts them. */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262_142)
}

function write(file: string, value: string | number): SetupStep {
  return { file, value: String(value) }
}

function tryWrite(file: string, value: number): SetupStep {
  return { file, value: String(value), optional: true }
}

function pidsIn(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/** Removes a cgroup folder and its children, deepest first, killing what still runs there. */
async function removeTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await removeTree(join(dir, e.name))
  }
  for (let i = 0; ; i++) {
    for (const pid of pidsIn(dir)) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // gone
      }
    }
    try {
      rmdirSync(dir)
      return
    } catch (err) {
      // EBUSY while the kernel finishes reaping the last task.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return
      if (i >= 100) throw err
      await new Promise((r) => setTimeout(r, 10))
    }
  }
}

/** The pod and container cgroups under one parent (e.g. `k8ts/<node>`). */
export class Cgroups {
  readonly mode: CgroupMode
  readonly #fsRoot: string
  readonly #parent: string
  /** The root folder of each hierarchy k8ts uses. */
  readonly #roots: readonly string[]
  /** The parent's ancestors (e.g. `k8ts` of `k8ts/<node>`) absent when this was made, deepest first: this run creates them. */
  readonly #newAncestors: string[]

  constructor(parent: string, opts: { fsRoot?: string; mode?: CgroupMode } = {}) {
    this.#fsRoot = opts.fsRoot ?? "/sys/fs/cgroup"
    this.mode = opts.mode ?? detectCgroupMode(this.#fsRoot)
    this.#parent = parent
    this.#roots = this.mode === "v2" ? [this.#fsRoot] : V1_CONTROLLERS.map((c) => join(this.#fsRoot, c))
    const parts = parent.split("/").filter(Boolean)
    this.#newAncestors = parts
      .slice(0, -1)
      .map((_, i) => parts.slice(0, parts.length - 1 - i).join("/"))
      .flatMap((a) => this.#roots.map((r) => join(r, a)))
      .filter((d) => !existsSync(d))
  }

  /** The folders of one cgroup (by its path under the parent), one per hierarchy. */
  dirs(rel: string): string[] {
    return this.#roots.map((r) => join(r, this.#parent, rel))
  }

  /** The cgroup path of a pod, under the parent. */
  podPath(podUid: string): string {
    return `pod${podUid}`
  }

  /** The cgroup path of a container, under the parent. */
  containerPath(podUid: string, containerId: string): string {
    return `pod${podUid}/${containerId}`
  }

  /** Creates a cgroup (and its parents) and sets its limits. */
  create(rel: string, limits: ResourceLimits | undefined): void {
    runSteps(this.plan(rel, limits))
  }

  /** The steps that create a cgroup (and its parents) and set its limits, in order. */
  plan(rel: string, limits: ResourceLimits | undefined): SetupStep[] {
    return [
      ...(this.mode === "v2" ? this.#enableV2(rel) : []),
      ...this.dirs(rel).map((dir) => ({ dir })),
      ...(limits ? this.#limit(rel, limits) : []),
    ]
  }

  /**
   * Changes the limits of an existing cgroup in place (an in-place resize): those given are
   * written, the others stay. On v1 the memory+swap limit, which may never be below the memory
   * limit, is written after a lower memory limit and before a higher one.
   */
  update(rel: string, limits: ResourceLimits): void {
    const steps = this.#limit(rel, limits)
    const mem = this.dirs(rel)[0] as string
    if (
      this.mode === "v1" &&
      limits.memoryLimitBytes !== undefined &&
      limits.memoryLimitBytes > readNumber(join(mem, "memory.limit_in_bytes"))
    ) {
      const memsw = steps.findIndex((s) => "file" in s && s.file.endsWith("memory.memsw.limit_in_bytes"))
      if (memsw > 0) steps.unshift(...steps.splice(memsw, 1))
    }
    runSteps(steps)
  }

  /** The files a process writes its PID to, to join the cgroup in every hierarchy. */
  procsFiles(rel: string): string[] {
    return this.dirs(rel).map((d) => join(d, "cgroup.procs"))
  }

  /** The processes in a cgroup. */
  pids(rel: string): number[] {
    return pidsIn(this.dirs(rel)[this.mode === "v2" ? 0 : 3] as string)
  }

  /** Whether the kernel OOM-killed a process of the cgroup. */
  oomKilled(rel: string): boolean {
    try {
      if (this.mode === "v2") {
        const events = readFileSync(join(this.dirs(rel)[0] as string, "memory.events"), "utf8")
        return Number(/^oom_kill (\d+)$/m.exec(events)?.[1] ?? 0) > 0
      }
      const mem = this.dirs(rel)[0] as string
      const ctl = readFileSync(join(mem, "memory.oom_control"), "utf8")
      const kills = /^oom_kill (\d+)$/m.exec(ctl)
      if (kills) return Number(kills[1]) > 0
      return Number(readFileSync(join(mem, "memory.failcnt"), "utf8")) > 0
    } catch {
      return false
    }
  }

  /**
   * What the cgroup has used: CPU time (v1 cpuacct.usage, v2 cpu.stat usage_usec) and memory
   * (usage less inactive file pages is the working set, as cAdvisor computes it). Undefined when
   * the cgroup is gone.
   */
  usage(rel: string): ContainerUsage | undefined {
    try {
      if (this.mode === "v2") {
        const d = this.dirs(rel)[0] as string
        const cpu = statField(readFileSync(join(d, "cpu.stat"), "utf8"), "usage_usec") * 1000
        const mem = Number(readFileSync(join(d, "memory.current"), "utf8"))
        const stat = readFileSync(join(d, "memory.stat"), "utf8")
        return memoryUsage(cpu, mem, statField(stat, "inactive_file"), statField(stat, "anon"))
      }
      const [mem, , cpuacct] = this.dirs(rel) as [string, string, string, string]
      const cpu = Number(readFileSync(join(cpuacct, "cpuacct.usage"), "utf8"))
      const usage = Number(readFileSync(join(mem, "memory.usage_in_bytes"), "utf8"))
      const stat = readFileSync(join(mem, "memory.stat"), "utf8")
      return memoryUsage(cpu, usage, statField(stat, "total_inactive_file"), statField(stat, "total_rss"))
    } catch {
      return undefined
    }
  }

  /** Kills what runs in the cgroup and removes it with its children. */
  async remove(rel: string): Promise<void> {
    for (const d of this.dirs(rel)) await removeTree(d)
  }

  /** Removes every pod cgroup under the parent (what a crashed run left behind) but those in `keep` (podPath()s). */
  async removeAll(keep: ReadonlySet<string> = new Set()): Promise<number> {
    let n = 0
    for (const d of this.dirs("")) {
      if (!existsSync(d)) continue
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (!e.isDirectory() || !e.name.startsWith("pod") || keep.has(e.name)) continue
        await removeTree(join(d, e.name))
        n++
      }
    }
    return n
  }

  /**
   * Removes the parent itself when it is empty (the runtime is closing), then the ancestors this
   * run created (absent when it started) that are empty too: another node's parent, or a
   * process, keeps them.
   */
  removeParent(): void {
    for (const d of [...this.dirs(""), ...this.#newAncestors]) {
      try {
        rmdirSync(d)
      } catch {
        // still in use, or never made
      }
    }
  }

  #enableV2(rel: string): SetupStep[] {
    // Controllers must be enabled in every ancestor's subtree_control for the leaf to get them;
    // one at a time, so one the host lacks does not stop the others (already enabled, or absent).
    const parts = [...this.#parent.split("/"), ...rel.split("/")].filter(Boolean)
    let dir = this.#fsRoot
    const enable = () =>
      V2_CONTROLLERS.map((c) => ({
        file: join(dir, "cgroup.subtree_control"),
        value: `+${c}`,
        optional: true,
        append: true,
      }))
    const steps: SetupStep[] = enable()
    for (const p of parts.slice(0, -1)) {
      dir = join(dir, p)
      steps.push({ dir }, ...enable())
    }
    return steps
  }

  #limit(rel: string, l: ResourceLimits): SetupStep[] {
    const steps: SetupStep[] = []
    if (this.mode === "v2") {
      const d = this.dirs(rel)[0] as string
      if (l.memoryLimitBytes !== undefined) {
        steps.push(write(join(d, "memory.max"), l.memoryLimitBytes))
        steps.push(tryWrite(join(d, "memory.swap.max"), 0))
      }
      if (l.cpuLimitMilli !== undefined)
        steps.push(write(join(d, "cpu.max"), `${cpuQuota(l.cpuLimitMilli)} ${CFS_PERIOD_US}`))
      if (l.cpuRequestMilli !== undefined)
        steps.push(write(join(d, "cpu.weight"), sharesToWeight(milliToShares(l.cpuRequestMilli))))
      if (l.pidsLimit !== undefined) steps.push(write(join(d, "pids.max"), l.pidsLimit))
      return steps
    }
    const [mem, cpu, , pids] = this.dirs(rel) as [string, string, string, string]
    if (l.memoryLimitBytes !== undefined) {
      steps.push(write(join(mem, "memory.limit_in_bytes"), l.memoryLimitBytes))
      // Without swap accounting the file is absent; with it, no swap beyond the limit.
      steps.push(tryWrite(join(mem, "memory.memsw.limit_in_bytes"), l.memoryLimitBytes))
    }
    if (l.cpuLimitMilli !== undefined) {
      steps.push(write(join(cpu, "cpu.cfs_period_us"), CFS_PERIOD_US))
      steps.push(write(join(cpu, "cpu.cfs_quota_us"), cpuQuota(l.cpuLimitMilli)))
    }
    if (l.cpuRequestMilli !== undefined)
      steps.push(write(join(cpu, "cpu.shares"), milliToShares(l.cpuRequestMilli)))
    if (l.pidsLimit !== undefined) steps.push(write(join(pids, "pids.max"), l.pidsLimit))
    return steps
  }
}

/** A number from a cgroup file (0 when it cannot be read). */
function readNumber(file: string): number {
  try {
    return Number(readFileSync(file, "utf8").trim()) || 0
  } catch {
    return 0
  }
}

/** The CFS quota of a CPU limit (at least 1 ms, the kernel's minimum). */
function cpuQuota(milli: number): number {
  return Math.max(1000, Math.floor((milli * CFS_PERIOD_US) / 1000))
}

/** A `key value` line's value from a cgroup stat file (0 when absent). */
function statField(text: string, key: string): number {
  return Number(new RegExp(`^${key} (\\d+)$`, "m").exec(text)?.[1] ?? 0)
}

function memoryUsage(
  cpuNanos: number,
  memoryBytes: number,
  inactiveFile: number,
  rssBytes: number,
): ContainerUsage {
  return {
    cpuNanos,
    memoryBytes,
    workingSetBytes: Math.max(0, memoryBytes - inactiveFile),
    rssBytes,
  }
}
