/**
 * CPU per create of the API bench's servers: `node --import tsx bench/_api-cpu.ts [k8ts|bare|both]
 * [creates]` starts each server as in `npm run bench -- api`, sends the creates with 64 clients
 * and prints per create the server process's CPU time (user + system, from /proc), its main
 * thread's (the event loop's, which bounds the creates/s), its page faults (each a costly exit to
 * the hypervisor on these machines) and the clients' CPU time, then where the main thread's wall
 * time went (running, waiting for a CPU while other threads or the clients ran, or idle: nothing
 * to do) and each other thread's CPU time (the busiest is the store's writer thread). CPU time,
 * not creates/s, is the figure to compare on a shared machine. BENCH_SERVER=_api-echo.ts measures
 * the HTTP layer alone; BENCH_PROFILE_DIR writes CPU profiles; BENCH_SERVER_STDOUT keeps the
 * server's standard output (BENCH_NODE_FLAGS=--trace-gc); BENCH_ATTACH runs a tool (strace -c)
 * on the server during the measured creates.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { agent, podJson, send } from "./_http.ts"
import { cpuByThread, mainThreadStat, procStat, schedStat } from "./_proc-stat.ts"
import { serverPort } from "./_server-port.ts"

const [which = "both", countArg = "20000"] = process.argv.slice(2)
const COUNT = Number(countArg)
const CLIENTS = 64

/** The processes a run started: ended (and its temp dir removed) however the run ends. */
const started = new Set<ChildProcess>()

async function run(mode: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-api-cpu-"))
  try {
    await measure(mode, dir)
  } finally {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL")
    started.clear()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function measure(mode: string, dir: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE_DIR
        ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROFILE_DIR]
        : []),
      "--max-semi-space-size=64",
      // BENCH_NODE_FLAGS="--single-threaded-gc ..." tries other V8 or Node flags on the server.
      ...(process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
      "--import",
      "tsx",
      join(import.meta.dirname, process.env.BENCH_SERVER ?? "_api-server.ts"),
      mode,
      dir,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  )
  started.add(child)
  // BENCH_SERVER_STDOUT=file: the server's standard output (V8's --trace-gc lines) goes there too,
  // each mode's after the other's, with a line about where the measured creates start and one
  // about where they end (about: the server's lines still in the pipe come after them).
  const log = process.env.BENCH_SERVER_STDOUT
    ? createWriteStream(process.env.BENCH_SERVER_STDOUT, { flags: "a" })
    : undefined
  if (log) child.stdout?.pipe(log)
  const port = await serverPort(child, `${mode} server`)
  const base = `http://127.0.0.1:${port}`
  const a = agent(CLIENTS)
  let next = 0
  const phase = async (n: number, prefix: string) => {
    const end = next + n
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < end) {
          const i = next++
          const res = await send(
            a,
            `${base}/api/v1/namespaces/default/pods`,
            "POST",
            podJson(`${prefix}-${i}`, "default"),
          )
          if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.body.slice(0, 200)}`)
        }
      }),
    )
  }
  await phase(Math.min(5000, COUNT / 2), "warm")
  // BENCH_ATTACH="strace -c -f -p {pid}" runs a tool on the server during the measured phase.
  const tool = process.env.BENCH_ATTACH
    ? spawn("sh", ["-c", process.env.BENCH_ATTACH.replaceAll("{pid}", String(child.pid))], {
        stdio: "inherit",
      })
    : undefined
  if (tool) started.add(tool)
  // Listened for now: a tool may end before the measured creates do.
  const toolExited = tool && new Promise((r) => tool.once("exit", r))
  if (tool) await new Promise((r) => setTimeout(r, 500))
  // The whole process, and its main thread (the event loop, whose time bounds the creates/s).
  const all = `/proc/${child.pid}/stat`
  const c0 = procStat(all)
  const m0 = mainThreadStat(child.pid)
  const s0 = schedStat(child.pid as number)
  const threads0 = cpuByThread(child.pid as number)
  const client0 = process.cpuUsage()
  const t0 = performance.now()
  log?.write(`--- ${mode}: the measured creates start\n`)
  await phase(COUNT, "pod")
  log?.write(`--- ${mode}: the measured creates end\n`)
  const wall = performance.now() - t0
  const client = process.cpuUsage(client0)
  const c1 = procStat(all)
  const m1 = mainThreadStat(child.pid)
  const s1 = schedStat(child.pid as number)
  const user = c1.userMs - c0.userMs
  const cpu = user + c1.systemMs - c0.systemMs
  const mainCpu = m1.userMs - m0.userMs + m1.systemMs - m0.systemMs
  // The other threads, busiest first: the store's writer thread, V8's garbage collection helpers,
  // libuv's pool, Node's worker threads (Linux gives them all the process's name).
  const others = [...cpuByThread(child.pid as number)]
    .filter(([tid]) => tid !== child.pid)
    .map(([tid, s]) => s - (threads0.get(tid) ?? 0))
    .filter((s) => s > 0)
    .sort((x, y) => y - x)
    .map((s) => ((s * 1e6) / COUNT).toFixed(1))
  a.destroy()
  if (tool) {
    if (tool.exitCode === null && tool.signalCode === null) tool.kill("SIGINT")
    await toolExited
  }
  child.kill("SIGTERM")
  await new Promise((r) => child.once("exit", r))
  console.log(
    `${mode.padEnd(5)} ${((cpu * 1000) / COUNT).toFixed(1)} µs CPU/create (user ${((user * 1000) / COUNT).toFixed(1)}; main thread ${((mainCpu * 1000) / COUNT).toFixed(1)}), ${((c1.minorFaults - c0.minorFaults) / COUNT).toFixed(2)} page faults/create (main thread ${((m1.minorFaults - m0.minorFaults) / COUNT).toFixed(2)}), ${((COUNT * 1000) / wall).toFixed(0)} creates/s, the clients ${((client.user + client.system) / COUNT).toFixed(1)} µs CPU/create, load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
  )
  // The main thread's wall time: running, waiting for a CPU (preempted), or idle (nothing to do).
  const perCreate = (ms: number) => ((ms * 1000) / COUNT).toFixed(1)
  const running = s1.runMs - s0.runMs
  const waited = s1.waitMs - s0.waitMs
  console.log(
    `      main thread, µs/create: ${perCreate(wall)} wall = ${perCreate(running)} running + ${perCreate(waited)} waiting for a CPU + ${perCreate(wall - running - waited)} idle`,
  )
  console.log(`      other threads, µs CPU/create each: ${others.join(", ") || "none"}`)
}

for (const m of which === "both" ? ["bare", "k8ts"] : [which]) await run(m)
