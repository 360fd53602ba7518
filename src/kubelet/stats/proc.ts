/**
 * Reading usage from Linux's /proc: the CPU time and resident memory of a process group (a
 * container of the process runtime is one), and the node's CPU time and memory.
 */
import { readdirSync, readFileSync } from "node:fs"

/** USER_HZ: the unit of /proc's CPU times (100 on every Linux architecture k8ts runs on). */
const CLOCK_TICKS = 100
const NANOS_PER_TICK = 1e9 / CLOCK_TICKS
const PAGE_SIZE = 4096

/** One process as /proc/<pid>/stat reports it. */
export interface ProcSample {
  readonly pid: number
  readonly pgrp: number
  /** user + system time of the process and of its waited-for children, in nanoseconds. */
  readonly cpuNanos: number
  readonly rssBytes: number
}

/** Parses /proc/<pid>/stat (fields after the parenthesised command name, which may hold spaces). */
export function parseProcStat(pid: number, text: string): ProcSample | undefined {
  const close = text.lastIndexOf(")")
  if (close < 0) return undefined
  const f = text.slice(close + 2).split(" ")
  // f[0] is field 3 (state): field n is f[n - 3].
  const num = (n: number) => Number(f[n - 3] ?? 0)
  const ticks = num(14) + num(15) + num(16) + num(17)
  return { pid, pgrp: num(5), cpuNanos: ticks * NANOS_PER_TICK, rssBytes: num(24) * PAGE_SIZE }
}

/** Usage of one process group. */
export interface GroupUsage {
  readonly cpuNanos: number
  readonly rssBytes: number
}

/** Every live process's usage summed by process group, from one scan of `root` (/proc). */
export function usageByProcessGroup(root = "/proc"): Map<number, GroupUsage> {
  const out = new Map<number, GroupUsage>()
  let names: string[]
  try {
    names = readdirSync(root)
  } catch {
    return out
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    let text: string
    try {
      text = readFileSync(`${root}/${name}/stat`, "utf8")
    } catch {
      continue // exited meanwhile
    }
    const s = parseProcStat(Number(name), text)
    if (!s) continue
    const have = out.get(s.pgrp)
    out.set(s.pgrp, {
      cpuNanos: (have?.cpuNanos ?? 0) + s.cpuNanos,
      rssBytes: (have?.rssBytes ?? 0) + s.rssBytes,
    })
  }
  return out
}

/** The node's CPU time in use (all CPUs, everything but idle and iowait), from /proc/stat. */
export function parseNodeCpu(text: string): number {
  const line = text.split("\n").find((l) => l.startsWith("cpu "))
  if (!line) return 0
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal (guest is counted in user already)
  const busy = (v[0] ?? 0) + (v[1] ?? 0) + (v[2] ?? 0) + (v[5] ?? 0) + (v[6] ?? 0) + (v[7] ?? 0)
  return busy * NANOS_PER_TICK
}

/** The node's memory from /proc/meminfo: total, available and the working set (total - available). */
export function parseMeminfo(text: string): { total: number; available: number; workingSet: number } {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)
    return m ? Number(m[1]) * 1024 : 0
  }
  const total = kb("MemTotal")
  const available = kb("MemAvailable") || kb("MemFree")
  return { total, available, workingSet: Math.max(0, total - available) }
}

/** Reads a /proc file, or "" where there is none (not Linux). */
export function readProc(path: string): string {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return ""
  }
}
