import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { cidrContains, FakeClock, parseCidr, silentLogger } from "../util/index.ts"
import { createApiServer, type ApiServer } from "./server.ts"
import { ServiceAddresses } from "./service-addresses.ts"
import { ClusterIPs } from "./cluster-ips.ts"
import { apiCall } from "../testing/index.ts"

let api: ApiServer
const store = new MemoryStore()
const ac = new AbortController()
const CIDR = "10.96.0.0/26" // 62 usable addresses, a static band of 16

before(async () => {
  api = createApiServer({ store, clock: new FakeClock(), serviceCidr: parseCidr(CIDR) })
  void api.run(ac.signal)
  await api.ready()
})
after(() => ac.abort())

/** ClusterIPs whose IPAddresses are written nowhere: for tests of NodePorts alone. */
const unrecordedClusterIPs = new ClusterIPs(
  {
    cached: () => undefined,
    ipAddresses: () => [],
    serviceCIDRs: () => [{ metadata: { name: "kubernetes" }, spec: { cidrs: ["10.96.0.0/24"] } }],
    get: async () => undefined,
    create: async () => {},
    delete: async () => {},
  },
  { range: parseCidr("10.96.0.0/24"), clock: new FakeClock(), log: silentLogger() },
)

const call = (method: string, path: string, body?: unknown) => apiCall(api, method, path, body)

const SVCS = "/api/v1/namespaces/default/services"
const svc = (name: string, spec: Record<string, unknown> = {}) =>
  call("POST", SVCS, { metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } })

describe("Service ClusterIPs and NodePorts", () => {
  test("a ClusterIP Service gets a free address above the static band", async () => {
    const res = await svc("dyn")
    assert.equal(res.status, 201)
    const ip = res.json.spec.clusterIP as string
    assert.ok(cidrContains(parseCidr(CIDR), ip), ip)
    assert.ok(Number(ip.split(".")[3]) > 16, `${ip} is outside the static band`)
    assert.deepEqual(res.json.spec.clusterIPs, [ip])
  })

  test("headless and ExternalName Services get no address", async () => {
    assert.equal((await svc("headless", { clusterIP: "None" })).json.spec.clusterIP, "None")
    const ext = await call("POST", SVCS, {
      metadata: { name: "ext" },
      spec: { type: "ExternalName", externalName: "a.example.com" },
    })
    assert.equal(ext.json.spec.clusterIP, undefined)
  })

  test("a requested address is given once; out of range or taken is 422 with upstream's message", async () => {
    assert.equal((await svc("fixed", { clusterIP: "10.96.0.10" })).status, 201)
    const taken = await svc("fixed2", { clusterIP: "10.96.0.10" })
    assert.equal(taken.status, 422)
    assert.match(
      taken.json.message,
      /spec.clusterIPs: Invalid value: \["10.96.0.10"\]: failed to allocate IP 10.96.0.10: provided IP is already allocated/,
    )
    const outside = await svc("far", { clusterIP: "10.97.0.1" })
    assert.equal(outside.status, 422)
    assert.match(
      outside.json.message,
      /failed to allocate IP 10.97.0.1: the provided network does not match the current range/,
    )
    const broadcast = await svc("edge", { clusterIP: "10.96.0.63" })
    assert.equal(broadcast.status, 422)
    assert.match(
      broadcast.json.message,
      /the provided IP \(10.96.0.63\) is not in the valid range. The range of valid IPs is 10.96.0.0\/26/,
    )
  })

  test("changing a held address is refused as immutable, in range or not, reserving nothing", async () => {
    const cur = (await call("GET", `${SVCS}/fixed`)).json
    for (const ip of ["10.97.0.1", "10.96.0.13"]) {
      const res = await call("PUT", `${SVCS}/fixed`, {
        ...cur,
        spec: { ...cur.spec, clusterIP: ip, clusterIPs: [ip] },
      })
      assert.equal(res.status, 422, ip)
      assert.match(res.json.message, /spec.clusterIPs\[0\]: Invalid value: .*: may not change once set/, ip)
    }
    assert.equal((await svc("took13", { clusterIP: "10.96.0.13" })).status, 201)
  })

  test("deleting a Service frees its address at once", async () => {
    assert.equal((await call("DELETE", `${SVCS}/fixed`)).status, 200)
    assert.equal((await svc("fixed", { clusterIP: "10.96.0.10" })).status, 201)
  })

  test("an update that leaves clusterIP out keeps it; dryRun reserves nothing", async () => {
    const cur = (await call("GET", `${SVCS}/dyn`)).json
    const { clusterIP: _a, clusterIPs: _b, ...spec } = cur.spec
    const res = await call("PUT", `${SVCS}/dyn`, { ...cur, spec: { ...spec, selector: { app: "x" } } })
    assert.equal(res.status, 200, JSON.stringify(res.json))
    assert.equal(res.json.spec.clusterIP, cur.spec.clusterIP)
    const dry = await call("POST", `${SVCS}?dryRun=All`, {
      metadata: { name: "dry" },
      spec: { ports: [{ port: 80 }], clusterIP: "10.96.0.11" },
    })
    assert.equal(dry.status, 201)
    assert.equal((await svc("real", { clusterIP: "10.96.0.11" })).status, 201)
  })

  test("NodePorts: allocated in range, a taken one is refused, and a type change frees them", async () => {
    const np = await svc("np", { type: "NodePort" })
    assert.equal(np.status, 201)
    const port = np.json.spec.ports[0].nodePort as number
    assert.ok(port >= 30000 && port <= 32767, String(port))
    const clash = await svc("np2", { type: "NodePort", ports: [{ port: 80, nodePort: port }] })
    assert.equal(clash.status, 422)
    assert.match(
      clash.json.message,
      /spec.ports\[0\].nodePort: Invalid value: \d+: provided port is already allocated/,
    )
    const bad = await svc("np3", { type: "NodePort", ports: [{ port: 80, nodePort: 80 }] })
    assert.match(
      bad.json.message,
      /provided port is not in the valid range. The range of valid ports is 30000-32767/,
    )
    const cur = np.json
    const back = await call("PUT", `${SVCS}/np`, {
      ...cur,
      spec: {
        ...cur.spec,
        type: "ClusterIP",
        externalTrafficPolicy: undefined,
        ports: [{ port: 80, protocol: "TCP", targetPort: 80 }],
      },
    })
    assert.equal(back.status, 200, JSON.stringify(back.json))
    assert.equal((await svc("np2", { type: "NodePort", ports: [{ port: 80, nodePort: port }] })).status, 201)
  })

  test("concurrent creates never share an address", async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => svc(`many-${i}`)))
    const ips = results.filter((r) => r.status === 201).map((r) => r.json.spec.clusterIP as string)
    assert.equal(new Set(ips).size, ips.length)
    assert.ok(ips.length >= 25, `${ips.length} created`)
    const race = await Promise.all(
      Array.from({ length: 8 }, (_, i) => svc(`race-${i}`, { clusterIP: "10.96.0.12" })),
    )
    assert.equal(race.filter((r) => r.status === 201).length, 1)
  })
})

describe("an allocation that fails gives back what it reserved before failing", () => {
  /** The NodePorts the store holds for Service `name`, and whether its IPAddress `ip` exists. */
  async function reservedFor(name: string, ip: string) {
    const { entries } = await store.list("/registry/k8ts/nodeports/")
    const ports = entries.filter(
      (e) => (JSON.parse(e.value) as { owner?: string }).owner === `default/${name}`,
    )
    const address = await call("GET", `/apis/networking.k8s.io/v1/ipaddresses/${ip}`)
    return { ports: ports.map((e) => e.key), address: address.status }
  }

  test("a nodePort taken or out of range after a ClusterIP and a nodePort were reserved: both are released", async () => {
    assert.equal(
      (await svc("holder", { type: "NodePort", ports: [{ port: 80, nodePort: 32700 }] })).status,
      201,
    )
    for (const [name, nodePort] of [
      ["leak-taken", 32700],
      ["leak-range", 80],
    ] as const) {
      const res = await svc(name, {
        type: "NodePort",
        clusterIP: "10.96.0.14",
        ports: [
          { name: "a", port: 80 },
          { name: "b", port: 81, nodePort },
        ],
      })
      assert.equal(res.status, 422, JSON.stringify(res.json))
      assert.deepEqual(await reservedFor(name, "10.96.0.14"), { ports: [], address: 404 })
    }
    // The address is free for the next Service at once, not after the repair passes.
    assert.equal((await svc("after-leak", { clusterIP: "10.96.0.14" })).status, 201)
  })
})

describe("ServiceAddresses.repair", () => {
  test("frees a NodePort nobody holds only on the second pass, and reserves what is held but not reserved", async () => {
    const s = new MemoryStore()
    const a = new ServiceAddresses(s, { clusterIPs: unrecordedClusterIPs, log: silentLogger() })
    const orphan = {
      metadata: { name: "gone", namespace: "ns" },
      spec: { type: "NodePort", ports: [{ nodePort: 30005 }] },
    }
    await a.allocate(orphan, undefined, false)
    const held = {
      metadata: { name: "kept", namespace: "ns" },
      spec: { type: "NodePort", ports: [{ nodePort: 30006 }] },
    }
    await s.create("/registry/k8ts/serviceips/10.96.0.6", JSON.stringify({ owner: "ns/kept" }))
    await a.repair([held])
    assert.ok(await s.get("/registry/k8ts/nodeports/30005"), "kept after one pass")
    assert.ok(await s.get("/registry/k8ts/nodeports/30006"), "reserved for its holder")
    assert.equal(await s.get("/registry/k8ts/serviceips/10.96.0.6"), undefined, "older ClusterIP keys go")
    await a.repair([held])
    assert.equal(await s.get("/registry/k8ts/nodeports/30005"), undefined)
    await s.close()
  })
})

describe("an update switching a Service's type (upstream's dropTypeDependentFields)", () => {
  test("NodePort back to ClusterIP, nodePort and externalTrafficPolicy left as they were: cleared and released", async () => {
    const made = await svc("back", { type: "NodePort" })
    assert.equal(made.status, 201, made.text)
    const port = made.json.spec.ports[0].nodePort as number
    assert.equal(made.json.spec.externalTrafficPolicy, "Cluster")
    // What kubectl apply's three-way patch sends: the type gone, the rest of the live spec kept.
    const { type: _, ...spec } = made.json.spec
    const put = await call("PUT", `${SVCS}/back`, { ...made.json, spec })
    assert.equal(put.status, 200, put.text)
    assert.equal(put.json.spec.type, "ClusterIP")
    assert.equal(put.json.spec.ports[0].nodePort, undefined)
    assert.equal(put.json.spec.externalTrafficPolicy, undefined)
    assert.equal(put.json.spec.clusterIP, made.json.spec.clusterIP)
    const again = await svc("takes-it", { type: "NodePort", ports: [{ port: 80, nodePort: port }] })
    assert.equal(again.status, 201, again.text)
  })

  test("a nodePort the update adds is still refused for a ClusterIP Service", async () => {
    const made = await svc("adds", { type: "NodePort" })
    const { type: _, ...spec } = made.json.spec
    const port = made.json.spec.ports[0].nodePort as number
    const put = await call("PUT", `${SVCS}/adds`, {
      ...made.json,
      spec: { ...spec, ports: [{ ...spec.ports[0], nodePort: port === 32000 ? 32001 : 32000 }] },
    })
    assert.equal(put.status, 422, put.text)
    assert.match(put.json.message, /nodePort: Forbidden: may not be used when `type` is 'ClusterIP'/)
  })

  test("to ExternalName, the unchanged clusterIP goes", async () => {
    const made = await svc("to-ext")
    const put = await call("PUT", `${SVCS}/to-ext`, {
      ...made.json,
      spec: { ...made.json.spec, type: "ExternalName", externalName: "example.com" },
    })
    assert.equal(put.status, 200, put.text)
    assert.equal(put.json.spec.clusterIP, undefined)
    assert.equal(put.json.spec.clusterIPs, undefined)
  })
})
