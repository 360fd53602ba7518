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
  const stat = readFileSync(path, "utf8")
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
