/**
 * `npm run bench -- proxy` (root, nft): requests/s and p99 latency through a Service, with
 * keep-alive connections and with a new connection per request, for the nftables backend
 * (kernel DNAT on the ClusterIP) and the userspace backend (Node on the ClusterIP's loopback
 * mapping), against two baselines measured in the same run: the backend directly (no proxy)
 * and haproxy (TCP mode, roundrobin over the same backends; skipped with a note when it is
 * missing and cannot be installed). Then, with 1,000 Services of 10 endpoints each (10,000
 * endpoints) loaded, how long one EndpointSlice change takes to become the rule connections
 * follow (API write → informer → sync → nft transaction → a new connection reaching the new
 * endpoint).
 * Backends are HTTP servers in one child process on 127.244.250.x; the load generator is
 * another child process; service VIPs come from the bench's own range 10.252.0.0/16 (routed
 * to a device it creates); everything is removed at the end (the table, route, device,
 * haproxy and the children, by PID). Traffic only goes to loopback addresses.
 * Targets: nftables ≥ 95% of direct; userspace ≥ 50% of direct and within 2× of haproxy; one
 * endpoint change programmed in < 100 ms.
 * Throughput is measured in BENCH_PROXY_ROUNDS (default 9) short rounds of BENCH_PROXY_ROUND_MS
 * (default 400) per target and mode, direct and nftables taking turns in 100 ms slices within
 * each round, the other targets after; a target's req/s is the median of its rounds.
 * Last line: value = nftables requests/s with keep-alive (median), ratio = that over direct's
 * median; ratio_paired = the median of the rounds' nftables/direct ratios.
 * BENCH_PROXY_CONNS (default 8) concurrent clients.
 */
import type { ChildProcess } from "node:child_process"
import { loadavg } from "node:os"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { type ApiObject, EndpointSlices, Services } from "../src/api/index.ts"
import { createApiServer } from "../src/apiserver/index.ts"
import { InProcessClient } from "../src/client/index.ts"
import { compileRules, NftablesProxy, Proxy } from "../src/proxy/index.ts"
import { MemoryStore } from "../src/storage/index.ts"
import { parseCidr, silentLogger } from "../src/util/index.ts"
import { type Haproxy, killChild, startHaproxy } from "./_haproxy.ts"
import { percentile } from "./_http.ts"
import { get, type LoadResult, MODES, measure, startBackends } from "./_proxy-load.ts"

const CONNS = Number(process.env.BENCH_PROXY_CONNS ?? 8)
const ROUND_MS = Number(process.env.BENCH_PROXY_ROUND_MS ?? 400)
const ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 9)
const SERVICES = Number(process.env.BENCH_PROXY_SERVICES ?? 1000)
const ENDPOINTS = 10
const UPDATES = 10
const PORT = 18090
const HAPROXY = { host: "127.244.251.1", port: 18091 }
const SERVICE_CIDR = "10.252.0.0/16"
const LOOPBACK = "127.252.0.0/16"
const BACKENDS = Array.from({ length: ENDPOINTS + 1 }, (_, i) => `127.244.250.${i + 2}`)
const FIRST = BACKENDS.slice(0, ENDPOINTS)
const NEW_BACKEND = BACKENDS[ENDPOINTS] as string
const NODE = "bench-node"
const NS = "default"
const TARGETS = { nftables: 0.95, userspace: 0.5, haproxyFactor: 2, updateMs: 100 }

function vip(i: number): string {
  return `10.252.${Math.floor((i + 10) / 256)}.${(i + 10) % 256}`
}

/** The userspace proxy's address for vip(i). */
function loopbackVip(i: number): string {
  return vip(i).replace(/^10\./, "127.")
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls new connections to `host` until one reaches NEW_BACKEND; resolves with the time. */
async function untilServedBy(host: string, deadline: number): Promise<number> {
  for (;;) {
    const who = await get(host, 80, 100).catch(() => "")
    if (who === NEW_BACKEND) return performance.now()
    if (performance.now() > deadline) throw new Error(`Service ${host} never reached ${NEW_BACKEND}`)
    // Leave the two cores to the proxy and nft: a busy poll would slow what it measures.
    await sleep(2)
  }
}

/** The time of one full load of the current rules into a table of its own (removed after). */
async function fullLoad(client: InProcessClient): Promise<{ ms: number; lines: number }> {
  const services = (await client.resource(Services).list()).items
  const slices = (await client.resource(EndpointSlices).list()).items
  const table = new NftablesProxy({
    table: "k8ts-proxy-bench-full",
    clusterCidr: "10.251.0.0/16",
    serviceCidr: SERVICE_CIDR,
    nodeAddresses: [],
    serviceRouteDevice: null,
    log: silentLogger(),
  })
  try {
    await table.apply(compileRules(services, slices, NODE))
    return { ...table.lastApply }
  } finally {
    await table.close()
  }
}

/** Writes the services and their slices; resolves once the last one answers through both proxies. */
async function loadServices(client: InProcessClient): Promise<{ writtenMs: number; servingMs: number }> {
  const start = performance.now()
  for (let i = 0; i < SERVICES; i++) {
    await client.resource(Services).create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `svc-${i}`, namespace: NS },
      spec: { clusterIP: vip(i), ports: [{ port: 80, targetPort: PORT }] },
    })
    await client.resource(EndpointSlices).create(slice(i, FIRST))
  }
  const writtenMs = performance.now() - start
  for (const host of [vip(SERVICES - 1), loopbackVip(SERVICES - 1)]) {
    while (!(await get(host, 80, 100).catch(() => "")).startsWith("127.244.250.")) await sleep(20)
  }
  return { writtenMs, servingMs: performance.now() - start }
}

/**
 * Times UPDATES endpoint changes, each a lone change: past minSyncPeriod (1 s) since the last
 * sync and after the deletion of the chains the last one emptied (1 s after it).
 */
async function updates(client: InProcessClient, nft: NftablesProxy): Promise<Updates> {
  const ms: number[] = []
  const applies: number[] = []
  const syncs: number[] = []
  const writes: number[] = []
  const compiles: number[] = []
  const programmed: number[] = []
  // When each sync reaches the backend: the part of the latency before compiling and nft.
  let started = 0
  const apply = nft.apply.bind(nft)
  nft.apply = (rules) => ((started = performance.now()), apply(rules))
  for (let u = 0; u < UPDATES; u++) {
    await sleep(1600)
    const i = 1 + ((u * 97) % (SERVICES - 1))
    const current = await client.resource(EndpointSlices).get({ namespace: NS, name: `svc-${i}-abc` })
    const t = performance.now()
    await client
      .resource(EndpointSlices)
      .update({ ...slice(i, [NEW_BACKEND, ...FIRST.slice(1)]), metadata: current.metadata })
    writes.push(performance.now() - t)
    ms.push((await untilServedBy(vip(i), t + 10_000)) - t)
    applies.push(nft.lastApply.ms)
    syncs.push(started - t)
    compiles.push(nft.lastApply.compileMs)
    programmed.push(started + nft.lastApply.compileMs + nft.lastApply.ms - t)
  }
  return { ms, applies, syncs, writes, compiles, programmed }
}

/**
 * Endpoint change → a new connection reaching the new endpoint (ms); → nft's transaction
 * committed (programmed, what the target is about); and the parts: the API write, write →
 * sync start, the rules' compile and diff, nft's transaction.
 */
interface Updates {
  readonly programmed: number[]
  readonly ms: number[]
  readonly applies: number[]
  readonly syncs: number[]
  readonly writes: number[]
  readonly compiles: number[]
}

const r1 = (x: number) => Number(x.toFixed(1))
const r3 = (x: number) => Number(x.toFixed(3))

/** The rows, the targets and the JSON line. */
function report(
  res: Map<string, LoadResult>,
  names: readonly string[],
  rest: Record<string, unknown>,
  upd: Updates,
  haproxyNote: string | undefined,
): void {
  const at = (name: string, mode: string) => res.get(`${name}/${mode}`)
  console.log(
    `${"target".padEnd(10)} ${"mode".padEnd(10)} ${"req/s".padStart(8)} ${"min–max of rounds".padStart(18)} ${"p99 ms".padStart(8)} errors`,
  )
  const fields: Record<string, number | null> = {}
  for (const mode of MODES) {
    for (const name of names) {
      const x = at(name, mode)
      if (!x) continue
      const spread = `${Math.min(...x.rounds).toFixed(0)}–${Math.max(...x.rounds).toFixed(0)}`
      console.log(
        `${name.padEnd(10)} ${mode.padEnd(10)} ${x.rps.toFixed(0).padStart(8)} ${spread.padStart(18)} ${x.p99.toFixed(2).padStart(8)} ${x.errors}`,
      )
      fields[`${name}_${mode}_rps`] = Math.round(x.rps)
      fields[`${name}_${mode}_p99_ms`] = r3(x.p99)
    }
  }
  if (haproxyNote) console.log(`haproxy: not measured: ${haproxyNote}`)
  const ratio = (a: string, b: string, mode: string) => {
    const x = at(a, mode)?.rps
    const y = at(b, mode)?.rps
    return x !== undefined && y ? r3(x / y) : null
  }
  // Round by round: nftables ran right before or after direct, on the same machine load.
  const paired = (a: string, b: string, mode: string) => {
    const x = at(a, mode)?.rounds
    const y = at(b, mode)?.rounds
    return x && y
      ? r3(
          percentile(
            x.map((v, i) => v / (y[i] ?? NaN)),
            50,
          ),
        )
      : null
  }
  const ka = MODES[0]
  const nftRatio = ratio("nftables", "direct", ka)
  const nftPaired = paired("nftables", "direct", ka)
  const usRatio = ratio("userspace", "direct", ka)
  const usHa = ratio("userspace", "haproxy", ka)
  const updP50 = r1(percentile(upd.programmed, 50))
  const updMax = r1(Math.max(...upd.programmed))
  const verdict = (ok: boolean | null) => (ok === null ? "not measured" : ok ? "met" : "MISSED")
  console.log(
    `targets: nftables ≥ ${TARGETS.nftables * 100}% of direct: ${nftRatio} (${verdict(nftRatio !== null && nftRatio >= TARGETS.nftables)}; round by round ${nftPaired}); ` +
      `userspace ≥ ${TARGETS.userspace * 100}% of direct: ${usRatio} (${verdict(usRatio !== null && usRatio >= TARGETS.userspace)}); ` +
      `userspace within ${TARGETS.haproxyFactor}× of haproxy: ${usHa} (${verdict(usHa === null ? null : usHa >= 1 / TARGETS.haproxyFactor)}); ` +
      `endpoint change with ${SERVICES} services programmed < ${TARGETS.updateMs} ms: p50 ${updP50} max ${updMax} (${verdict(updMax < TARGETS.updateMs)}; first connection there p50 ${r1(percentile(upd.ms, 50))})`,
  )
  console.log(
    JSON.stringify({
      bench: "proxy",
      value: fields.nftables_keepalive_rps,
      unit: "req/s",
      ratio: nftRatio,
      ratio_paired: nftPaired,
      nftables_new_ratio_paired: paired("nftables", "direct", "new"),
      nftables_new_ratio: ratio("nftables", "direct", "new"),
      userspace_ratio: usRatio,
      userspace_new_ratio: ratio("userspace", "direct", "new"),
      userspace_over_haproxy: usHa,
      userspace_new_over_haproxy: ratio("userspace", "haproxy", "new"),
      ...fields,
      update_programmed_p50_ms: updP50,
      update_programmed_max_ms: updMax,
      update_p50_ms: r1(percentile(upd.ms, 50)),
      update_max_ms: r1(Math.max(...upd.ms)),
      nft_update_apply_p50_ms: r1(percentile(upd.applies, 50)),
      update_sync_start_p50_ms: r1(percentile(upd.syncs, 50)),
      update_write_p50_ms: r1(percentile(upd.writes, 50)),
      update_compile_p50_ms: r1(percentile(upd.compiles, 50)),
      ...rest,
      conns: CONNS,
      rounds: ROUNDS,
      round_ms: ROUND_MS,
      ...(haproxyNote ? { haproxy: "not measured" } : {}),
      // The machine is shared: throughput and nft's timings follow its load.
      loadavg: Number((loadavg()[0] ?? 0).toFixed(1)),
    }),
  )
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("Cannot run the proxy bench: nftables needs root")
  const children: ChildProcess[] = []
  let haproxy: Haproxy | undefined
  const stop = new AbortController()
  const stopUserspace = new AbortController()
  const running: Promise<void>[] = []
  const cleanup = async () => {
    stop.abort()
    stopUserspace.abort()
    await Promise.allSettled(running)
    await haproxy?.stop()
    await Promise.all(children.map(killChild))
  }
  // Interrupted: still remove the table, the route, haproxy and the backends.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => void cleanup().finally(() => process.exit(130)))
  }
  try {
    children.push(await startBackends(BACKENDS, PORT))
    const ha = await startHaproxy(HAPROXY.host, HAPROXY.port, FIRST, PORT)
    if (typeof ha !== "string") haproxy = ha
    const api = createApiServer({
      store: new MemoryStore(),
      serviceCidr: parseCidr(SERVICE_CIDR),
      log: silentLogger(),
    })
    running.push(api.run(stop.signal))
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
    running.push(new Proxy({ ...common, loopbackRange: parseCidr(LOOPBACK), backend: nft }).run(stop.signal))
    running.push(new Proxy({ ...common, loopbackRange: parseCidr(LOOPBACK) }).run(stopUserspace.signal))
    const loaded = await loadServices(client)
    console.error(
      `proxy bench: ${SERVICES} services written in ${loaded.writtenMs.toFixed(0)} ms, serving after ${loaded.servingMs.toFixed(0)} ms`,
    )
    const fullApply = await fullLoad(client)
    const targets = [
      { name: "direct", host: FIRST[0] as string, port: PORT },
      { name: "nftables", host: vip(0), port: 80 },
      { name: "userspace", host: loopbackVip(0), port: 80 },
      ...(haproxy ? [{ name: "haproxy", ...HAPROXY }] : []),
    ]
    const res = await measure(
      targets,
      { conns: CONNS, ms: ROUND_MS, rounds: ROUNDS, warmMs: 300 },
      stop.signal,
    )
    // The update latency is the nftables proxy's alone: the userspace one would share its event loop.
    stopUserspace.abort()
    const upd = await updates(client, nft)
    report(
      res,
      targets.map((t) => t.name),
      {
        services: SERVICES,
        endpoints: SERVICES * ENDPOINTS,
        load_ms: r1(loaded.servingMs),
        nft_full_load_ms: r1(fullApply.ms),
        nft_full_load_lines: fullApply.lines,
      },
      upd,
      typeof ha === "string" ? ha : undefined,
    )
  } finally {
    await cleanup()
  }
}

await main()
process.exit(0)
