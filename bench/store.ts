/**
 * `npm run bench -- store`: the Store backends in-process (memory, SQLite in a temp dir, etcd when
 * /usr/bin/etcd exists), with a ~3 KB pod as the value. Per backend: durable single-key creates/s
 * with 1 writer and with 64 concurrent writers (each awaits its own create before the next) and
 * their commit latency, point reads/s, a LIST of 10,000 keys, and watch delivery to 100 watchers
 * while 64 writers write ("keeps up": every watcher has every event within 1 s of the last write;
 * the drain is cut at 20 s). Baseline: raw better-sqlite3 inserts of the same payload with the same
 * durability (WAL, synchronous=FULL) on the same disk, one row per transaction and 100 per
 * transaction. Last line: value = SQLite creates/s with 64 writers, ratio = that / raw batched rows/s.
 * BENCH_PHASE_MS sets the length of each timed phase (default 3000).
 */
import { execFileSync } from "node:child_process"
import { setMaxListeners } from "node:events"
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { EtcdStore, MemoryStore, SqliteStore, type Store } from "../src/storage/index.ts"
import { ETCD_BINARY, startEtcd } from "../src/testing/index.ts"
import { percentile, podJson } from "./_http.ts"

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 3000)
const WRITERS = 64
const LIST_KEYS = 10_000
const WATCHERS = 100
/** BENCH_BACKENDS=sqlite,etcd limits the run to those backends. */
const BACKENDS = (process.env.BENCH_BACKENDS ?? "sqlite,memory,etcd").split(",")
const dir = mkdtempSync(join(tmpdir(), "k8ts-bench-store-"))

/** A ~3 KB pod: the API benchmark's pod plus a status, split around its name. */
const [POD_HEAD, POD_TAIL] = (() => {
  const pod = JSON.parse(podJson("@NAME@")) as Record<string, unknown>
  pod.status = {
    phase: "Running",
    hostIP: "10.0.0.12",
    podIP: "10.244.1.37",
    startTime: "2025-01-01T00:00:00Z",
    conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({
      type,
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: "2025-01-01T00:00:01Z",
    })),
    containerStatuses: [
      {
        name: "app",
        ready: true,
        restartCount: 0,
        image: "registry.k8s.io/pause:3.10",
        imageID: "registry.k8s.io/pause@sha256:" + "e".repeat(64),
        containerID: "containerd://" + "c".repeat(64),
        state: { running: { startedAt: "2025-01-01T00:00:01Z" } },
      },
    ],
  }
  return JSON.stringify(pod).split("@NAME@") as [string, string]
})()

function pod(name: string): string {
  return POD_HEAD + name + POD_TAIL
}

/**
 * Removes a finished phase's database and flushes the page cache, so the next phase does not pay
 * for the previous one's writeback (without this the SQLite store's commit p99 doubles on a VM).
 */
function settle(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true })
  execFileSync("sync")
}

function gc(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

/** Runs `workers` loops calling `op(i)` (i counts up across loops) until `ms` pass. */
async function timed(
  workers: number,
  ms: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ rate: number; lat: number[]; n: number }> {
  gc()
  const lat: number[] = []
  let n = 0
  const start = performance.now()
  const end = start + ms
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const t = performance.now()
        await op(n++)
        lat.push(performance.now() - t)
      }
    }),
  )
  const secs = (performance.now() - start) / 1000
  return { rate: lat.length / secs, lat, n: lat.length }
}

/** The figures of one backend. */
interface Figures {
  backend: string
  creates1: number
  p50_1: number
  p99_1: number
  creates64: number
  p50_64: number
  p99_64: number
  reads: number
  listMs: number
  listed: number
  watchWrites: number
  watchDeliveries: number
  watchP99: number
  watchDrainMs: number
  keepsUp: boolean
}

async function benchStore(backend: string, store: Store): Promise<Figures> {
  const run = Math.random().toString(36).slice(2, 8)
  const one = await timed(1, PHASE_MS, (i) => store.create(`/bench/${run}/one/pod-${i}`, pod(`pod-${i}`)))
  const many = await timed(WRITERS, PHASE_MS, (i) =>
    store.create(`/bench/${run}/many/pod-${i}`, pod(`pod-${i}`)),
  )
  const reads = await timed(WRITERS, PHASE_MS / 2, async (i) => {
    const e = await store.get(`/bench/${run}/many/pod-${i % many.n}`)
    if (!e) throw new Error(`${backend}: read of a missing key`)
  })

  // 10,000 keys under their own prefix, then the median of 5 LISTs of them.
  let made = 0
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let i = made++; i < LIST_KEYS; i = made++) {
        await store.create(`/bench/${run}/list/pod-${i}`, pod(`pod-${i}`))
      }
    }),
  )
  gc()
  const listTimes: number[] = []
  let listed = 0
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    listed = (await store.list(`/bench/${run}/list/`)).entries.length
    listTimes.push(performance.now() - t)
  }

  const w = await watchPhase(store, `/bench/${run}/watch/`)
  const f: Figures = {
    backend,
    creates1: one.rate,
    p50_1: percentile(one.lat, 50),
    p99_1: percentile(one.lat, 99),
    creates64: many.rate,
    p50_64: percentile(many.lat, 50),
    p99_64: percentile(many.lat, 99),
    reads: reads.rate,
    listMs: percentile(listTimes, 50),
    listed,
    ...w,
  }
  return f
}

/**
 * 100 watchers on a prefix while 64 writers create under it for one phase. Delivery latency is
 * measured from the start of each create (so it includes the commit) on 10 of the watchers.
 */
async function watchPhase(
  store: Store,
  prefix: string,
): Promise<Pick<Figures, "watchWrites" | "watchDeliveries" | "watchP99" | "watchDrainMs" | "keepsUp">> {
  const from = await store.revision()
  const ac = new AbortController()
  setMaxListeners(WATCHERS + 10, ac.signal)
  const counts = new Array<number>(WATCHERS).fill(0)
  const started = new Map<string, number>()
  const lat: number[] = []
  let writing = true
  let total = 0
  let drained: () => void = () => {}
  const allDelivered = new Promise<void>((r) => (drained = r))
  const watchers = counts.map(async (_, i) => {
    for await (const ev of store.watch(prefix, from, ac.signal)) {
      counts[i]!++
      if (i < 10) lat.push(performance.now() - (started.get(ev.entry.key) ?? 0))
      if (!writing && counts.every((c) => c >= total)) drained()
    }
  })
  const start = performance.now()
  const writes = await timed(WRITERS, PHASE_MS, (i) => {
    const key = `${prefix}pod-${i}`
    started.set(key, performance.now())
    return store.create(key, pod(`pod-${i}`))
  })
  const writesDone = performance.now()
  total = writes.n
  writing = false
  if (counts.every((c) => c >= total)) drained()
  const timeout = new Promise<void>((r) => setTimeout(r, 20_000).unref())
  await Promise.race([allDelivered, timeout])
  const end = performance.now()
  ac.abort()
  await Promise.allSettled(watchers)
  const delivered = counts.reduce((a, b) => a + b, 0)
  const drainMs = end - writesDone
  return {
    watchWrites: writes.rate,
    watchDeliveries: delivered / ((end - start) / 1000),
    watchP99: percentile(lat, 99),
    watchDrainMs: drainMs,
    keepsUp: delivered === total * WATCHERS && drainMs < 1000,
  }
}

/** Raw better-sqlite3 inserts of the payload, WAL + synchronous=FULL: `perTxn` rows per transaction. */
function rawSqlite(perTxn: number): { rate: number; p99: number } {
  gc()
  const path = join(dir, `raw-${perTxn}.db`)
  const db = new Database(path)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = FULL")
  db.exec("CREATE TABLE log (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL)")
  const insert = db.prepare<[number, string, string]>("INSERT INTO log (id, name, value) VALUES (?, ?, ?)")
  const batch = db.transaction((first: number) => {
    for (let i = first; i < first + perTxn; i++) insert.run(i, `/bench/raw/pod-${i}`, pod(`pod-${i}`))
  })
  const lat: number[] = []
  let n = 0
  const start = performance.now()
  const end = start + PHASE_MS
  while (performance.now() < end) {
    const t = performance.now()
    batch(n + 1)
    n += perTxn
    lat.push(performance.now() - t)
  }
  const rate = n / ((performance.now() - start) / 1000)
  db.close()
  settle(path)
  return { rate, p99: percentile(lat, 99) }
}

const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`
const perS = (x: number) => `${Math.round(x).toLocaleString("en-US")}/s`

function printTable(
  figs: Figures[],
  raw1: { rate: number; p99: number },
  raw100: { rate: number; p99: number },
) {
  const cols = ["", ...figs.map((f) => f.backend)]
  const rows: string[][] = [
    ["creates, 1 writer", ...figs.map((f) => perS(f.creates1))],
    ["  p50 / p99 commit", ...figs.map((f) => `${ms(f.p50_1)} / ${ms(f.p99_1)}`)],
    [`creates, ${WRITERS} writers`, ...figs.map((f) => perS(f.creates64))],
    ["  p50 / p99 commit", ...figs.map((f) => `${ms(f.p50_64)} / ${ms(f.p99_64)}`)],
    [`point reads (${WRITERS} readers)`, ...figs.map((f) => perS(f.reads))],
    [`LIST ${LIST_KEYS.toLocaleString("en-US")} keys`, ...figs.map((f) => `${ms(f.listMs)} (${f.listed})`)],
    [`writes with ${WATCHERS} watchers`, ...figs.map((f) => perS(f.watchWrites))],
    ["  events delivered", ...figs.map((f) => perS(f.watchDeliveries))],
    ["  delivery p99 (from create)", ...figs.map((f) => ms(f.watchP99))],
    ["  drain after last write", ...figs.map((f) => ms(f.watchDrainMs))],
    ["  keeps up (all delivered < 1 s after)", ...figs.map((f) => (f.keepsUp ? "yes" : "NO"))],
  ]
  const width = cols.map((_, c) => Math.max(...[cols, ...rows].map((r) => (r[c] ?? "").length)))
  const line = (r: string[]) =>
    r.map((x, c) => (c === 0 ? x.padEnd(width[0]!) : x.padStart(width[c]!))).join("   ")
  console.log(line(cols))
  for (const r of rows) console.log(line(r))
  console.log("")
  console.log(
    `raw better-sqlite3, WAL + synchronous=FULL, ${(pod("pod-0").length / 1024).toFixed(1)} KB rows:`,
  )
  console.log(`  1 row per transaction      ${perS(raw1.rate).padStart(10)}   p99 ${ms(raw1.p99)} per commit`)
  console.log(
    `  100 rows per transaction   ${perS(raw100.rate).padStart(10)}   p99 ${ms(raw100.p99)} per commit`,
  )
}

/** Opens a backend, benchmarks it and closes it; nothing of it stays reachable afterwards. */
async function measure(backend: string, open: () => Promise<Store>): Promise<Figures> {
  const store = await open()
  try {
    return await benchStore(backend, store)
  } finally {
    await store.close()
    gc()
  }
}

async function main(): Promise<void> {
  const figs: Figures[] = []
  const raw1 = rawSqlite(1)
  const raw100 = rawSqlite(100)

  const dbPath = join(dir, "store.db")
  let dbMb = "0"
  if (BACKENDS.includes("sqlite")) {
    figs.push(await measure("sqlite", async () => SqliteStore.open(dbPath, { compactIntervalMs: 0 })))
    dbMb = (statSync(dbPath).size / 2 ** 20).toFixed(0)
    settle(dbPath)
  }
  if (BACKENDS.includes("memory")) figs.push(await measure("memory", async () => new MemoryStore()))

  if (BACKENDS.includes("etcd")) {
    if (existsSync(ETCD_BINARY)) {
      const etcd = await startEtcd()
      try {
        figs.push(await measure("etcd", () => EtcdStore.open(etcd.endpoints)))
      } finally {
        await etcd.stop()
      }
    } else {
      console.log(`etcd: skipped (${ETCD_BINARY} is missing; install the Debian package etcd-server)`)
    }
  }

  printTable(figs, raw1, raw100)
  const s = figs.find((f) => f.backend === "sqlite") ?? ({ creates64: 0 } as Figures)
  console.log(`sqlite database after the run: ${dbMb} MB`)
  const extra: Record<string, number | boolean> = {}
  for (const f of figs) {
    const b = f.backend
    Object.assign(extra, {
      [`${b}_creates_1w_per_s`]: Math.round(f.creates1),
      [`${b}_create_1w_p99_ms`]: Number(f.p99_1.toFixed(2)),
      [`${b}_creates_64w_per_s`]: Math.round(f.creates64),
      [`${b}_create_64w_p50_ms`]: Number(f.p50_64.toFixed(2)),
      [`${b}_create_64w_p99_ms`]: Number(f.p99_64.toFixed(2)),
      [`${b}_reads_per_s`]: Math.round(f.reads),
      [`${b}_list_10k_ms`]: Number(f.listMs.toFixed(1)),
      [`${b}_watch_writes_per_s`]: Math.round(f.watchWrites),
      [`${b}_watch_deliveries_per_s`]: Math.round(f.watchDeliveries),
      [`${b}_watch_p99_ms`]: Number(f.watchP99.toFixed(2)),
      [`${b}_watch_keeps_up`]: f.keepsUp,
    })
  }
  console.log(
    JSON.stringify({
      bench: "store",
      value: Math.round(s.creates64),
      unit: "creates/s",
      ratio: Number((s.creates64 / raw100.rate).toFixed(3)),
      raw_rows_per_s_1_per_txn: Math.round(raw1.rate),
      raw_rows_per_s_100_per_txn: Math.round(raw100.rate),
      ...extra,
    }),
  )
}

try {
  await main()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
