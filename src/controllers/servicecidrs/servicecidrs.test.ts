import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import {
  type ApiObject,
  type IPAddress,
  IPAddresses,
  type ServiceCIDR,
  ServiceCIDRs,
  serviceIPAddress,
} from "../../api/index.ts"
import { startHarness, type Harness } from "../_harness.case.ts"
import { canDeleteServiceCIDR, serviceCIDRController } from "./servicecidrs.ts"

const FINALIZER = "networking.k8s.io/service-cidr-finalizer"

describe("service-cidr-controller", () => {
  let h: Harness
  before(async () => {
    h = await startHarness([serviceCIDRController()])
  })
  after(() => h.stop())

  const get = (name: string) =>
    h.client
      .resource(ServiceCIDRs)
      .get({ name })
      .catch(() => undefined)
  const ready = (c: ServiceCIDR | undefined) => c?.status?.conditions?.find((x) => x.type === "Ready")
  const cidr = (name: string, cidrs: string[]) =>
    h.client.resource(ServiceCIDRs).create({
      apiVersion: "networking.k8s.io/v1",
      kind: "ServiceCIDR",
      metadata: { name },
      spec: { cidrs },
    })

  test("every live ServiceCIDR gets the finalizer and Ready, the default one too", async () => {
    await cidr("extra", ["10.200.0.0/24"])
    for (const name of ["kubernetes", "extra"]) {
      await h.until(
        async () => ready(await get(name))?.message === "Kubernetes Service CIDR is ready",
        `${name} Ready`,
      )
      const c = await get(name)
      assert.deepEqual(c?.metadata?.finalizers, [FINALIZER])
      assert.equal(ready(c)?.status, "True")
      assert.equal(ready(c)?.reason, "")
    }
  })

  test("a deleted ServiceCIDR stays, Terminating, while an address only it contains is in use", async () => {
    const ip = serviceIPAddress("10.200.0.10", { namespace: "default", name: "web" })
    await h.client.resource(IPAddresses).create(ip as IPAddress & ApiObject)
    await h.client.resource(ServiceCIDRs).delete({ name: "extra" })
    await h.until(async () => ready(await get("extra"))?.status === "False", "extra not Ready")
    const held = ready(await get("extra"))
    assert.equal(held?.reason, "Terminating")
    assert.equal(
      held?.message,
      "There are still IPAddresses referencing the ServiceCIDR, please remove them or create a new ServiceCIDR",
    )
    await h.clock.advance(30_000)
    assert.ok((await get("extra"))?.metadata?.deletionTimestamp, "still there")
    // The address goes: after the grace period the ServiceCIDR does too
    await h.client.resource(IPAddresses).delete({ name: "10.200.0.10" })
    await h.until(async () => {
      await h.clock.advance(1000)
      return (await get("extra")) === undefined
    }, "extra gone")
  })

  test("a ServiceCIDR inside another one goes at once (after the grace period), its addresses kept by the other", async () => {
    await cidr("inner", ["10.96.5.0/24"])
    await h.until(
      async () => (await get("inner"))?.metadata?.finalizers?.includes(FINALIZER) ?? false,
      "finalizer",
    )
    const ip = serviceIPAddress("10.96.5.10", { namespace: "default", name: "web" })
    await h.client.resource(IPAddresses).create(ip as IPAddress & ApiObject)
    await h.client.resource(ServiceCIDRs).delete({ name: "inner" })
    await h.until(async () => {
      await h.clock.advance(1000)
      return (await get("inner")) === undefined
    }, "inner gone")
    assert.ok(await h.client.resource(IPAddresses).get({ name: "10.96.5.10" }))
  })
})

describe("canDeleteServiceCIDR", () => {
  const c = (name: string, ...cidrs: string[]) => ({ metadata: { name }, spec: { cidrs } })
  const ip = (addr: string, managed = true): IPAddress => {
    const o = serviceIPAddress(addr, { namespace: "default", name: "web" })
    return managed ? o : { ...o, metadata: { name: addr } }
  }
  const cases: { name: string; cidr: ServiceCIDR; others: ServiceCIDR[]; ips: IPAddress[]; want: boolean }[] =
    [
      {
        name: "nothing allocated from it",
        cidr: c("a", "10.1.0.0/24"),
        others: [],
        ips: [ip("10.2.0.1")],
        want: true,
      },
      {
        name: "an address only it contains",
        cidr: c("a", "10.1.0.0/24"),
        others: [],
        ips: [ip("10.1.0.1")],
        want: false,
      },
      {
        name: "an address another one contains too",
        cidr: c("a", "10.1.0.0/24"),
        others: [c("b", "10.1.0.0/25")],
        ips: [ip("10.1.0.1")],
        want: true,
      },
      {
        name: "contained in another one",
        cidr: c("a", "10.1.0.0/24"),
        others: [c("b", "10.0.0.0/8")],
        ips: [ip("10.1.0.1")],
        want: true,
      },
      {
        name: "an address the allocator did not make",
        cidr: c("a", "10.1.0.0/24"),
        others: [],
        ips: [ip("10.1.0.1", false)],
        want: true,
      },
      {
        name: "dual-stack, an IPv6 address only it contains",
        cidr: c("a", "10.1.0.0/24", "fd00::/108"),
        others: [c("b", "10.0.0.0/8")],
        ips: [ip("fd00::5")],
        want: false,
      },
    ]
  for (const t of cases) {
    test(`canDeleteServiceCIDR() ${t.name}`, () => {
      const all = [t.cidr, ...t.others] as never[]
      assert.equal(canDeleteServiceCIDR(t.cidr, all, t.ips), t.want)
    })
  }
})
