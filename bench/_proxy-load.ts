/**
 * The proxy bench's traffic, each side in a child process of its own so neither competes for
 * the event loop of the bench process (which runs the userspace proxy under test): HTTP
 * backends on loopback addresses, and a load generator that measures requests/s and p99
 * latency per target with keep-alive connections and with a new connection per request, in
 * several short rounds that interleave the targets, so a noisy moment of the shared machine
 * lands on all of them alike; a target's figure is the median of its rounds.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { request } from "node:http"

/** Starts one child process serving HTTP on every address of `addresses` at `port`; each answers with its address. */
export function startBackends(addresses: readonly string[], port: number): Promise<ChildProcess> {
  const script = `
    const http = require("http"); let n = 0
    for (const ip of ${JSON.stringify(addresses)}) http.createServer((q, s) => s.end(ip))
      .listen(${port}, ip, () => ++n === ${addresses.length} && console.log("up"))`
  const child = spawn(process.execPath, ["-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { PATH: process.env.PATH ?? "" },
  })
  return new Promise((resolve, reject) => {
    child.stdout?.once("data", () => resolve(child))
    child.once("exit", (code) => reject(new Error(`Backends exited with ${code}`)))
  })
}

/**
 * One GET on a connection of its own; resolves with the body (the backend's address), rejects
 * on an error or after `timeoutMs` (a VIP without rules yet swallows the SYN).
 */
export function get(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: "/", agent: false, headers: { connection: "close" } }, (res) => {
      let out = ""
      res.on("data", (d) => (out += String(d)))
      res.on("end", () => resolve(out))
      res.on("error", reject)
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`No answer from ${host}:${port}`)))
    req.on("error", reject)
    req.end()
  })
}

/** Where the load generator sends requests. */
export interface LoadTarget {
  readonly name: string
  readonly host: string
  readonly port: number
}

/** What one target sustained in one mode. */
export interface LoadResult {
  /** The median of the rounds' requests/s. */
  readonly rps: number
  /** Each round's requests/s, in the order they ran. */
  readonly rounds: readonly number[]
  /** Over every request of every round. */
  readonly p99: number
  readonly errors: number
}

/** How the load is applied. */
export interface LoadOptions {
  /** Concurrent clients. */
  readonly conns: number
  /** Length of one measured round per target and mode. */
  readonly ms: number
  /**
   * Rounds, interleaved over targets and modes so a noisy moment of the shared machine hits all
   * alike. In each round the first two targets (direct and the proxy compared with it) take
   * turns in `slices` slices of ms/slices each (the one going first alternates by round), so
   * both see the same moments; the other targets follow, in order or reversed by round.
   */
  readonly rounds: number
  /** Slices the first two targets' time of a round is cut into (default 4). */
  readonly slices?: number
  /** Unmeasured warm-up per target and mode. */
  readonly warmMs: number
  /** The network namespace the load generator runs in (default: the host's). */
  readonly netns?: string
}

/** The connection modes measured, keep-alive first. */
export const MODES = ["keepalive", "new"] as const
export type Mode = (typeof MODES)[number]

// The load generator: plain JavaScript for `node -e`, configured through argv[1].
const LOAD_SCRIPT = `
const http = require("http")
const cfg = JSON.parse(process.argv[1])
const median = (xs) => { const s = [...xs].sort((a, b) => a - b), h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2 }
const pct = (xs, p) => (xs.sort((a, b) => a - b), xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0)
const get = (agent, host, port) => new Promise((resolve, reject) => {
  const headers = agent ? {} : { connection: "close" }
  const r = http.request({ host, port, path: "/", agent, headers }, (s) => { s.resume(); s.on("end", resolve); s.on("error", reject) })
  r.on("error", reject); r.end()
})
async function run(t, keepAlive, ms) {
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: cfg.conns }) : false
  const lat = []; let errors = 0
  const start = performance.now(), end = start + ms
  await Promise.all(Array.from({ length: cfg.conns }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now()
      try { await get(agent, t.host, t.port); lat.push(performance.now() - t0) } catch { errors++ }
    }
  }))
  if (agent) agent.destroy()
  return { n: lat.length, secs: (performance.now() - start) / 1000, lat, errors }
}
;(async () => {
  const modes = [["keepalive", true], ["new", false]]
  for (const t of cfg.targets) for (const [, ka] of modes) await run(t, ka, cfg.warmMs)
  const acc = {}
  const slices = cfg.slices ?? 4
  const [a, b, ...rest] = cfg.targets
  for (let r = 0; r < cfg.rounds; r++) for (const [m, ka] of modes) {
    const pair = [a, b].filter(Boolean)
    const round = new Map()
    const add = (t, x) => {
      const o = round.get(t) ?? { n: 0, secs: 0 }
      o.n += x.n; o.secs += x.secs; round.set(t, o)
      const all = (acc[t.name + "/" + m] ??= { rounds: [], lat: [], errors: 0 })
      all.errors += x.errors
      for (const v of x.lat) all.lat.push(v)
    }
    for (let s = 0; s < slices; s++) for (const t of (r + s) % 2 ? [...pair].reverse() : pair) add(t, await run(t, ka, cfg.ms / slices))
    for (const t of r % 2 ? [...rest].reverse() : rest) add(t, await run(t, ka, cfg.ms))
    for (const [t, o] of round) acc[t.name + "/" + m].rounds.push(o.n / o.secs)
  }
  const out = {}
  for (const [k, o] of Object.entries(acc))
    out[k] = { rps: median(o.rounds), rounds: o.rounds, p99: pct(o.lat, 99), errors: o.errors }
  console.log(JSON.stringify(out))
})()
`

/**
 * Runs the load generator over `targets` in a child process (killed when `signal` aborts);
 * resolves with the results by "name/mode".
 */
export function measure(
  targets: readonly LoadTarget[],
  opts: LoadOptions,
  signal: AbortSignal,
): Promise<Map<string, LoadResult>> {
  const { netns, ...cfg } = opts
  const argv = [process.execPath, "-e", LOAD_SCRIPT, JSON.stringify({ targets, ...cfg })]
  const [file = "", ...args] = netns ? ["ip", "netns", "exec", netns, ...argv] : argv
  const child = spawn(file, args, {
    stdio: ["ignore", "pipe", "inherit"],
    env: { PATH: process.env.PATH ?? "" },
    signal,
  })
  let out = ""
  child.stdout.on("data", (d) => (out += String(d)))
  return new Promise((resolve, reject) => {
    child.once("error", reject)
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`Load generator exited with ${code}`))
      resolve(new Map(Object.entries(JSON.parse(out) as Record<string, LoadResult>)))
    })
  })
}
