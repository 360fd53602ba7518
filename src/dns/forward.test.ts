import assert from "node:assert/strict"
import { createSocket } from "node:dgram"
import { createServer } from "node:net"
import { after, before, test } from "node:test"
import * as packet from "dns-packet"
import { Forwarder, parseResolvConf } from "./forward.ts"
import { DnsServer } from "./server.ts"
import { buildView } from "./view.ts"

const cases = [
  {
    name: "nameservers in order",
    input: "nameserver 1.1.1.1\nnameserver 8.8.8.8\n",
    want: ["1.1.1.1", "8.8.8.8"],
  },
  {
    name: "comments, search and options are skipped",
    input: "# generated\nsearch example.com\nnameserver 127.0.0.53\noptions edns0 trust-ad\n",
    want: ["127.0.0.53"],
  },
  { name: "an empty file has none", input: "", want: [] },
]
for (const c of cases) {
  test(`parseResolvConf(): ${c.name}`, () => assert.deepEqual(parseResolvConf(c.input), c.want))
}

const upstream = createSocket("udp4")
let upstreamPort: number
const servers: DnsServer[] = []

before(async () => {
  // A fake upstream answering every A question with 192.0.2.1.
  upstream.on("message", (m, r) => {
    const q = packet.decode(m)
    const name = q.questions?.[0]?.name ?? ""
    upstream.send(
      packet.encode({
        type: "response",
        id: q.id ?? 0,
        questions: q.questions ?? [],
        answers: [{ type: "A", name, ttl: 60, data: "192.0.2.1" }],
      }),
      r.port,
      r.address,
    )
  })
  await new Promise<void>((r) => upstream.bind(0, "127.0.0.1", () => r()))
  upstreamPort = upstream.address().port
})
after(async () => {
  upstream.close()
  for (const s of servers) await s.close()
})

async function serve(forwarder: Forwarder): Promise<number> {
  const server = new DnsServer({ host: "127.0.0.1", port: 0, forwarder })
  servers.push(server)
  server.setView(buildView({ services: [], slices: [], namespaces: [] }, { domain: "cluster.local" }))
  return server.listen()
}

function ask(port: number, name: string): Promise<packet.DecodedPacket & { rcode?: string }> {
  const s = createSocket("udp4")
  return new Promise<packet.DecodedPacket>((resolve) => {
    s.on("message", (m) => resolve(packet.decode(m)))
    s.send(packet.encode({ type: "query", id: 42, questions: [{ type: "A", name }] }), port, "127.0.0.1")
  }).finally(() => s.close())
}

test("DnsServer forwards names outside the cluster domain to the upstream", async () => {
  const port = await serve(new Forwarder([`127.0.0.1:${upstreamPort}`]))
  const r = await ask(port, "example.com")
  assert.equal(r.id, 42)
  assert.deepEqual(
    r.answers?.map((a) => (a as packet.StringAnswer).data),
    ["192.0.2.1"],
  )
  // Names in the cluster domain stay local.
  assert.equal((await ask(port, "nope.default.svc.cluster.local")).rcode, "NXDOMAIN")
})

test("Forwarder asks over TCP for queries that came over TCP", async () => {
  const tcpUpstream = createServer((c) =>
    c.on("data", (d: Buffer) => {
      const q = packet.streamDecode(d)
      c.end(
        packet.streamEncode({
          type: "response",
          id: q.id ?? 0,
          questions: q.questions ?? [],
          answers: [{ type: "A", name: q.questions?.[0]?.name ?? "", ttl: 60, data: "192.0.2.2" }],
        }),
      )
    }),
  )
  await new Promise<void>((r) => tcpUpstream.listen(0, "127.0.0.1", () => r()))
  const address = tcpUpstream.address()
  const upstreamTcp = typeof address === "object" && address ? address.port : 0
  const reply = await new Forwarder([`127.0.0.1:${upstreamTcp}`]).forward(
    packet.encode({ type: "query", id: 5, questions: [{ type: "A", name: "example.org" }] }),
    "tcp",
  )
  assert.equal((packet.decode(reply).answers?.[0] as packet.StringAnswer).data, "192.0.2.2")
  tcpUpstream.close()
})

test("DnsServer answers SERVFAIL when no upstream answers", async () => {
  const silent = createSocket("udp4")
  await new Promise<void>((r) => silent.bind(0, "127.0.0.1", () => r()))
  const port = await serve(new Forwarder([`127.0.0.1:${silent.address().port}`], { timeoutMs: 50 }))
  const r = await ask(port, "example.com")
  assert.equal(r.rcode, "SERVFAIL")
  silent.close()
})
