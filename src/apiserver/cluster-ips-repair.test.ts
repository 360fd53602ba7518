import assert from "node:assert/strict"
import { test } from "node:test"
import { ApiError, type IPAddress, serviceIPAddress } from "../api/index.ts"
import { FakeClock, rfc3339, silentLogger } from "../util/index.ts"
import type { IPAddressApi } from "./ip-address-api.ts"
import { type RepairService, repairClusterIPs } from "./cluster-ips-repair.ts"

/** IPAddresses in a map, as the registry would keep them (AlreadyExists, uid preconditions). */
class MapApi implements IPAddressApi {
  readonly objects = new Map<string, IPAddress>()
  #uids = 0
  cached = (name: string) => this.objects.get(name)
  ipAddresses = () => this.objects.values()
  serviceCIDRs = () => [{ metadata: { name: "kubernetes" }, spec: { cidrs: ["10.96.0.0/24"] } }]
  get = async (name: string) => this.objects.get(name)
  async create(ip: IPAddress): Promise<void> {
    const name = ip.metadata?.name ?? ""
    if (this.objects.has(name)) throw new ApiError("AlreadyExists", `ipaddresses "${name}" already exists`)
    const uid = `uid-${++this.#uids}`
    this.objects.set(name, {
      ...ip,
      metadata: { ...ip.metadata, uid, creationTimestamp: rfc3339(clock.now()) },
    })
  }
  async delete(name: string, uid: string): Promise<void> {
    if (this.objects.get(name)?.metadata?.uid === uid) this.objects.delete(name)
  }
}

const clock = new FakeClock()
const service = (name: string, clusterIP?: string): RepairService => ({
  metadata: { namespace: "default", name },
  spec: clusterIP ? { clusterIP, clusterIPs: [clusterIP] } : { clusterIP: "None" },
})
/** An IPAddress created `ageMs` ago. */
function seeded(api: MapApi, ip: IPAddress, ageMs: number): void {
  const name = ip.metadata?.name ?? ""
  api.objects.set(name, {
    ...ip,
    metadata: { ...ip.metadata, uid: `seed-${name}`, creationTimestamp: rfc3339(clock.now() - ageMs) },
  })
}
const parentOf = (api: MapApi, ip: string) => api.objects.get(ip)?.spec?.parentRef?.name
const repair = (api: MapApi, services: RepairService[]) =>
  repairClusterIPs(services, { api, clock, log: silentLogger() })

const cases: {
  name: string
  seed: (api: MapApi) => void
  services: RepairService[]
  want: Record<string, string | undefined>
}[] = [
  {
    name: "creates the IPAddress a Service's ClusterIP lacks",
    seed: () => {},
    services: [service("web", "10.96.0.10"), service("headless")],
    want: { "10.96.0.10": "web" },
  },
  {
    name: "deletes the allocator's IPAddress whose Service is gone, once past the grace period",
    seed: (api) => {
      seeded(api, serviceIPAddress("10.96.0.11", { namespace: "default", name: "gone" }), 61_000)
      seeded(api, serviceIPAddress("10.96.0.12", { namespace: "default", name: "being-made" }), 5_000)
    },
    services: [],
    want: { "10.96.0.11": undefined, "10.96.0.12": "being-made" },
  },
  {
    name: "deletes the allocator's IPAddress its Service no longer holds",
    seed: (api) =>
      seeded(api, serviceIPAddress("10.96.0.13", { namespace: "default", name: "moved" }), 120_000),
    services: [service("moved", "10.96.0.14")],
    want: { "10.96.0.13": undefined, "10.96.0.14": "moved" },
  },
  {
    name: "leaves IPAddresses users made alone",
    seed: (api) =>
      seeded(
        api,
        { metadata: { name: "10.96.0.15" }, spec: { parentRef: { resource: "gateways", name: "gw" } } },
        120_000,
      ),
    services: [],
    want: { "10.96.0.15": "gw" },
  },
  {
    name: "points a wrongly referenced IPAddress at the Service holding the address",
    seed: (api) =>
      seeded(api, serviceIPAddress("10.96.0.16", { namespace: "default", name: "ghost" }), 120_000),
    services: [service("real", "10.96.0.16")],
    want: { "10.96.0.16": "real" },
  },
  {
    name: "restores the allocator's labels",
    seed: (api) => {
      const ip = serviceIPAddress("10.96.0.17", { namespace: "default", name: "web" })
      seeded(api, { ...ip, metadata: { name: "10.96.0.17" } }, 120_000)
    },
    services: [service("web", "10.96.0.17")],
    want: { "10.96.0.17": "web" },
  },
  {
    name: "creates nothing for an address in no ServiceCIDR",
    seed: () => {},
    services: [service("far", "10.97.0.1")],
    want: { "10.97.0.1": undefined },
  },
  {
    name: "keeps the first holder when two Services claim one address",
    seed: (api) =>
      seeded(api, serviceIPAddress("10.96.0.18", { namespace: "default", name: "first" }), 120_000),
    services: [service("first", "10.96.0.18"), service("second", "10.96.0.18")],
    want: { "10.96.0.18": "first" },
  },
]

for (const c of cases) {
  test(`repairClusterIPs() ${c.name}`, async () => {
    const api = new MapApi()
    c.seed(api)
    await repair(api, c.services)
    for (const [ip, parent] of Object.entries(c.want)) assert.equal(parentOf(api, ip), parent, ip)
    for (const ip of api.objects.values()) {
      if (ip.spec?.parentRef?.resource !== "services") continue
      assert.equal(ip.metadata?.labels?.["ipaddress.kubernetes.io/managed-by"], "ipallocator.k8s.io")
      assert.equal(ip.metadata?.labels?.["ipaddress.kubernetes.io/ip-family"], "IPv4")
    }
  })
}

test("repairClusterIPs() run twice changes nothing the second time", async () => {
  const api = new MapApi()
  const services = [service("web", "10.96.0.20")]
  await repair(api, services)
  const first = structuredClone([...api.objects.values()])
  await repair(api, services)
  assert.deepEqual([...api.objects.values()], first)
})
