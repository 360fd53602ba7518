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

describe("field selectors of Pods: the labels the conversion accepts", () => {
  const POD = { group: "", version: "v1", kind: "Pod" } as const
  const pod = {
    metadata: { name: "p", namespace: "default" },
    spec: { nodeName: "n1" },
    status: { podIP: "10.1.0.5", podIPs: [{ ip: "10.1.0.5" }] },
  }
  const filter = (selector: string) =>
    filterFor(POD as any, "default", selectorsOf(new URLSearchParams({ fieldSelector: selector })))
  const cases: [selector: string, matches: boolean][] = [
    // Accepted but never set by upstream's ToSelectableFields: compared with "".
    ["status.podIPs=10.1.0.5", false],
    ["status.podIPs!=10.1.0.5", true],
    ["status.podIPs=", true],
    ["status.podIP=10.1.0.5", true],
    // The old v1 name of spec.nodeName.
    ["spec.host=n1", true],
    ["spec.host=n2", false],
  ]
  for (const [selector, matches] of cases) {
    test(`${selector} ${matches ? "matches" : "does not match"}`, () => {
      assert.equal(filter(selector).matches(pod), matches)
    })
  }

  test("other labels are still refused", () => {
    assert.throws(() => filter("status.hostIP=1.2.3.4"), /field label not supported: status.hostIP/)
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
