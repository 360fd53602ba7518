/**
 * `npm run bench -- dns`: queries/s and latency for service names (A records of 100 Services,
 * round robin) from CLIENTS concurrent UDP clients in this process, each sending its next query
 * when the last is answered, against a server in a child process (so each side has a core).
 * Targets: ClusterDns as k8ts serves it (reply cache on), ClusterDns without the cache (decode,
 * resolve, encode per query), and the baseline, a raw dns-packet server that decodes each query
 * and encodes a fixed answer without any lookup. Last line: value = ClusterDns queries/s, ratio =
 * its p99 in ms over 3. BENCH_PHASE_MS sets each timed phase (default 5000), BENCH_DNS_CLIENTS
 * the clients (default 50).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createSocket, type Socket } from "node:dgram"
import { join } from "node:path"
import * as packet from "dns-packet"
import { percentile } from "./_http.ts"
import { serverPort } from "./_server-port.ts"

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 5000)
const WARMUP_MS = 2000
const CLIENTS = Number(process.env.BENCH_DNS_CLIENTS ?? 50)
const SERVICES = 100
const RETRY_MS = 500
const NAMES = Array.from({ length: SERVICES }, (_, i) => `svc-${i}.default.svc.cluster.local`)

interface Result {
  readonly qps: number
  readonly p50: number
  readonly p99: number
  readonly timeouts: number
}

/** Starts `bench/_dns-server.ts <mode>` and resolves with the child and its port. */
function startServer(mode: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ["--expose-gc", "--import", "tsx", join(import.meta.dirname, "_dns-server.ts"), mode],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, BENCH_DNS_SERVICES: String(SERVICES) },
    },
  )
  return serverPort(child, `DNS server (${mode})`).then((port) => ({ child, port }))
}

function encodeQuery(name: string): Buffer {
  return packet.encode({
    type: "query",
    id: 0,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type: "A", name }],
  })
}

/** Retries one query until the server answers (it serves once its caches have synced). */
async function waitReady(port: number): Promise<void> {
  const s = createSocket("udp4")
  try {
    await new Promise<void>((resolve) => {
      s.on("message", () => resolve())
      const send = () => s.send(encodeQuery(NAMES[0]!), port, "127.0.0.1")
      const timer = setInterval(send, 50)
      s.once("message", () => clearInterval(timer))
      send()
    })
  } finally {
    s.close()
  }
}

/** Closed-loop load: CLIENTS sockets, one query in flight each, for warm-up plus PHASE_MS. */
async function load(port: number): Promise<Result> {
  const queries = NAMES.map(encodeQuery)
  const latencies: number[] = []
  let measuring = false
  let answered = 0
  let timeouts = 0
  let next = 0
  const sockets: Socket[] = []
  const sentAt: number[] = []
  const ids: number[] = []
  const send = (i: number) => {
    const q = queries[next++ % queries.length]!
    ids[i] = (ids[i]! + 1) & 0xffff
    q.writeUInt16BE(ids[i]!, 0)
    sentAt[i] = performance.now()
    sockets[i]!.send(q, port, "127.0.0.1")
  }
  for (let i = 0; i < CLIENTS; i++) {
    const s = createSocket("udp4")
    sockets.push(s)
    ids.push(i * 1000)
    sentAt.push(0)
    s.on("message", (m) => {
      if (m.readUInt16BE(0) !== ids[i]) return
      if (measuring) {
        answered++
        latencies.push(performance.now() - sentAt[i]!)
      }
      send(i)
    })
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()))
  }
  // A lost datagram would stall its client: resend after RETRY_MS.
  const watchdog = setInterval(() => {
    const now = performance.now()
    for (let i = 0; i < CLIENTS; i++) {
      if (now - sentAt[i]! > RETRY_MS) {
        if (measuring) timeouts++
        send(i)
      }
    }
  }, 100)
  for (let i = 0; i < CLIENTS; i++) send(i)
  await new Promise((r) => setTimeout(r, WARMUP_MS))
  measuring = true
  const start = performance.now()
  await new Promise((r) => setTimeout(r, PHASE_MS))
  measuring = false
  const elapsed = (performance.now() - start) / 1000
  clearInterval(watchdog)
  for (const s of sockets) s.close()
  return {
    qps: Math.round(answered / elapsed),
    p50: Number(percentile(latencies, 50).toFixed(3)),
    p99: Number(percentile(latencies, 99).toFixed(3)),
    timeouts,
  }
}

async function measure(mode: string): Promise<Result> {
  const { child, port } = await startServer(mode)
  try {
    await waitReady(port)
    const r = await load(port)
    console.log(
      `${mode.padEnd(9)} ${String(r.qps).padStart(7)} queries/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${CLIENTS} clients, ${r.timeouts} timeouts)`,
    )
    return r
  } finally {
    child.kill("SIGTERM")
  }
}

const echo = await measure("echo")
const cluster = await measure("cluster")
const uncached = await measure("uncached")
console.log(
  JSON.stringify({
    bench: "dns",
    value: cluster.qps,
    unit: "queries/s",
    ratio: Number((cluster.p99 / 3).toFixed(3)),
    p99_ms: cluster.p99,
    p50_ms: cluster.p50,
    uncached_qps: uncached.qps,
    uncached_p99_ms: uncached.p99,
    baseline_qps: echo.qps,
    baseline_p99_ms: echo.p99,
    vs_baseline: Number((cluster.qps / echo.qps).toFixed(3)),
    clients: CLIENTS,
    services: SERVICES,
  }),
)
process.exit(0)
