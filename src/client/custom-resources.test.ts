import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { type ApiObject, CustomResourceDefinitions, type ResourceRef } from "../api/index.ts"
import { settleUntil, startClientEnv, type ClientEnv } from "../testing/index.ts"
import { FakeClock } from "../util/index.ts"
import { SharedInformers } from "./shared-informers.ts"

const Widgets: ResourceRef<ApiObject & { spec?: { size?: number } }> = {
  group: "example.k8ts.io",
  version: "v1",
  resource: "widgets",
  kind: "Widget",
  namespaced: false,
}

describe("custom resources through the clients", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
    await env.http.resource(CustomResourceDefinitions).create({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.k8ts.io" },
      spec: {
        group: "example.k8ts.io",
        scope: "Cluster",
        names: { plural: "widgets", kind: "Widget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
              },
            },
          },
        ],
      },
    })
    let established = false
    for (let i = 0; i < 200 && !established; i++) {
      const crd = await env.http.resource(CustomResourceDefinitions).get({ name: "widgets.example.k8ts.io" })
      established = !!crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
      if (!established) await new Promise((r) => setTimeout(r, 5))
    }
    assert.ok(established)
  })
  after(() => env.stop())

  test("an informer lists and follows cluster-scoped custom resources over HTTP", async () => {
    const widgets = env.http.resource(Widgets)
    await widgets.create({
      apiVersion: "example.k8ts.io/v1",
      kind: "Widget",
      metadata: { name: "w1" },
      spec: { size: 1 },
    })
    const informers = new SharedInformers(env.http, { clock: new FakeClock() })
    const inf = informers.get(Widgets)
    const ac = new AbortController()
    const running = informers.run(ac.signal)
    assert.equal(await informers.waitForSync(ac.signal), true)
    assert.equal(inf.cache.get("w1")?.spec?.size, 1)
    const w1 = await widgets.get({ name: "w1" })
    await widgets.update({ ...w1, spec: { size: 2 } })
    await widgets.create({ apiVersion: "example.k8ts.io/v1", kind: "Widget", metadata: { name: "w2" } })
    await settleUntil(
      () => inf.cache.get("w1")?.spec?.size === 2 && !!inf.cache.get("w2"),
      "the update and the add",
    )
    await widgets.delete({ name: "w2" })
    await settleUntil(() => inf.cache.get("w2") === undefined, "the delete")
    ac.abort()
    await running
  })
})
