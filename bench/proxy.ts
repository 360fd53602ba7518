/**
 * `npm run bench -- proxy` (root, nft): per-connection latency through a Service — connect,
 * one request, the answer, close — for the nftables backend (kernel DNAT on the ClusterIP), the
 * userspace backend (Node on the ClusterIP's loopback mapping) and, as the baseline, the
 * backend directly; then, with 1,000 Services of 10 endpoints each (10,000 endpoints) loaded,
 * how long an EndpointSlice change takes to become the rule connections follow (API write →
 * informer → sync → nft transaction → a new connection reaching the new endpoint).
 * Backends are one child process serving on 127.244.250.x; service VIPs come from the bench's
 * own range 10.252.0.0/16 (routed to a device it creates); everything is removed at the end.
 * Last line: value = nftables median ms per connection, ratio = that over direct.
 * BENCH_PROXY_REQUESTS sets the connections per target (default 2000).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { connect } from "node:net"
import { loadavg } from "node:os"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { type ApiObject, EndpointSlices, Services } from "../src/api/index.ts"
import { createApiServer } from "../src/apiserver/index.ts"
import { InProcessClient } from "../src/client/index.ts"
import { compileRules, NftablesProxy, Proxy } from "../src/proxy/index.ts"
import { MemoryStore } from "../src/storage/index.ts"
import { parseCidr, silentLogger } from "../src/util/index.ts"
import { percentile } from "./_http.ts"

const REQUESTS = Number(process.env.BENCH_PROXY_REQUESTS ?? 2000)
const SERVICES = Number(process.env.BENCH_PROXY_SERVICES ?? 1000)
const ENDPOINTS = 10
const UPDATES = 10
const PORT = 18090
const SERVICE_CIDR = "10.252.0.0/16"
const LOOPBACK = "127.252.0.0/16"
const BACKENDS = Array.from({ length: ENDPOINTS + 1 }, (_, i) => `127.244.250.${i + 2}`)
const NEW_BACKEND = BACKENDS[ENDPOINTS] as string
const NODE = "bench-node"
const NS = "default"

/** Starts the backends in a child process: each address answers a request with itself. */
function startBackends(): Promise<ChildProcess> {
  const script = `
    const net = require("net"); let n = 0
    for (const ip of ${JSON.stringify(BACKENDS)}) net.createServer((c) => c.once("data", () => c.end(ip)))
      .listen(${PORT}, ip, () => ++n === ${BACKENDS.length} && console.log("up"))`
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
 * One connection: connect, send a byte, read the answer to the end. Resolves with the answer;
 * rejects on an error or after `timeoutMs` (a VIP without rules yet swallows the SYN).
 */
function once(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ""
    const c = connect({ host, port }, () => c.write("x"))
    c.setNoDelay(true)
    c.setTimeout(timeoutMs, () => c.destroy(new Error(`No answer from ${host}:${port}`)))
    c.on("data", (d) => (out += String(d)))
    c.on("end", () => resolve(out))
    c.on("error", reject)
  })
}

type Latency = { p50: number; p99: number }

/**
 * Median and p99 ms of REQUESTS sequential connections to each target (after 200 warm-up
 * ones each), in interleaved rounds so a noisy moment of the shared machine hits all alike.
 */
async function latencies(targets: readonly (readonly [string, number])[]): Promise<Latency[]> {
  for (const [host, port] of targets) for (let i = 0; i < 200; i++) await once(host, port)
  const ms = targets.map((): number[] => [])
  const rounds = 10
  for (let r = 0; r < rounds; r++) {
    for (const [k, [host, port]] of targets.entries()) {
      for (let i = 0; i < REQUESTS / rounds; i++) {
        const t = performance.now()
        await once(host, port)
        ms[k]?.push(performance.now() - t)
      }
    }
  }
  const round = (x: number) => Number(x.toFixed(3))
  return ms.map((xs) => ({ p50: round(percentile(xs, 50)), p99: round(percentile(xs, 99)) }))
}

function vip(i: number): string {
  return `10.252.${Math.floor((i + 10) / 256)}.${(i + 10) % 256}`
}

function slice(i: number, endpoints: readonly string[]): EndpointSlice & ApiObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `svc-${i}-abc`, namespace: NS, labels: { "kubernetes.io/service-name": `svc-${i}` } },
    addressType: "IPv4",
    ports: [{ name: "", port: PORT, protocol: "TCP" }],
    endpoints: endpoints.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: NODE })),
  }
}

/** Polls new connections to `host` until one reaches NEW_BACKEND; resolves with the time. */
async function untilServedBy(host: string, deadline: number): Promise<number> {
  for (;;) {
    const who = await once(host, 80, 100).catch(() => "")
    if (who === NEW_BACKEND) return performance.now()
    if (performance.now() > deadline) throw new Error(`Service ${host} never reached ${NEW_BACKEND}`)
    // Leave the two cores to the proxy and nft: a busy poll would slow what it measures.
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** The time of one full load of the current rules into a table of its own (removed after). */
async function fullLoad(client: InProcessClient): Promise<{ ms: number; lines: number }> {
  const services = (await client.resource(Services).list()).items
  const slices = (await client.resource(EndpointSlices).list()).items
  const rules = compileRules(services, slices, NODE)
  const table = new NftablesProxy({
    table: "k8ts-proxy-bench-full",
    clusterCidr: "10.251.0.0/16",
    serviceCidr: SERVICE_CIDR,
    nodeAddresses: [],
    serviceRouteDevice: null,
    log: silentLogger(),
  })
  try {
    await table.apply(rules)
    return { ...table.lastApply }
  } finally {
    await table.close()
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("Cannot run the proxy bench: nftables needs root")
  const backends = await startBackends()
  const api = createApiServer({
    store: new MemoryStore(),
    serviceCidr: parseCidr(SERVICE_CIDR),
    log: silentLogger(),
  })
  const stop = new AbortController()
  const serving = api.run(stop.signal)
  await api.ready()
  const client = new InProcessClient(api.handle)
  const nft = new NftablesProxy({
    table: "k8ts-proxy-bench",
    clusterCidr: "10.251.0.0/16",
    serviceCidr: SERVICE_CIDR,
    nodeAddresses: [],
    localhostNodePorts: false,
    serviceRouteDevice: "k8ts-bench0",
    log: silentLogger(),
  })
  const common = { client, nodeName: NODE, nodeAddress: "127.0.0.1", serviceCidr: parseCidr(SERVICE_CIDR) }
  const proxies = [
    new Proxy({ ...common, loopbackRange: parseCidr(LOOPBACK), backend: nft }),
    new Proxy({ ...common, loopbackRange: parseCidr(LOOPBACK) }),
  ].map((p) => p.run(stop.signal))
  const cleanup = async () => {
    stop.abort()
    await Promise.allSettled([...proxies, serving])
    if (backends.pid) process.kill(backends.pid)
  }
  // Interrupted: still remove the table, the route and the backends.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => void cleanup().finally(() => process.exit(130)))
  }
  try {
    const first = BACKENDS.slice(0, ENDPOINTS)
    const loadStart = performance.now()
    for (let i = 0; i < SERVICES; i++) {
      await client.resource(Services).create({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: `svc-${i}`, namespace: NS },
        spec: { clusterIP: vip(i), ports: [{ port: 80, targetPort: PORT }] },
      })
      await client.resource(EndpointSlices).create(slice(i, first))
    }
    const written = performance.now()
    console.error(`proxy bench: ${SERVICES} services written in ${(written - loadStart).toFixed(0)} ms`)
    // Loaded once the last service answers through nftables and through userspace.
    for (const host of [
      vip(SERVICES - 1),
      `127.252.${vip(SERVICES - 1)
        .split(".")
        .slice(2)
        .join(".")}`,
    ]) {
      for (;;) {
        if ((await once(host, 80, 100).catch(() => "")).startsWith("127.244.250.")) break
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    const loadMs = performance.now() - loadStart
    const fullApply = await fullLoad(client)

    const [direct, viaNft, viaUserspace] = (await latencies([
      [BACKENDS[0] as string, PORT],
      [vip(0), 80],
      ["127.252.0.10", 80],
    ])) as [Latency, Latency, Latency]

    const updates: number[] = []
    const applies: number[] = []
    for (let u = 0; u < UPDATES; u++) {
      // Past minSyncPeriod since the last sync: the change is programmed at once, as a lone change would be.
      await new Promise((r) => setTimeout(r, 1100))
      const i = 1 + ((u * 97) % (SERVICES - 1))
      const current = await client.resource(EndpointSlices).get({ namespace: NS, name: `svc-${i}-abc` })
      const t = performance.now()
      await client
        .resource(EndpointSlices)
        .update({ ...slice(i, [NEW_BACKEND, ...first.slice(1)]), metadata: current.metadata })
      updates.push((await untilServedBy(vip(i), t + 10_000)) - t)
      applies.push(nft.lastApply.ms)
    }
    const round = (x: number) => Number(x.toFixed(1))
    console.log(
      `direct p50 ${direct.p50} ms p99 ${direct.p99} ms; nftables p50 ${viaNft.p50} p99 ${viaNft.p99}; ` +
        `userspace p50 ${viaUserspace.p50} p99 ${viaUserspace.p99}; ${SERVICES} services x ${ENDPOINTS} endpoints ` +
        `written in ${round(written - loadStart)} ms, serving after ${round(loadMs)} ms (nft full load ${round(fullApply.ms)} ms, ` +
        `${fullApply.lines} lines); endpoint change → rule active p50 ${round(percentile(updates, 50))} ms, max ${round(Math.max(...updates))} ms`,
    )
    console.log(
      JSON.stringify({
        bench: "proxy",
        value: viaNft.p50,
        unit: "ms",
        ratio: Number((viaNft.p50 / direct.p50).toFixed(3)),
        nft_p99_ms: viaNft.p99,
        direct_p50_ms: direct.p50,
        direct_p99_ms: direct.p99,
        userspace_p50_ms: viaUserspace.p50,
        userspace_p99_ms: viaUserspace.p99,
        userspace_ratio: Number((viaUserspace.p50 / direct.p50).toFixed(3)),
        services: SERVICES,
        endpoints: SERVICES * ENDPOINTS,
        load_ms: round(loadMs),
        nft_full_load_ms: round(fullApply.ms),
        update_p50_ms: round(percentile(updates, 50)),
        update_max_ms: round(Math.max(...updates)),
        nft_update_apply_p50_ms: round(percentile(applies, 50)),
        requests: REQUESTS,
        // The machine is shared: nft's timings (a cache dump of 11,000 chains per call) follow its load.
        loadavg: Number((loadavg()[0] ?? 0).toFixed(1)),
      }),
    )
  } finally {
    await cleanup()
  }
}

await main()
process.exit(0)
