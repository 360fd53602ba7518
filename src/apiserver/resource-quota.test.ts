import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Container, Pod, ResourceQuota } from "kubernetes-types/core/v1.js"
import {
  ApiError,
  type ApiObject,
  ConfigMaps,
  Namespaces,
  Pods,
  ResourceQuotas,
  Services,
} from "../api/index.ts"
import { InProcessClient } from "../client/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { createApiServer } from "./server.ts"

function pod(
  name: string,
  ns: string,
  containers: Container[] = [{ name: "c", image: "x" }],
): Pod & ApiObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns }, spec: { containers } }
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`)
  return err
}

describe("ResourceQuota admission", () => {
  let env: ClientEnv
  let n = 0
  before(async () => {
    env = await startClientEnv()
  })
  after(() => env.stop())

  /** A fresh namespace with one quota whose status holds `hard` and `used` (as the controller would). */
  async function withQuota(
    spec: ResourceQuota["spec"] & { hard: Record<string, string> },
    used?: Record<string, string>,
  ): Promise<string> {
    const ns = `quota-${++n}`
    await env.inProcess
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
    const q = await env.inProcess.resource(ResourceQuotas).create({
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "q", namespace: ns },
      spec,
    })
    const zero = Object.fromEntries(Object.keys(spec.hard).map((k) => [k, "0"]))
    await env.inProcess
      .resource(ResourceQuotas)
      .updateStatus({ ...q, status: { hard: spec.hard, used: used ?? zero } })
    return ns
  }

  async function usedOf(ns: string): Promise<Record<string, string> | undefined> {
    return (await env.inProcess.resource(ResourceQuotas).get({ namespace: ns, name: "q" })).status?.used
  }

  test("charges a created pod to status.used", async () => {
    const ns = await withQuota({ hard: { pods: "3", "requests.cpu": "1", "limits.memory": "1Gi" } })
    await env.inProcess
      .resource(Pods)
      .create(
        pod("a", ns, [
          { name: "c", image: "x", resources: { requests: { cpu: "250m" }, limits: { memory: "512Mi" } } },
        ]),
      )
    assert.deepEqual(await usedOf(ns), { "limits.memory": "512Mi", pods: "1", "requests.cpu": "250m" })
  })

  test("refuses a pod beyond the quota with 403 and upstream's message", async () => {
    const ns = await withQuota({ hard: { pods: "2" } }, { pods: "2" })
    const err = await refusal(env.inProcess.resource(Pods).create(pod("x", ns)))
    assert.equal(err.reason, "Forbidden")
    assert.equal(err.code, 403)
    assert.equal(
      err.message,
      'pods "x" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
    )
    assert.deepEqual(await usedOf(ns), { pods: "2" })
  })

  test("charges a pod's resize, and refuses one beyond the quota (pods/resize)", async () => {
    const ns = await withQuota({ hard: { "requests.cpu": "1" } })
    const pods = env.inProcess.resource(Pods)
    const resized = (cpu: string) =>
      pods.patch(
        { namespace: ns, name: "r" },
        { spec: { containers: [{ name: "c", resources: { requests: { cpu } } }] } },
        { type: "strategic", subresource: "resize" },
      )
    await pods.create(pod("r", ns, [{ name: "c", image: "x", resources: { requests: { cpu: "250m" } } }]))
    await resized("600m")
    assert.deepEqual(await usedOf(ns), { "requests.cpu": "600m" })
    const err = await refusal(resized("1500m"))
    assert.equal(err.code, 403)
    assert.equal(
      err.message,
      'pods "r" is forbidden: exceeded quota: q, requested: requests.cpu=900m, used: requests.cpu=600m, limited: requests.cpu=1',
    )
    // A smaller one charges nothing (the controller lowers the usage when it counts again).
    await resized("100m")
    assert.deepEqual(await usedOf(ns), { "requests.cpu": "600m" })
  })

  test("refuses a pod that does not state a constrained compute resource", async () => {
    const ns = await withQuota({ hard: { "limits.cpu": "2", "requests.memory": "1Gi" } })
    const err = await refusal(
      env.inProcess.resource(Pods).create(
        pod("x", ns, [
          { name: "web", image: "x", resources: { limits: { memory: "1Gi" } } },
          { name: "db", image: "x" },
        ]),
      ),
    )
    assert.equal(
      err.message,
      'pods "x" is forbidden: failed quota: q: must specify limits.cpu for: db,web; requests.memory for: db',
    )
  })

  test("of concurrent creates against a quota of 1, exactly one succeeds", async () => {
    const ns = await withQuota({ hard: { pods: "1" } })
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => env.inProcess.resource(Pods).create(pod(`p${i}`, ns))),
    )
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1)
    for (const r of results) {
      if (r.status === "rejected")
        assert.match(
          (r.reason as Error).message,
          /exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1/,
        )
    }
    assert.deepEqual(await usedOf(ns), { pods: "1" })
    assert.equal((await env.inProcess.resource(Pods).list({ namespace: ns })).items.length, 1)
  })

  test("two API servers on one store cannot both take the last unit", async () => {
    // GIVEN a second server on the same store: its writes race this one's at the store only
    const other = createApiServer({ store: env.store })
    const stop = new AbortController()
    const running = other.run(stop.signal)
    await other.ready()
    const clients = [env.inProcess, new InProcessClient(other.handle)]
    try {
      const ns = await withQuota({ hard: { pods: "2" } })
      // WHEN eight pods are created at once, alternately through each server
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => clients[i % 2]!.resource(Pods).create(pod(`p${i}`, ns))),
      )
      // THEN exactly two are admitted and charged
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 2)
      assert.deepEqual(await usedOf(ns), { pods: "2" })
    } finally {
      stop.abort()
      await running.catch(() => {})
    }
  })

  test("charges only pods in the quota's scope", async () => {
    const ns = await withQuota({ hard: { pods: "1" }, scopes: ["BestEffort"] })
    const burstable = { name: "c", image: "x", resources: { requests: { cpu: "100m" } } }
    await env.inProcess.resource(Pods).create(pod("b1", ns, [burstable]))
    await env.inProcess.resource(Pods).create(pod("b2", ns, [burstable]))
    await env.inProcess.resource(Pods).create(pod("e1", ns))
    const err = await refusal(env.inProcess.resource(Pods).create(pod("e2", ns)))
    assert.match(err.message, /exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1$/)
  })

  test("counts object kinds by legacy and count/ names", async () => {
    const ns = await withQuota({ hard: { configmaps: "5", "count/configmaps": "1" } })
    const cm = (name: string) =>
      ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns } }) as const
    await env.inProcess.resource(ConfigMaps).create(cm("one"))
    const err = await refusal(env.inProcess.resource(ConfigMaps).create(cm("two")))
    assert.equal(
      err.message,
      'configmaps "two" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1',
    )
    assert.deepEqual(await usedOf(ns), { configmaps: "1", "count/configmaps": "1" })
  })

  test("charges a service's change to NodePort on update", async () => {
    const ns = await withQuota({ hard: { services: "5", "services.nodeports": "1" } })
    const svcs = env.inProcess.resource(Services)
    const svc = await svcs.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: ns },
      spec: {
        ports: [{ port: 80 }, { port: 443, name: "https" }, { port: 8080, name: "alt" }].map((p, i) => ({
          name: `p${i}`,
          ...p,
        })),
      },
    })
    const err = await refusal(svcs.update({ ...svc, spec: { ...svc.spec, type: "NodePort" } }))
    assert.equal(
      err.message,
      'services "web" is forbidden: exceeded quota: q, requested: services.nodeports=3, used: services.nodeports=0, limited: services.nodeports=1',
    )
    assert.deepEqual(await usedOf(ns), { services: "1", "services.nodeports": "0" })
  })

  test("refuses while a quota's usage is not yet known", async () => {
    const ns = `quota-${++n}`
    await env.inProcess
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
    const q = await env.inProcess.resource(ResourceQuotas).create({
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "q", namespace: ns },
      spec: { hard: { pods: "1" } },
    })
    await env.inProcess.resource(ResourceQuotas).updateStatus({ ...q, status: { hard: { pods: "1" } } })
    const err = await refusal(env.inProcess.resource(Pods).create(pod("x", ns)))
    assert.equal(err.message, 'pods "x" is forbidden: status unknown for quota: q, resources: pods')
  })

  test("a dry run checks but does not charge", async () => {
    const ns = await withQuota({ hard: { pods: "1" } })
    const res = await env.inProcess.resource(Pods).create(pod("x", ns), { dryRun: true })
    assert.equal(res.metadata?.name, "x")
    assert.deepEqual(await usedOf(ns), { pods: "0" })
  })

  test("an invalid object is refused by validation and charges nothing", async () => {
    const ns = await withQuota({ hard: { pods: "1" } }, { pods: "1" })
    const err = await refusal(env.inProcess.resource(Pods).create(pod("bad", ns, [])))
    assert.equal(err.reason, "Invalid")
    assert.deepEqual(await usedOf(ns), { pods: "1" })
  })
})
