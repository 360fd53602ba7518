/**
 * `npm run bench -- api`: the API server over HTTP on loopback with the default SQLite store.
 * Creates/s and latency with 64 clients, GETs/s, a LIST of 10,000 pods (to its last byte, and
 * apart with the client keeping the ~47 MB), watch delivery latency to
 * 100 watchers while writing 1,000 objects/s (after 2 s of such writes as a warm-up, reported
 * apart; one watcher decodes every event as a client library does, the others read each event's
 * type and send stamp from its bytes, see openWatch), and single-object latency at 1,000 creates/s (open loop, each create timed from when it
 * was due). Creates/s is a warm server's: each server first takes 3 s of creates (its code
 * compiled by V8's optimizing tiers, its heap grown), whose rate is reported apart as the cold
 * one. Baseline: a bare node:http server storing the same pod with the same durability; for the
 * LIST, one answering with the same bytes from memory. The two servers' creates are measured in
 * alternating windows (bare, k8ts, then k8ts, bare, ...), one server working at a time: the
 * machine's speed drifts and stalls within a minute here, and a window pair sees the same machine.
 * The paced and watch rows also say how much CPU other processes used meanwhile (see othersCpu).
 * Last line: value = creates/s (64 clients, over all of k8ts's windows), ratio = the median of
 * the window pairs' k8ts/bare.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  agent,
  openWatch,
  paced,
  percentile,
  podJson,
  receive,
  send,
  sendRaw,
  stampedConfigMap,
  timed,
} from "./_http.ts"
import { othersCpu, othersSince } from "./_proc-stat.ts"
import { serverPort } from "./_server-port.ts"

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 5000)
/** Create windows per server, alternating with the other's (see the module comment). */
const WINDOWS = 6
/** Each window's length: the two servers' measured creates take 2 × PHASE_MS × 1.2 in all. */
const WINDOW_MS = (PHASE_MS * 1.2) / WINDOWS
const CLIENTS = 64
/** The paced phase: creates per second, sent open loop. */
const PACED_RATE = 1000
/** Writes to the watchers before the measured ones, reported apart (see the watch phase). */
const WATCH_WARMUP_MS = 2000
/**
 * Creates sent to each server before its measured ones: a fresh process runs its request path in
 * V8's baseline tiers and grows its heap into fresh memory for its first seconds (k8ts's rate climbs
 * from ~1,000/s to its steady rate over ~4 s here), a cost a long-running server does not pay.
 */
const CREATE_WARMUP_MS = 3000
/**
 * BENCH_API_PHASES=paced: only k8ts, filled as the full run fills it before its paced phase (the
 * warm-up and window creates, back to back, then the GETs), then the paced phase, printed as in
 * the full run: a look at the creates' latency tail in a third of the time.
 */
const PACED_ONLY = process.env.BENCH_API_PHASES === "paced"
/** BENCH_WATCH_DECODE=all: every watcher decodes every event (the watchers' CPU then sets the latency). */
const DECODE_ALL = process.env.BENCH_WATCH_DECODE === "all"
const dir = mkdtempSync(join(tmpdir(), "k8ts-bench-api-"))
const children: ChildProcess[] = []

async function startServer(mode: "k8ts" | "bare" | "bytes", file = ""): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_PROFILE_DIR=/tmp/x writes a CPU profile of each server for a look with DevTools.
      ...(process.env.BENCH_PROFILE_DIR
        ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROFILE_DIR]
        : []),
      // Both servers run with the V8 flags this bench got (`npm run bench` gives k8ts's own).
      ...process.execArgv.filter((a) => a.startsWith("--max-semi-space-size")),
      "--import",
      "tsx",
      join(import.meta.dirname, "_api-server.ts"),
      mode,
      dir,
      file,
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  )
  children.push(child)
  return `http://127.0.0.1:${await serverPort(child, `${mode} server`)}`
}

function stopAll(): void {
  // SIGTERM lets a profiled server write its profile; the servers exit at once on it.
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM")
}

/** Creates by 64 clients in `ms`: creates/s, each one's latency, how many. */
async function creates(
  base: string,
  prefix: string,
  ms: number,
): Promise<{ rate: number; lat: number[]; n: number }> {
  const a = agent(CLIENTS)
  const r = await timed(CLIENTS, ms, async (i) => {
    const res = await send(a, `${base}/api/v1/namespaces/default/pods`, "POST", podJson(`${prefix}-${i}`))
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.body.slice(0, 200)}`)
  })
  a.destroy()
  return r
}

/** Creates/s, p50 and p99 over several windows of creates. */
function overall(windows: readonly { rate: number; n: number; lat: number[] }[]): {
  rate: number
  p50: number
  p99: number
} {
  const n = windows.reduce((t, w) => t + w.n, 0)
  const secs = windows.reduce((t, w) => t + w.n / w.rate, 0)
  const lat = windows.flatMap((w) => w.lat)
  return { rate: n / secs, p50: percentile(lat, 50), p99: percentile(lat, 99) }
}

/** CPU of the processes on the machine other than this bench's (see othersCpu). */
function others(): Map<string, number> {
  return othersCpu([process.pid, ...children.map((c) => c.pid)])
}

/** What else used the CPU during a phase, for its row: ms in all, and the busiest process. */
function othersNote(o: ReturnType<typeof othersSince>): string {
  return `other processes ${o.ms.toFixed(0)} ms CPU meanwhile (${o.busiest} ${o.busiestMs.toFixed(0)} ms)`
}

/**
 * Creates at PACED_RATE, open loop, for 4/5 of a phase: each create's latency, p50 and p99, and
 * what other processes used the CPU meanwhile (a stall of the machine's shows in the p99).
 */
async function pacedCreates(
  base: string,
): Promise<{ n: number; p50: number; p99: number; rate: number; others: ReturnType<typeof othersSince> }> {
  const pacedAgent = agent(512)
  const before = others()
  const p = await paced(PACED_RATE, (PHASE_MS * 4) / 5, async (i) => {
    const res = await send(
      pacedAgent,
      `${base}/api/v1/namespaces/default/pods`,
      "POST",
      podJson(`paced-${i}`),
    )
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.body.slice(0, 200)}`)
  })
  pacedAgent.destroy()
  const o = othersSince(before, others())
  return { n: p.n, rate: p.rate, p50: percentile(p.lat, 50), p99: percentile(p.lat, 99), others: o }
}

/** BENCH_API_PHASES=paced: see PACED_ONLY. */
async function pacedOnly(): Promise<void> {
  const k8ts = await startServer("k8ts")
  const made = await creates(k8ts, "pod", CREATE_WARMUP_MS + WINDOWS * WINDOW_MS)
  if (made.n === 0) throw new Error("no pod was created: there is nothing to GET")
  const a = agent(CLIENTS)
  await timed(CLIENTS, PHASE_MS / 2, async (i) => {
    const res = await send(a, `${k8ts}/api/v1/namespaces/default/pods/pod-${i % made.n}`, "GET")
    if (res.status !== 200) throw new Error(`get failed: ${res.status}`)
  })
  a.destroy()
  const p = await pacedCreates(k8ts)
  console.log(
    `${`k8ts creates at ${PACED_RATE}/s (open loop)`.padEnd(40)} ${`p99 ${p.p99.toFixed(1)} ms`.padStart(12)}   p50 ${p.p50.toFixed(1)} ms, ${p.n} creates after ${made.n}; target p99 < 50 ms; ${othersNote(p.others)}`,
  )
  console.log(
    JSON.stringify({
      bench: "api",
      phases: "paced",
      paced_p50_ms: Number(p.p50.toFixed(2)),
      paced_p99_ms: Number(p.p99.toFixed(2)),
      paced_others_cpu_ms: Math.round(p.others.ms),
      creates_before: made.n,
    }),
  )
}

async function main(): Promise<void> {
  // Both servers warm up, then take turns at creates, each alone at work on the machine.
  const bare = await startServer("bare")
  const bareChild = children[0] as ChildProcess
  const bareCold = await creates(bare, "bare-cold", CREATE_WARMUP_MS)
  const k8ts = await startServer("k8ts")
  const cold = await creates(k8ts, "cold", CREATE_WARMUP_MS)
  const bareWindows: Awaited<ReturnType<typeof creates>>[] = []
  const k8tsWindows: Awaited<ReturnType<typeof creates>>[] = []
  for (let w = 0; w < WINDOWS; w++) {
    // bare, k8ts, then k8ts, bare: a drift of the machine's speed favours neither.
    if (w % 2 === 0) bareWindows.push(await creates(bare, `bare-${w}`, WINDOW_MS))
    k8tsWindows.push(await creates(k8ts, `pod-${w}`, WINDOW_MS))
    if (w % 2 === 1) bareWindows.push(await creates(bare, `bare-${w}`, WINDOW_MS))
  }
  bareChild.kill("SIGTERM")
  const bareCreates = overall(bareWindows)
  const c = overall(k8tsWindows)
  const windowRatios = k8tsWindows.map((k, i) => k.rate / (bareWindows[i] as { rate: number }).rate)
  const a = agent(CLIENTS)
  const named = (k8tsWindows[0] as { n: number }).n
  const gets = await timed(CLIENTS, PHASE_MS / 2, async (i) => {
    const res = await send(a, `${k8ts}/api/v1/namespaces/default/pods/pod-0-${i % named}`, "GET")
    if (res.status !== 200) throw new Error(`get failed: ${res.status}`)
  })

  // Single-object latency at a steady 1,000 creates/s (the 64 clients above measure saturation).
  const p = await pacedCreates(k8ts)

  // 10,000 pods in their own namespace, then time LISTs of them.
  await send(a, `${k8ts}/api/v1/namespaces`, "POST", JSON.stringify({ metadata: { name: "list" } }))
  let made = 0
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (made < 10_000) {
        const i = made++
        const res = await send(a, `${k8ts}/api/v1/namespaces/list/pods`, "POST", podJson(`l-${i}`, "list"))
        if (res.status !== 201) throw new Error(`create failed: ${res.status}`)
      }
    }),
  )
  // The LIST's time is the server's answer read to its last byte by a client that keeps no bytes
  // (as a streaming decoder would; see receive). A client keeping all ~47 MB also pays for the
  // fresh memory they fill (here ~12 us a page, 140 ms for 47 MB, until its allocator has pages to
  // reuse): that is measured apart (kept), and its last answer is decoded to count the items.
  const list = `${k8ts}/api/v1/namespaces/list/pods`
  const listTimes: number[] = []
  const firstByte: number[] = []
  let listBytes = 0
  for (let i = 0; i < 5; i++) {
    const res = await receive(list)
    if (res.status !== 200) throw new Error(`list failed: ${res.status}`)
    listTimes.push(res.ms)
    firstByte.push(res.firstMs)
    listBytes = res.bytes
  }
  const keptTimes: number[] = []
  const listFile = join(dir, "list.json")
  let listed = 0
  for (let i = 0; i < 3; i++) {
    const t = performance.now()
    const res = await sendRaw(a, list, "GET")
    keptTimes.push(performance.now() - t)
    if (res.status !== 200) throw new Error(`list failed: ${res.status}`)
    if (i < 2) continue
    // The last answer: its items counted, and its bytes kept on disk (not in this process's memory
    // through the watch phase) for the baseline.
    const body = Buffer.concat(res.chunks)
    listed = (JSON.parse(body.toString("utf8")) as { items: unknown[] }).items.length
    writeFileSync(listFile, body)
  }
  const listMs = percentile(listTimes, 50)

  // 100 watchers; a writer at 1,000 objects/s stamps each object with its send time. The first
  // WATCH_WARMUP_MS of writes warm up both processes (new code paths, and heaps growing into fresh
  // memory, which costs much on some virtual machines): their deliveries are reported on their own,
  // and the p99 is that of the writes after them, the steady state a long-running server is in.
  await send(a, `${k8ts}/api/v1/namespaces`, "POST", JSON.stringify({ metadata: { name: "watch" } }))
  const watchLat: number[] = []
  const warmupLat: number[] = []
  let measuredFrom = Infinity
  const onDelivery = (sentAt: number, lat: number) => (sentAt < measuredFrom ? warmupLat : watchLat).push(lat)
  const watchers = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      openWatch(`${k8ts}/api/v1/namespaces/watch/configmaps?watch=true`, onDelivery, {
        decode: i === 0 || DECODE_ALL,
      }),
    ),
  )
  const writeMs = PHASE_MS
  const start = performance.now()
  let sent = 0
  let measuredSent = 0
  const writes: Promise<unknown>[] = []
  let othersBefore = new Map<string, number>()
  while (performance.now() - start < WATCH_WARMUP_MS + writeMs) {
    if (measuredFrom === Infinity && performance.now() - start >= WATCH_WARMUP_MS) {
      measuredFrom = performance.timeOrigin + performance.now()
      measuredSent = sent
      othersBefore = others()
    }
    const due = Math.floor(((performance.now() - start) / 1000) * 1000)
    while (sent < due) {
      writes.push(send(a, `${k8ts}/api/v1/namespaces/watch/configmaps`, "POST", stampedConfigMap(sent)))
      sent++
    }
    await new Promise((r) => setTimeout(r, 2))
  }
  await Promise.all(writes)
  const watchOthers = othersSince(othersBefore, others())
  await new Promise((r) => setTimeout(r, 500))
  for (const w of watchers) w.destroy()
  const writeRate = (sent - measuredSent) / (writeMs / 1000)
  a.destroy()
  stopAll()

  // The LIST's baseline: the same bytes, from memory, by a bare node:http server alone on the
  // machine, read the same way.
  const bytes = await startServer("bytes", listFile)
  const bareListTimes: number[] = []
  for (let i = 0; i < 5; i++) {
    const res = await receive(`${bytes}/`)
    if (res.status !== 200 || res.bytes !== listBytes) throw new Error(`bare list failed: ${res.status}`)
    bareListTimes.push(res.ms)
  }
  const bareListMs = percentile(bareListTimes, 50)

  const sorted = [...windowRatios].sort((x, y) => x - y)
  const mid = sorted.length >> 1
  const ratio =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  const rows = [
    [
      "bare baseline creates/s (64 clients)",
      bareCreates.rate.toFixed(0),
      `p50 ${bareCreates.p50.toFixed(1)} ms, p99 ${bareCreates.p99.toFixed(1)} ms`,
    ],
    [
      "k8ts creates/s (64 clients)",
      c.rate.toFixed(0),
      `p50 ${c.p50.toFixed(1)} ms, p99 ${c.p99.toFixed(1)} ms`,
    ],
    [
      "  the first 3 s of each (cold)",
      `${cold.rate.toFixed(0)}`,
      `bare ${bareCold.rate.toFixed(0)}/s: not the figure (see CREATE_WARMUP_MS)`,
    ],
    [
      `k8ts creates at ${PACED_RATE}/s (open loop)`,
      `p99 ${p.p99.toFixed(1)} ms`,
      `p50 ${p.p50.toFixed(1)} ms, ${p.n} creates; target p99 < 50 ms; ${othersNote(p.others)}`,
    ],
    ["k8ts GETs/s (64 clients)", gets.rate.toFixed(0), `p99 ${percentile(gets.lat, 99).toFixed(1)} ms`],
    [
      "k8ts LIST 10,000 pods",
      `${listMs.toFixed(0)} ms`,
      `${listed} items, ${(listBytes / 1e6).toFixed(1)} MB; median of ${listTimes.map((t) => t.toFixed(0)).join(", ")} ms; first byte ${percentile(firstByte, 50).toFixed(0)} ms`,
    ],
    [
      "  the same bytes from a bare node:http",
      `${bareListMs.toFixed(0)} ms`,
      `median of ${bareListTimes.map((t) => t.toFixed(0)).join(", ")} ms (from memory, as one buffer)`,
    ],
    [
      "  the same, the client keeping the bytes",
      `${percentile(keptTimes, 50).toFixed(0)} ms`,
      `median of ${keptTimes.map((t) => t.toFixed(0)).join(", ")} ms (client memory; not the target)`,
    ],
    [
      "watch delivery, 100 watchers",
      `p99 ${percentile(watchLat, 99).toFixed(1)} ms`,
      `${watchLat.length} deliveries at ${writeRate.toFixed(0)} writes/s; target p99 < 100 ms; ${othersNote(watchOthers)}`,
    ],
    [
      "watch delivery during the warm-up",
      `p99 ${percentile(warmupLat, 99).toFixed(1)} ms`,
      `${warmupLat.length} deliveries in the first ${WATCH_WARMUP_MS / 1000} s, not in the p99 above`,
    ],
    [
      "k8ts / bare creates",
      ratio.toFixed(2),
      `target ≥ 0.60; median of ${windowRatios.map((r) => r.toFixed(2)).join(", ")} (window pairs)`,
    ],
  ]
  for (const [k, v, note] of rows)
    console.log(`${(k as string).padEnd(40)} ${(v as string).padStart(12)}   ${note}`)
  console.log(
    JSON.stringify({
      bench: "api",
      value: Math.round(c.rate),
      unit: "creates/s",
      ratio: Number(ratio.toFixed(3)),
      baseline_creates_per_s: Math.round(bareCreates.rate),
      window_ratios: windowRatios.map((r) => Number(r.toFixed(3))),
      create_p50_ms: Number(c.p50.toFixed(2)),
      create_p99_ms: Number(c.p99.toFixed(2)),
      cold_creates_per_s: Math.round(cold.rate),
      baseline_cold_creates_per_s: Math.round(bareCold.rate),
      paced_creates_per_s: Math.round(p.rate),
      paced_p50_ms: Number(p.p50.toFixed(2)),
      paced_p99_ms: Number(p.p99.toFixed(2)),
      paced_others_cpu_ms: Math.round(p.others.ms),
      gets_per_s: Math.round(gets.rate),
      list_10k_ms: Math.round(listMs),
      list_10k_kept_ms: Math.round(percentile(keptTimes, 50)),
      list_10k_bare_ms: Math.round(bareListMs),
      watch_p99_ms: Number(percentile(watchLat, 99).toFixed(2)),
      watch_deliveries: watchLat.length,
      watch_others_cpu_ms: Math.round(watchOthers.ms),
      watch_warmup_p99_ms: Number(percentile(warmupLat, 99).toFixed(2)),
    }),
  )
}

try {
  await (PACED_ONLY ? pacedOnly() : main())
} finally {
  stopAll()
  rmSync(dir, { recursive: true, force: true })
}
