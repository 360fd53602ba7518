import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { ConfigMaps, Namespaces, Pods } from "../api/index.ts"
import { settleUntil, startClientEnv, type ClientEnv } from "../testing/index.ts"
import { FakeClock } from "../util/index.ts"
import { BY_NODE_NAME } from "./cache.ts"
import { stripManagedFields } from "./informer.ts"
import { SharedInformers } from "./shared-informers.ts"

describe("SharedInformers", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
    await env.inProcess
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shared" } })
  })
  after(() => env.stop())

  test("get() shares one informer per resource and scope", () => {
    const informers = new SharedInformers(env.inProcess)
    assert.equal(informers.get(ConfigMaps), informers.get(ConfigMaps))
    assert.equal(
      informers.get(Pods, { fieldSelector: "spec.nodeName=n1" }),
      informers.get(Pods, { fieldSelector: "spec.nodeName=n1" }),
    )
    assert.notEqual(informers.get(ConfigMaps), informers.get(ConfigMaps, { namespace: "shared" }))
    assert.notEqual(informers.get(ConfigMaps), informers.get(ConfigMaps, { labelSelector: { a: "b" } }))
  })

  test("a transform applies to every informer; another factory on the same watch keeps whole objects", async () => {
    const stripping = new SharedInformers(env.inProcess, { transform: stripManagedFields })
    const whole = new SharedInformers(env.inProcess)
    const ac = new AbortController()
    const running = Promise.all([stripping.run(ac.signal), whole.run(ac.signal)])
    const [a, b] = [
      stripping.get(ConfigMaps, { namespace: "shared" }),
      whole.get(ConfigMaps, { namespace: "shared" }),
    ]
    assert.equal(await stripping.waitForSync(ac.signal), true)
    assert.equal(await whole.waitForSync(ac.signal), true)
    await env.inProcess.resource(ConfigMaps).create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "t1", namespace: "shared" },
      data: { k: "v" },
    })
    await settleUntil(() => !!a.cache.get("shared/t1") && !!b.cache.get("shared/t1"), "both caches")
    const [stripped, kept] = [a.cache.get("shared/t1"), b.cache.get("shared/t1")]
    assert.equal(stripped?.metadata?.managedFields, undefined)
    assert.equal(kept?.metadata?.managedFields?.length, 1)
    assert.deepEqual(stripped?.data, { k: "v" })
    assert.ok(Object.isFrozen(kept?.metadata?.managedFields?.[0]) && Object.isFrozen(stripped?.data))
    ac.abort()
    await running
  })

  test("run() starts informers created before and after it, which sync and follow changes", async () => {
    const informers = new SharedInformers(env.inProcess, { clock: new FakeClock() })
    const early = informers.get(ConfigMaps, { namespace: "shared" })
    const ac = new AbortController()
    const running = informers.run(ac.signal)
    const late = informers.get(Pods, { namespace: "shared" })
    assert.equal(await informers.waitForSync(ac.signal), true)
    assert.ok(early.hasSynced() && late.hasSynced() && informers.hasSynced())

    const added: string[] = []
    late.addHandler({ onAdd: (p) => added.push(p.metadata?.name ?? "") })
    await env.inProcess.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p1", namespace: "shared" },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx" }] },
    })
    await settleUntil(() => added.length === 1, "the pod's add event")
    assert.deepEqual(
      late.cache.byIndex(BY_NODE_NAME, "n1").map((p) => p.metadata?.name),
      ["p1"],
    )
    await env.inProcess.resource(ConfigMaps).create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c1", namespace: "shared" },
    })
    await settleUntil(() => early.cache.get("shared/c1") !== undefined, "the config map")
    ac.abort()
    await running
  })
})
