import assert from "node:assert/strict"
import { createSocket } from "node:dgram"
import { connect } from "node:net"
import { after, before, test } from "node:test"
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import * as packet from "dns-packet"
import { type ApiObject, Endpoints, EndpointSlices, Services } from "../api/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { ClusterDns } from "./cluster-dns.ts"
import { reconcileKubeDnsService } from "./kube-dns-service.ts"

type Reply = packet.DecodedPacket & { rcode?: string }

let env: ClientEnv
let port: number
const stop = new AbortController()
let running: Promise<void>

function query(name: string, type: packet.RecordType, extra: Partial<packet.Packet> = {}): packet.Packet {
  return {
    type: "query",
    id: Math.floor(Math.random() * 65535),
    flags: packet.RECURSION_DESIRED,
    questions: [{ type, name, class: "IN" }],
    ...extra,
  }
}

function udp(q: packet.Packet): Promise<Reply> {
  const s = createSocket("udp4")
  return new Promise<Reply>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No UDP answer for ${q.questions?.[0]?.name}`)), 2000)
    s.on("message", (m) => {
      clearTimeout(timer)
      resolve(Object.assign(packet.decode(m), { size: m.length }) as Reply)
    })
    s.send(packet.encode(q), port, "127.0.0.1")
  }).finally(() => s.close())
}

/** Sends every query on one TCP connection; resolves with the replies by id. */
function tcp(qs: packet.Packet[]): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: "127.0.0.1", port })
    let buf = Buffer.alloc(0)
    const got: Reply[] = []
    c.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        got.push(packet.streamDecode(buf) as Reply)
        buf = buf.subarray(2 + buf.readUInt16BE(0))
      }
      if (got.length === qs.length) {
        c.end()
        resolve(qs.map((q) => got.find((r) => r.id === q.id)!))
      }
    })
    c.on("error", reject)
    c.write(Buffer.concat(qs.map((q) => packet.streamEncode(q))))
  })
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 1000
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

function service(name: string, spec: Service["spec"]): Service & ApiObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec } as Service &
    ApiObject
}

before(async () => {
  env = await startClientEnv()
  const services = env.inProcess.resource(Services)
  await services.create(
    service("web", { clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80, protocol: "TCP" }] }),
  )
  await services.create(service("many", { clusterIP: "None", ports: [{ name: "http", port: 80 }] }))
  const endpoints = Array.from({ length: 60 }, (_, i) => ({
    addresses: [`10.244.0.${i + 1}`],
    conditions: { ready: true },
  }))
  await env.inProcess.resource(EndpointSlices).create({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "many-1", namespace: "default", labels: { "kubernetes.io/service-name": "many" } },
    addressType: "IPv4",
    endpoints,
    ports: [{ name: "http", port: 80, protocol: "TCP" }],
  } as EndpointSlice & ApiObject)
  const dns = new ClusterDns({ client: env.inProcess, domain: "cluster.local", host: "127.0.0.1", port: 0 })
  port = await dns.listen()
  running = dns.run(stop.signal)
  await until("the first view", async () => {
    const r = await udp(query("web.default.svc.cluster.local", "A")).catch(() => undefined)
    return r?.answers?.length ? r : undefined
  })
})

after(async () => {
  stop.abort()
  await running
  await env.stop()
})

test("ClusterDns answers a service over UDP, authoritatively, with TTL 5", async () => {
  const r = await udp(query("web.default.svc.cluster.local", "A"))
  assert.equal(r.rcode, "NOERROR")
  assert.equal(r.flag_aa, true)
  assert.equal(r.flag_rd, true)
  assert.deepEqual(
    r.answers?.map((a) => [a.name, a.type, (a as packet.StringAnswer).ttl, (a as packet.StringAnswer).data]),
    [["web.default.svc.cluster.local", "A", 5, "10.96.0.20"]],
  )
})

test("ClusterDns answers several queries on one TCP connection", async () => {
  const [a, srv] = await tcp([
    query("web.default.svc.cluster.local", "A"),
    query("_http._tcp.web.default.svc.cluster.local", "SRV"),
  ])
  assert.equal((a!.answers?.[0] as packet.StringAnswer).data, "10.96.0.20")
  assert.deepEqual((srv!.answers?.[0] as packet.SrvAnswer).data, {
    priority: 0,
    weight: 100,
    port: 80,
    target: "web.default.svc.cluster.local",
  })
})

test("ClusterDns answers NXDOMAIN with the zone's SOA for unknown names", async () => {
  const r = await udp(query("nope.default.svc.cluster.local", "A"))
  assert.equal(r.rcode, "NXDOMAIN")
  assert.equal(r.answers?.length, 0)
  assert.equal(r.authorities?.[0]?.type, "SOA")
  assert.equal(r.authorities?.[0]?.name, "cluster.local")
})

test("ClusterDns refuses names outside the cluster domain without an upstream", async () => {
  const r = await udp(query("example.com", "A"))
  assert.equal(r.rcode, "REFUSED")
})

test("ClusterDns truncates UDP replies over 512 bytes without EDNS, and TCP carries them whole", async () => {
  const plain = (await udp(query("many.default.svc.cluster.local", "A"))) as Reply & { size: number }
  assert.equal(plain.flag_tc, true)
  assert.ok(plain.size <= 512, `${plain.size} bytes`)
  const [whole] = await tcp([query("many.default.svc.cluster.local", "A")])
  assert.equal(whole!.flag_tc, false)
  assert.equal(whole!.answers?.length, 60)
})

test("ClusterDns honours the EDNS0 buffer size and echoes an OPT record", async () => {
  const opt = {
    type: "OPT",
    name: ".",
    udpPayloadSize: 4096,
    flags: 0,
    options: [],
  } as unknown as packet.Answer
  const r = await udp(query("many.default.svc.cluster.local", "A", { additionals: [opt] }))
  assert.equal(r.flag_tc, false)
  assert.equal(r.answers?.length, 60)
  const echoed = r.additionals?.find((a) => a.type === "OPT") as packet.OptAnswer | undefined
  assert.equal(echoed?.udpPayloadSize, 4096)
  assert.equal(echoed?.ednsVersion, 0)
  const bad = { ...opt, ednsVersion: 1 } as unknown as packet.Answer
  const badvers = await udp(query("web.default.svc.cluster.local", "A", { additionals: [bad] }))
  const badOpt = badvers.additionals?.find((a) => a.type === "OPT") as packet.OptAnswer | undefined
  assert.equal(badOpt?.extendedRcode, 1, "BADVERS")
})

test("ClusterDns answers many concurrent clients", async () => {
  const replies = await Promise.all(
    Array.from({ length: 200 }, () => udp(query("web.default.svc.cluster.local", "A"))),
  )
  assert.ok(replies.every((r) => (r.answers?.[0] as packet.StringAnswer | undefined)?.data === "10.96.0.20"))
})

test("ClusterDns follows watches: a new service resolves within a second", async () => {
  await env.inProcess
    .resource(Services)
    .create(service("late", { clusterIP: "10.96.0.33", ports: [{ name: "http", port: 80 }] }))
  const r = await until("the new service", async () => {
    const got = await udp(query("late.default.svc.cluster.local", "A"))
    return got.answers?.length ? got : undefined
  })
  assert.equal((r.answers?.[0] as packet.StringAnswer).data, "10.96.0.33")
})

test("reconcileKubeDnsService() creates the kube-dns Service, its EndpointSlice and its Endpoints, and is idempotent", async () => {
  const opts = { clusterIP: "10.96.0.10", endpointIP: "127.96.0.10", endpointPort: port }
  await reconcileKubeDnsService(env.inProcess, opts)
  const svc = await env.inProcess.resource(Services).get({ namespace: "kube-system", name: "kube-dns" })
  const rv = svc.metadata?.resourceVersion
  assert.equal(svc.spec?.clusterIP, "10.96.0.10")
  assert.equal(svc.metadata?.labels?.["k8s-app"], "kube-dns")
  assert.deepEqual(
    svc.spec?.ports?.map((p) => `${p.name}/${p.port}/${p.protocol}`),
    ["dns/53/UDP", "dns-tcp/53/TCP", "metrics/9153/TCP"],
  )
  const slice = await env.inProcess
    .resource(EndpointSlices)
    .get({ namespace: "kube-system", name: "kube-dns" })
  assert.deepEqual(slice.endpoints?.[0]?.addresses, ["127.96.0.10"])
  const endpoints = env.inProcess.resource(Endpoints)
  const eps = await endpoints.get({ namespace: "kube-system", name: "kube-dns" })
  assert.deepEqual(eps.subsets, [
    {
      addresses: [{ ip: "127.96.0.10" }],
      ports: [
        { name: "dns-tcp", port, protocol: "TCP" },
        { name: "dns", port, protocol: "UDP" },
      ],
    },
  ])
  assert.deepEqual(eps.metadata?.labels, {
    "k8s-app": "kube-dns",
    "kubernetes.io/cluster-service": "true",
    "kubernetes.io/name": "CoreDNS",
    "endpointslice.kubernetes.io/skip-mirror": "true",
  })
  // Edited away, it comes back at the next pass; otherwise nothing is written again.
  await endpoints.update({ ...eps, subsets: [] })
  await reconcileKubeDnsService(env.inProcess, opts)
  const restored = await endpoints.get({ namespace: "kube-system", name: "kube-dns" })
  assert.deepEqual(restored.subsets, eps.subsets)
  await reconcileKubeDnsService(env.inProcess, opts)
  const again = await env.inProcess.resource(Services).get({ namespace: "kube-system", name: "kube-dns" })
  assert.equal(again.metadata?.resourceVersion, rv)
  assert.equal(
    (await endpoints.get({ namespace: "kube-system", name: "kube-dns" })).metadata?.resourceVersion,
    restored.metadata?.resourceVersion,
  )
})
