import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer } from "../testing/index.ts"
import { filterFor, selectorsOf } from "./filter.ts"
import type { ApiServer } from "./server.ts"

const EVENTS_V1 = { group: "events.k8s.io", version: "v1", kind: "Event" } as const

describe("field selectors of events.k8s.io Events", () => {
  const stored = {
    metadata: { name: "e1", namespace: "default" },
    involvedObject: { kind: "Pod", name: "web", namespace: "default" },
    reason: "Scheduled",
    reportingComponent: "default-scheduler",
    type: "Normal",
  }
  const filter = (selector: string) =>
    filterFor(EVENTS_V1 as any, "default", selectorsOf(new URLSearchParams({ fieldSelector: selector })))

  test("regarding.*, reportingController, reason and type select on the stored core Event", () => {
    assert.equal(filter("regarding.name=web,regarding.kind=Pod").matches(stored), true)
    assert.equal(filter("reportingController=default-scheduler,type=Normal").matches(stored), true)
    assert.equal(filter("reason=Pulled").matches(stored), false)
  })

  test("core's involvedObject.* names are refused, as upstream refuses them in this group", () => {
    assert.throws(() => filter("involvedObject.name=web"), /field label not supported: involvedObject.name/)
  })
})

describe("the API server lists events.k8s.io Events by regarding.name", () => {
  let api: ApiServer
  memoryApiServer((started) => (api = started))

  test("an Event written in core/v1 is found through events.k8s.io with a field selector", async () => {
    const created = await apiCall(api, "POST", "/api/v1/namespaces/default/events", {
      metadata: { name: "web.1" },
      involvedObject: { kind: "Pod", name: "web", namespace: "default" },
      reason: "Scheduled",
      message: "assigned",
      type: "Normal",
      source: { component: "default-scheduler" },
    })
    assert.equal(created.status, 201, JSON.stringify(created.json))
    const path = "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector="
    const hit = await apiCall(api, "GET", `${path}${encodeURIComponent("regarding.name=web")}`)
    assert.equal(hit.status, 200)
    assert.deepEqual(
      hit.json.items.map((e: any) => e.metadata.name),
      ["web.1"],
    )
    const miss = await apiCall(api, "GET", `${path}${encodeURIComponent("regarding.name=db")}`)
    assert.deepEqual(miss.json.items, [])
  })
})
