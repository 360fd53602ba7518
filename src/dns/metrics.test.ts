import assert from "node:assert/strict"
import { createSocket } from "node:dgram"
import { connect } from "node:net"
import { test } from "node:test"
import * as packet from "dns-packet"
import { DnsMetrics, queryType, rcodeOf } from "./metrics.ts"
import { serveDnsMetrics } from "./metrics-server.ts"
import { DnsServer } from "./server.ts"
import { buildView } from "./view.ts"

const q = (name: string, type: packet.RecordType) =>
  packet.encode({ type: "query", id: 9, flags: packet.RECURSION_DESIRED, questions: [{ type, name }] })

const types: { name: string; input: Buffer; want: string }[] = [
  { name: "A", input: q("web.default.svc.cluster.local", "A"), want: "A" },
  { name: "AAAA", input: q("web", "AAAA"), want: "AAAA" },
  { name: "SRV", input: q("_http._tcp.web.default.svc.cluster.local", "SRV"), want: "SRV" },
  { name: "an unmonitored type", input: q("web", "NAPTR"), want: "other" },
  { name: "no question", input: packet.encode({ type: "query", id: 1, questions: [] }), want: "other" },
  { name: "a truncated question", input: q("web", "A").subarray(0, 16), want: "other" },
]
for (const c of types) test(`queryType(): ${c.name}`, () => assert.equal(queryType(c.input), c.want))

const rcodes: { name: string; flags: number; want: string }[] = [
  { name: "NOERROR", flags: 0x8180, want: "NOERROR" },
  { name: "NXDOMAIN", flags: 0x8183, want: "NXDOMAIN" },
  { name: "REFUSED", flags: 0x8185, want: "REFUSED" },
  { name: "an unnamed code", flags: 0x818c, want: "12" },
]
for (const c of rcodes) {
  test(`rcodeOf(): ${c.name}`, () => {
    const reply = Buffer.alloc(12)
    reply.writeUInt16BE(c.flags, 2)
    assert.equal(rcodeOf(reply), c.want)
  })
}

function udpAsk(port: number, query: Buffer): Promise<void> {
  const s = createSocket("udp4")
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("No UDP answer")), 2000)
    s.on("message", () => {
      clearTimeout(timer)
      resolve()
    })
    s.send(query, port, "127.0.0.1")
  }).finally(() => s.close())
}

function tcpAsk(port: number, query: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: "127.0.0.1", port })
    const len = Buffer.alloc(2)
    len.writeUInt16BE(query.length)
    c.on("data", () => {
      c.end()
      resolve()
    })
    c.on("error", reject)
    c.write(Buffer.concat([len, query]))
  })
}

test("DnsServer counts answered queries as CoreDNS does, served at /metrics", async () => {
  // GIVEN a DNS server with one Service, counting in DnsMetrics served over HTTP
  const server = new DnsServer({ host: "127.0.0.1", port: 0 })
  server.setView(
    buildView(
      {
        services: [
          {
            metadata: { name: "web", namespace: "default" },
            spec: { clusterIP: "10.96.0.20", ports: [{ port: 80 }] },
          },
        ],
        slices: [],
        namespaces: [{ metadata: { name: "default" } }],
      },
      { domain: "cluster.local", nameserver: "127.0.0.1" },
    ),
  )
  const port = await server.listen()
  const metrics = new DnsMetrics({ server: `dns://127.0.0.1:${port}` })
  server.setMetrics(metrics)
  const http = await serveDnsMetrics({ host: "127.0.0.1", port: 0, registry: metrics.registry })
  try {
    // WHEN it answers an A query twice (the second from its cache), an NXDOMAIN, and a query over TCP
    await udpAsk(port, q("web.default.svc.cluster.local", "A"))
    await udpAsk(port, q("web.default.svc.cluster.local", "A"))
    await udpAsk(port, q("nope.default.svc.cluster.local", "A"))
    await tcpAsk(port, q("web.default.svc.cluster.local", "SRV"))
    // THEN
    const res = await fetch(`http://127.0.0.1:${http.port}/metrics`)
    assert.equal(res.status, 200)
    const text = await res.text()
    // Labels sorted by name, as CoreDNS's Go client writes them.
    const server = `server="dns://127.0.0.1:${port}"`
    const has = (line: string) => assert.ok(text.includes(line), `${line} not in:\n${text}`)
    has(`coredns_dns_requests_total{family="1",proto="udp",${server},type="A",view="",zone="."} 3`)
    has(`coredns_dns_requests_total{family="1",proto="tcp",${server},type="SRV",view="",zone="."} 1`)
    has(`coredns_dns_responses_total{plugin="kubernetes",rcode="NOERROR",${server},view="",zone="."} 2`)
    has(`coredns_dns_responses_total{plugin="cache",rcode="NOERROR",${server},view="",zone="."} 1`)
    has(`coredns_dns_responses_total{plugin="kubernetes",rcode="NXDOMAIN",${server},view="",zone="."} 1`)
    has(`coredns_dns_request_duration_seconds_count{${server},view="",zone="."} 4`)
    has(`coredns_dns_request_duration_seconds_bucket{${server},view="",zone=".",le="0.00025"}`)
    has(`coredns_dns_response_size_bytes_count{proto="udp",${server},view="",zone="."} 3`)
    assert.equal((await fetch(`http://127.0.0.1:${http.port}/other`)).status, 404)
  } finally {
    await http.close()
    await server.close()
  }
})
