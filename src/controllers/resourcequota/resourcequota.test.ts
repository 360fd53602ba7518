import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, ConfigMaps, Pods, ResourceQuotas } from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { quotaUsage, RESYNC_PERIOD_MS, resourceQuotaController } from "./resourcequota.ts"

function pod(name: string, ns: string, containers: Container[]): Pod & ApiObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns }, spec: { containers } }
}

const SMALL: Container[] = [
  {
    name: "c",
    image: "x",
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m" } },
  },
]

test("quotaUsage() skips terminal pods' compute, keeps unknown resources and honours scopes", () => {
  const running = pod("a", "ns", SMALL)
  const done = { ...pod("b", "ns", SMALL), status: { phase: "Succeeded" } }
  const bestEffort = pod("c", "ns", [{ name: "c", image: "x" }])
  const objects = (ref: { resource: string }) => (ref.resource === "pods" ? [running, done, bestEffort] : [])
  const quota = {
    spec: { hard: { pods: "10", "count/pods": "10", "requests.cpu": "1", "count/widgets.example.com": "3" } },
    status: { used: { "count/widgets.example.com": "2", stale: "9" } },
  }
  const used = quotaUsage(quota, objects, 0)
  assert.deepEqual(Object.fromEntries(Object.entries(used).map(([k, v]) => [k, v.nano / 1_000_000n])), {
    "count/pods": 3000n,
    "count/widgets.example.com": 2000n,
    pods: 2000n,
    "requests.cpu": 100n,
  })
  const scoped = quotaUsage({ spec: { hard: { pods: "5" }, scopes: ["NotBestEffort"] } }, objects, 0)
  assert.equal(scoped.pods?.nano, 1_000_000_000n)
})

describe("resourceQuotaController", () => {
  let t: LifecycleEnv
  let ns: string
  before(async () => {
    t = await startLifecycleEnv([resourceQuotaController()])
    ns = await t.namespace("rq")
  })
  after(() => t.stop())

  async function status() {
    return (await t.client.resource(ResourceQuotas).get({ namespace: ns, name: "q" })).status
  }

  test("keeps status.hard and status.used current as pods come and go", async () => {
    // GIVEN a quota
    await t.client.resource(ResourceQuotas).create({
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "q", namespace: ns },
      spec: { hard: { pods: "5", "requests.cpu": "1", "requests.memory": "1Gi", configmaps: "3" } },
    })
    // THEN the controller fills status with hard and a zero usage
    await t.until(async () => (await status())?.used?.pods === "0", "the first usage")
    assert.deepEqual(await status(), {
      hard: { configmaps: "3", pods: "5", "requests.cpu": "1", "requests.memory": "1Gi" },
      used: { configmaps: "0", pods: "0", "requests.cpu": "0", "requests.memory": "0" },
    })
    // WHEN pods and a config map are created
    await t.client.resource(Pods).create(pod("a", ns, SMALL))
    await t.client.resource(Pods).create(pod("b", ns, SMALL))
    await t.client
      .resource(ConfigMaps)
      .create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: ns } })
    // THEN used counts them
    await t.until(
      async () =>
        (await status())?.used?.["requests.cpu"] === "200m" && (await status())?.used?.configmaps === "1",
      "usage after creates",
    )
    assert.deepEqual((await status())?.used, {
      configmaps: "1",
      pods: "2",
      "requests.cpu": "200m",
      "requests.memory": "128Mi",
    })
    // WHEN one pod finishes and the other is deleted
    const a = await t.client.resource(Pods).get({ namespace: ns, name: "a" })
    await t.client.resource(Pods).updateStatus({ ...a, status: { ...a.status, phase: "Succeeded" } })
    await t.client.resource(Pods).delete({ namespace: ns, name: "b" }, { gracePeriodSeconds: 0 })
    // THEN neither counts any more
    await t.until(async () => (await status())?.used?.pods === "0", "usage after deletes")
    assert.deepEqual((await status())?.used, {
      configmaps: "1",
      pods: "0",
      "requests.cpu": "0",
      "requests.memory": "0",
    })
  })

  test("a full resync stops charging a pod stuck terminating past its grace period", async () => {
    // GIVEN a pod on a node that went away, deleted with a 30 s grace period, so it stays
    await t.client
      .resource(Pods)
      .create({ ...pod("stuck", ns, SMALL), spec: { nodeName: "gone", containers: SMALL } })
    await t.client.resource(Pods).delete({ namespace: ns, name: "stuck" }, { gracePeriodSeconds: 30 })
    await t.settle()
    await t.until(async () => (await status())?.used?.pods === "1", "the terminating pod still charged")
    // WHEN the resync period passes (well beyond the deletion time plus the grace period)
    await t.clock.advance(RESYNC_PERIOD_MS)
    // THEN the pod no longer charges the quota
    await t.until(async () => (await status())?.used?.pods === "0", "the resync's recount")
    assert.equal((await status())?.used?.["requests.cpu"], "0")
  })

  test("a status written behind its back stays until the resync recounts", async () => {
    // GIVEN a synced quota whose used is overwritten with a wrong count
    await t.until(async () => (await status())?.used?.configmaps === "1", "the quota synced")
    const q = await t.client.resource(ResourceQuotas).get({ namespace: ns, name: "q" })
    await t.client
      .resource(ResourceQuotas)
      .updateStatus({ ...q, status: { ...q.status, used: { ...q.status?.used, configmaps: "3" } } })
    // WHEN nothing counted changes, the status is the admission plugin's and stays
    await t.settle()
    assert.equal((await status())?.used?.configmaps, "3")
    // THEN the full resync recounts
    await t.clock.advance(RESYNC_PERIOD_MS)
    await t.until(async () => (await status())?.used?.configmaps === "1", "the recount")
  })
})
