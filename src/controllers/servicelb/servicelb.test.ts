import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Service } from "kubernetes-types/core/v1.js"
import { Nodes, Services } from "../../api/index.ts"
import { type Harness, startHarness } from "../_harness.case.ts"
import { serviceLbController } from "./servicelb.ts"

describe("serviceLbController", () => {
  let h: Harness
  before(async () => {
    h = await startHarness([serviceLbController()], { ns: "lb" })
    const node = await h.client
      .resource(Nodes)
      .create({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } })
    await h.client.resource(Nodes).updateStatus({
      ...node,
      status: {
        addresses: [
          { type: "InternalIP", address: "192.168.5.10" },
          { type: "Hostname", address: "n1" },
        ],
      },
    })
  })
  after(() => h.stop())

  function create(name: string, spec: Service["spec"]) {
    return h.client.resource(Services).create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: h.ns },
      spec: { ports: [{ port: 80 }], ...spec },
    })
  }
  async function ingress(name: string) {
    const svc = await h.client.resource(Services).get({ namespace: h.ns, name })
    return svc.status?.loadBalancer?.ingress
  }

  test("reconcile() gives a LoadBalancer the node's InternalIP as a VIP ingress", async () => {
    await create("web", { type: "LoadBalancer" })
    await h.until(async () => (await ingress("web"))?.length === 1, "the ingress")
    assert.deepEqual(await ingress("web"), [{ ip: "192.168.5.10", ipMode: "VIP" }])
  })

  test("reconcile() follows the nodes' addresses", async () => {
    const node = await h.client.resource(Nodes).get({ name: "n1" })
    await h.client.resource(Nodes).updateStatus({
      ...node,
      status: { addresses: [{ type: "InternalIP", address: "192.168.5.11" }] },
    })
    await h.until(async () => (await ingress("web"))?.[0]?.ip === "192.168.5.11", "the moved ingress")
  })

  test("reconcile() leaves Services of another loadBalancerClass and other types alone", async () => {
    await create("other", { type: "LoadBalancer", loadBalancerClass: "example.com/lb" })
    await create("plain", { type: "ClusterIP" })
    await create("probe", { type: "LoadBalancer" })
    await h.until(async () => (await ingress("probe"))?.length === 1, "the probe's ingress")
    assert.equal(await ingress("other"), undefined)
    assert.equal(await ingress("plain"), undefined)
  })

  test("reconcile() removes the ingress when a Service stops being a LoadBalancer", async () => {
    const svc = await h.client.resource(Services).get({ namespace: h.ns, name: "web" })
    const { allocateLoadBalancerNodePorts: _, ...spec } = svc.spec ?? {}
    await h.client.resource(Services).update({ ...svc, spec: { ...spec, type: "NodePort" } })
    await h.until(async () => (await ingress("web")) === undefined, "no ingress")
  })
})
