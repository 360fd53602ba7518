/**
 * The DNS benchmark's server process: `cluster` (ClusterDns over an in-process API server with
 * SERVICES Services, cache on, counting its request metrics as k8ts serves it; BENCH_DNS_METRICS=0
 * leaves them out), `uncached` (the same without the reply cache: every query is
 * decoded, resolved and encoded), or `echo` (a raw dns-packet server that decodes each query and
 * encodes one fixed A record, no lookup: the baseline). Prints "PORT <n>" once serving.
 */
import { createSocket } from "node:dgram"
import type { Service } from "kubernetes-types/core/v1.js"
import * as packet from "dns-packet"
import { type ApiObject, Services } from "../src/api/index.ts"
import { ClusterDns } from "../src/dns/index.ts"
import { startClientEnv } from "../src/testing/index.ts"

const SERVICES = Number(process.env.BENCH_DNS_SERVICES ?? 100)
const mode = process.argv[2] ?? "cluster"

async function cluster(cacheSize?: number): Promise<number> {
  const env = await startClientEnv()
  const services = env.inProcess.resource(Services)
  for (let i = 0; i < SERVICES; i++) {
    await services.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `svc-${i}`, namespace: "default" },
      spec: { clusterIP: `10.96.1.${i + 1}`, ports: [{ name: "http", port: 80 }] },
    } as Service & ApiObject)
  }
  const dns = new ClusterDns({
    client: env.inProcess,
    domain: "cluster.local",
    host: "127.0.0.1",
    port: 0,
    ...(cacheSize !== undefined ? { cacheSize } : {}),
    ...(process.env.BENCH_DNS_METRICS === "0" ? {} : { metricsPort: 0 }),
  })
  const port = await dns.listen()
  await dns.serveMetrics()
  void dns.run(new AbortController().signal)
  return port
}

function echo(): Promise<number> {
  const udp = createSocket("udp4")
  udp.on("message", (msg, r) => {
    const q = packet.decode(msg)
    const reply = packet.encode({
      type: "response",
      id: q.id ?? 0,
      flags: packet.AUTHORITATIVE_ANSWER,
      questions: q.questions ?? [],
      answers: [{ type: "A", name: q.questions?.[0]?.name ?? "", ttl: 5, data: "10.96.1.1" }],
    })
    udp.send(reply, r.port, r.address)
  })
  return new Promise((resolve) => udp.bind(0, "127.0.0.1", () => resolve(udp.address().port)))
}

const port = mode === "echo" ? await echo() : await cluster(mode === "uncached" ? 0 : undefined)
// Setting up leaves garbage (the API server, 100 creates): collect it before the load starts.
;(globalThis as { gc?: () => void }).gc?.()
process.stdout.write(`PORT ${port}\n`)
