import assert from "node:assert/strict"
import { createSocket } from "node:dgram"
import { connect, createServer, type Server } from "node:net"
import { after, before, test } from "node:test"
import { silentLogger } from "../util/index.ts"
import type { ServiceRule } from "./rules.ts"
import { UserspaceProxy } from "./userspace.ts"

const VIP = "127.97.0.10"
const backends: Server[] = []
let proxy: UserspaceProxy

function backend(ip: string, port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = createServer((c) => c.end(ip))
    backends.push(s)
    s.listen(port, ip, () => resolve())
  })
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ""
    const c = connect({ host: VIP, port })
    c.on("data", (d) => (out += d))
    c.on("end", () => resolve(out))
    c.on("error", reject)
  })
}

const rule = (over: Partial<ServiceRule>): ServiceRule => ({
  id: "ns/web:",
  clusterIP: "10.96.0.10",
  port: 18080,
  protocol: "TCP",
  endpoints: [],
  internalLocal: false,
  externalLocal: false,
  ...over,
})

before(async () => {
  await backend("127.97.1.1", 18081)
  await backend("127.97.1.2", 18081)
  proxy = new UserspaceProxy({ listenAddress: () => VIP, log: silentLogger() })
})
after(() => {
  proxy.close()
  for (const b of backends) b.close()
})

const eps = [
  { ip: "127.97.1.1", port: 18081, local: true },
  { ip: "127.97.1.2", port: 18081, local: true },
]

test("connections spread round robin across endpoints", async () => {
  proxy.apply([rule({ endpoints: eps })])
  await new Promise((r) => setTimeout(r, 20))
  const got = [await ask(18080), await ask(18080), await ask(18080), await ask(18080)]
  assert.deepEqual(got.sort(), ["127.97.1.1", "127.97.1.1", "127.97.1.2", "127.97.1.2"])
})

test("ClientIP affinity keeps a client on one endpoint", async () => {
  proxy.apply([rule({ endpoints: eps, affinitySeconds: 60 })])
  const got = new Set([await ask(18080), await ask(18080), await ask(18080)])
  assert.equal(got.size, 1)
})

test("a service without endpoints refuses connections, and recovers when one appears", async () => {
  proxy.apply([rule({ endpoints: [] })])
  await assert.rejects(ask(18080))
  proxy.apply([rule({ endpoints: [eps[0]!] })])
  assert.equal(await ask(18080), "127.97.1.1")
})

test("UDP flows are forwarded and answered", async () => {
  const echo = createSocket("udp4")
  echo.on("message", (m, r) => echo.send(`echo:${m}`, r.port, r.address))
  await new Promise<void>((r) => echo.bind(18053, "127.97.1.3", () => r()))
  proxy.apply([
    rule({
      id: "ns/dns:",
      protocol: "UDP",
      port: 18053,
      endpoints: [{ ip: "127.97.1.3", port: 18053, local: true }],
    }),
  ])
  await new Promise((r) => setTimeout(r, 20))
  const client = createSocket("udp4")
  const answer = await new Promise<string>((resolve) => {
    client.on("message", (m) => resolve(String(m)))
    client.send("hi", 18053, VIP)
  })
  assert.equal(answer, "echo:hi")
  client.close()
  echo.close()
  assert.deepEqual(proxy.listening(), [`UDP/${VIP}:18053`])
})

test("a UDP flow moves off an endpoint that was removed (as kube-proxy clears its conntrack entries)", async () => {
  const echoes = ["127.97.1.4", "127.97.1.5"].map((ip) => {
    const s = createSocket("udp4")
    s.on("message", (_m, r) => s.send(ip, r.port, r.address))
    return { ip, s }
  })
  for (const { ip, s } of echoes) await new Promise<void>((r) => s.bind(18054, ip, () => r()))
  const udp = (ip: string) =>
    rule({ id: "ns/dns2:", protocol: "UDP", port: 18054, endpoints: [{ ip, port: 18054, local: true }] })
  const client = createSocket("udp4")
  const askUdp = () =>
    new Promise<string>((resolve) => {
      client.once("message", (m) => resolve(String(m)))
      client.send("?", 18054, VIP)
    })
  try {
    proxy.apply([udp("127.97.1.4")])
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(await askUdp(), "127.97.1.4")
    proxy.apply([udp("127.97.1.5")])
    assert.equal(await askUdp(), "127.97.1.5")
  } finally {
    client.close()
    for (const { s } of echoes) s.close()
  }
})

test("a service whose only endpoint is its own address and port gets no listener (cluster DNS serves there)", () => {
  proxy.apply([
    rule({ id: "kube-system/kube-dns:dns", port: 18090, endpoints: [{ ip: VIP, port: 18090, local: true }] }),
  ])
  assert.deepEqual(proxy.listening(), [])
})

test("a load-balancer IP (the node's address, from ServiceLB) serves the service port there", async () => {
  proxy.apply([rule({ endpoints: [eps[1]!], loadBalancerIPs: ["127.97.2.1"] })])
  await new Promise((r) => setTimeout(r, 20))
  assert.deepEqual(proxy.listening(), [`TCP/${VIP}:18080`, "TCP/127.97.2.1:18080"])
  const got = await new Promise<string>((resolve, reject) => {
    let out = ""
    const c = connect({ host: "127.97.2.1", port: 18080 })
    c.on("data", (d) => (out += d))
    c.on("end", () => resolve(out))
    c.on("error", reject)
  })
  assert.equal(got, "127.97.1.2")
})
