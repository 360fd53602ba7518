/**
 * CPU per write of the API bench's watch phase: `node --import tsx bench/_watch-cpu.ts [ms]` starts
 * the k8ts server as `npm run bench -- api` does, opens its 100 ConfigMap watches (each event
 * parsed, as the bench's watchers do), writes 1,000 ConfigMaps/s for 2 s of warm-up and then for
 * `ms` (default 5000), and prints the delivery latency and, per write (one create and its 100
 * deliveries): the server process's CPU µs, its main thread's running and waiting-for-a-CPU µs
 * (from /proc schedstat), each other busy thread's CPU µs and the watchers' (this process's) CPU
 * µs. On a machine of two vCPUs the watchers and the server share them: the watchers' share is what
 * the server's main thread waits behind. BENCH_ATTACH runs a tool on the server during the
 * measured writes, as in `bench/_api-cpu.ts` ("exec perf record ... -p {pid}").
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { agent, openWatch, percentile, send, stampedConfigMap } from "./_http.ts"
import { cpuByThread, procStat, schedStat } from "./_proc-stat.ts"
import { serverPort } from "./_server-port.ts"

const MS = Number(process.argv[2] ?? 5000)
const WATCHERS = 100
const RATE = 1000
const WARMUP_MS = 2000

const dir = mkdtempSync(join(tmpdir(), "k8ts-watch-cpu-"))
const child = spawn(
  process.execPath,
  [
    "--max-semi-space-size=64",
    ...(process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
    "--import",
    "tsx",
    join(import.meta.dirname, "_api-server.ts"),
    "k8ts",
    dir,
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
)
const pid = child.pid as number

try {
  const port = await serverPort(child, "k8ts server")
  const base = `http://127.0.0.1:${port}`
  const a = agent(64)
  await send(a, `${base}/api/v1/namespaces`, "POST", JSON.stringify({ metadata: { name: "watch" } }))
  const lat: number[] = []
  /** Writes sent from then on (this process's clock, in ms since the epoch) are measured. */
  let measuredFrom = Infinity
  const watchers = await Promise.all(
    Array.from({ length: WATCHERS }, (_, i) =>
      openWatch(
        `${base}/api/v1/namespaces/watch/configmaps?watch=true`,
        (sentAt, ms) => {
          if (sentAt >= measuredFrom) lat.push(ms)
        },
        { decode: i === 0 || process.env.BENCH_WATCH_DECODE === "all" },
      ),
    ),
  )
  let sent = 0
  const writes: Promise<unknown>[] = []
  /** Writes at RATE for `ms`, open loop, each object stamped with its send time. */
  const write = async (ms: number) => {
    const start = performance.now()
    const from = sent
    while (performance.now() - start < ms) {
      const due = from + Math.floor(((performance.now() - start) * RATE) / 1000)
      while (sent < due) {
        writes.push(send(a, `${base}/api/v1/namespaces/watch/configmaps`, "POST", stampedConfigMap(sent)))
        sent++
      }
      await new Promise((r) => setTimeout(r, 2))
    }
  }
  await write(WARMUP_MS)
  // BENCH_ATTACH="exec strace -c -p {pid}" runs a tool on the server during the measured writes.
  const tool = process.env.BENCH_ATTACH
    ? spawn("sh", ["-c", process.env.BENCH_ATTACH.replaceAll("{pid}", String(pid))], { stdio: "inherit" })
    : undefined
  const toolExited = tool && new Promise((r) => tool.once("exit", r))
  if (tool) await new Promise((r) => setTimeout(r, 500))
  const c0 = procStat(`/proc/${pid}/stat`)
  const s0 = schedStat(pid)
  const threads0 = cpuByThread(pid)
  const client0 = process.cpuUsage()
  const first = sent
  measuredFrom = performance.timeOrigin + performance.now()
  await write(MS)
  await Promise.all(writes)
  await new Promise((r) => setTimeout(r, 300))
  const n = sent - first
  const c1 = procStat(`/proc/${pid}/stat`)
  const s1 = schedStat(pid)
  const client = process.cpuUsage(client0)
  const others = [...cpuByThread(pid)]
    .filter(([tid]) => tid !== pid)
    .map(([tid, s]) => ((s - (threads0.get(tid) ?? 0)) * 1e6) / n)
    .filter((us) => us >= 1)
    .sort((x, y) => y - x)
    .map((us) => us.toFixed(0))
  if (tool) {
    if (tool.exitCode === null && tool.signalCode === null) tool.kill("SIGINT")
    await toolExited
  }
  const perWrite = (ms: number) => ((ms * 1000) / n).toFixed(0)
  console.log(
    `${n} writes, ${lat.length} deliveries: p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms`,
  )
  console.log(
    `per write, µs: server ${perWrite(c1.userMs + c1.systemMs - c0.userMs - c0.systemMs)} CPU (main thread ${perWrite(s1.runMs - s0.runMs)} running + ${perWrite(s1.waitMs - s0.waitMs)} waiting for a CPU; other threads ${others.join(", ") || "none"}), watchers ${((client.user + client.system) / n).toFixed(0)} CPU`,
  )
  for (const w of watchers) w.destroy()
  a.destroy()
} finally {
  if (child.exitCode === null) {
    child.kill("SIGTERM")
    await new Promise((r) => child.once("exit", r))
  }
  rmSync(dir, { recursive: true, force: true })
}
