/** CPU time and page faults of processes and threads, from Linux's /proc, for the benches' figures. */
import { readdirSync, readFileSync } from "node:fs"

/** USER_HZ: the unit of /proc's CPU times. */
const TICKS_PER_S = 100

/** What one stat file counts so far: CPU ms in user and system mode, and minor page faults. */
export interface ProcStat {
  readonly userMs: number
  readonly systemMs: number
  readonly minorFaults: number
}

/**
 * A process with all its threads (`/proc/<pid>/stat`) or one thread
 * (`/proc/<pid>/task/<tid>/stat`).
 */
export function procStat(path: string): ProcStat {
  return parseStat(readFileSync(path, "utf8"))
}

function parseStat(stat: string): ProcStat {
  // Fields after the parenthesised name (which may hold spaces): field n is f[n - 3].
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return {
    userMs: (Number(f[11]) * 1000) / TICKS_PER_S,
    systemMs: (Number(f[12]) * 1000) / TICKS_PER_S,
    minorFaults: Number(f[7]),
  }
}

/** The main thread of process `pid` (this one by default): the one its event loop runs on. */
export function mainThreadStat(pid = process.pid): ProcStat {
  return procStat(`/proc/${pid}/task/${pid}/stat`)
}

/**
 * CPU seconds each thread of process `pid` (this one by default) used so far, by thread id;
 * empty where there is no /proc. A thread that ends meanwhile is left out.
 */
export function cpuByThread(pid: number | "self" = "self"): Map<number, number> {
  const out = new Map<number, number>()
  let tids: string[] = []
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const tid of tids) {
    try {
      const s = procStat(`/proc/${pid}/task/${tid}/stat`)
      out.set(Number(tid), (s.userMs + s.systemMs) / 1000)
    } catch {
      // ended meanwhile
    }
  }
  return out
}

/**
 * What the scheduler counts of one thread (`/proc/<pid>/task/<tid>/schedstat`): ms on a CPU and ms
 * runnable but waiting for one (preempted by other threads or processes); zeros where the kernel
 * keeps no schedstats.
 */
export function schedStat(pid: number, tid = pid): { runMs: number; waitMs: number } {
  try {
    const [run = 0, wait = 0] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8")
      .split(" ")
      .map(Number)
    return { runMs: run / 1e6, waitMs: wait / 1e6 }
  } catch {
    return { runMs: 0, waitMs: 0 }
  }
}

/**
 * CPU ms each process on the machine but `ours` has used so far, kernel threads included, by
 * `name[pid]`; empty where there is no /proc. What else ran beside a bench: on these machines
 * kernel threads take 0.5-1.1 s of CPU in the API bench's 4 s of paced creates (the writeback
 * workers writing the store's pages out, and kdamond.0, DAMON's page-out scheme, which holds one
 * of the two CPUs for 10-30 ms every ~0.54 s: the creates due then share the other one with the
 * clients, and their latency is the paced p99's tail).
 */
export function othersCpu(ours: readonly (number | undefined)[]): Map<string, number> {
  const out = new Map<string, number>()
  let pids: string[] = []
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p) && !ours.includes(Number(p)))
  } catch {
    return out
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      const s = parseStat(stat)
      out.set(`${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))}[${pid}]`, s.userMs + s.systemMs)
    } catch {
      // ended meanwhile
    }
  }
  return out
}

/** What othersCpu counted between two readings: ms in all, and the busiest process's name and ms. */
export function othersSince(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): { ms: number; busiest: string; busiestMs: number } {
  let ms = 0
  let busiest = "none"
  let busiestMs = 0
  for (const [name, now] of after) {
    const used = now - (before.get(name) ?? 0)
    ms += used
    if (used > busiestMs) [busiest, busiestMs] = [name, used]
  }
  return { ms, busiest, busiestMs }
}
