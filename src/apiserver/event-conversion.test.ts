import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import { Events } from "../api/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"

let env: ClientEnv
before(async () => {
  env = await startClientEnv()
})
after(() => env.stop())

test("core and events.k8s.io Events are one object served two ways", async () => {
  await env.inProcess.resource(Events).create({
    metadata: { name: "e1", namespace: "default" },
    involvedObject: { kind: "Pod", name: "p", namespace: "default" },
    reason: "Started",
    message: "hi",
    type: "Normal",
    source: { component: "kubelet" },
    count: 2,
  } as never)
  const list = await env.inProcess.request<any>({
    method: "GET",
    path: "/apis/events.k8s.io/v1/namespaces/default/events",
  })
  const e1 = list.items.find((e: any) => e.metadata.name === "e1")
  assert.equal(e1.apiVersion, "events.k8s.io/v1")
  assert.deepEqual(e1.regarding, { kind: "Pod", name: "p", namespace: "default" })
  assert.equal(e1.note, "hi")
  assert.equal(e1.deprecatedCount, 2)
  assert.deepEqual(e1.deprecatedSource, { component: "kubelet" })

  await env.inProcess.request({
    method: "POST",
    path: "/apis/events.k8s.io/v1/namespaces/default/events",
    body: {
      metadata: { name: "e2" },
      regarding: { kind: "Pod", name: "q", namespace: "default" },
      reason: "Pulled",
      note: "n",
      type: "Warning",
      eventTime: "2026-01-01T00:00:00.000000Z",
      reportingController: "me",
      reportingInstance: "me-1",
      action: "Pull",
    },
  })
  const core = (await env.inProcess.resource(Events).get({ namespace: "default", name: "e2" })) as any
  assert.equal(core.apiVersion, "v1")
  assert.equal(core.message, "n")
  assert.equal(core.reportingComponent, "me")
  assert.deepEqual(core.involvedObject, { kind: "Pod", name: "q", namespace: "default" })
})
