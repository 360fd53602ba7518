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

const regarding = {
  kind: "Pod",
  namespace: "default",
  name: "web",
  uid: "u1",
  apiVersion: "v1",
  resourceVersion: "7",
}
const related = {
  kind: "Pod",
  namespace: "default",
  name: "vip",
  uid: "u2",
  apiVersion: "v1",
  resourceVersion: "9",
}

/** Events written through one API and read through the other, all of each answer but metadata. */
const crossCases: {
  name: string
  path: string
  body: Record<string, unknown>
  readPath: string
  want: Record<string, unknown>
}[] = [
  {
    name: "the scheduler's events.k8s.io Event, seen as core/v1: unset times null, source {}",
    path: "/apis/events.k8s.io/v1/namespaces/default/events",
    body: {
      metadata: { name: "web.1" },
      eventTime: "2026-01-01T00:00:00.250000Z",
      series: { count: 3, lastObservedTime: "2026-01-01T00:01:00.500000Z" },
      reportingController: "default-scheduler",
      reportingInstance: "default-scheduler-host",
      action: "Preempting",
      reason: "Preempted",
      regarding,
      related,
      note: "Preempted by pod u2 on node n1",
      type: "Normal",
    },
    readPath: "/api/v1/namespaces/default/events/web.1",
    want: {
      apiVersion: "v1",
      kind: "Event",
      involvedObject: regarding,
      reason: "Preempted",
      message: "Preempted by pod u2 on node n1",
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      type: "Normal",
      eventTime: "2026-01-01T00:00:00.250000Z",
      series: { count: 3, lastObservedTime: "2026-01-01T00:01:00.500000Z" },
      action: "Preempting",
      related,
      reportingComponent: "default-scheduler",
      reportingInstance: "default-scheduler-host",
    },
  },
  {
    name: "a kubelet's core/v1 Event, seen through events.k8s.io: eventTime null, empty strings left out",
    path: "/api/v1/namespaces/default/events",
    body: {
      metadata: { name: "web.2" },
      involvedObject: { ...regarding, fieldPath: "spec.containers{c}" },
      reason: "Pulled",
      message: "pulled",
      source: { component: "kubelet", host: "n1" },
      firstTimestamp: "2026-01-01T00:00:00Z",
      lastTimestamp: "2026-01-01T00:00:05Z",
      count: 2,
      type: "Normal",
      reportingComponent: "",
      reportingInstance: "",
    },
    readPath: "/apis/events.k8s.io/v1/namespaces/default/events/web.2",
    want: {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      eventTime: null,
      reason: "Pulled",
      regarding: { ...regarding, fieldPath: "spec.containers{c}" },
      note: "pulled",
      type: "Normal",
      deprecatedSource: { component: "kubelet", host: "n1" },
      deprecatedFirstTimestamp: "2026-01-01T00:00:00Z",
      deprecatedLastTimestamp: "2026-01-01T00:00:05Z",
      deprecatedCount: 2,
    },
  },
]

for (const c of crossCases) {
  test(`Event conversion: ${c.name}`, async () => {
    await env.inProcess.request({ method: "POST", path: c.path, body: c.body })
    const got = await env.inProcess.request<Record<string, unknown>>({ method: "GET", path: c.readPath })
    const { metadata: _, ...rest } = got
    assert.deepEqual(rest, c.want)
    // In Go's field order, as upstream's encoder writes them.
    assert.deepEqual(Object.keys(rest), Object.keys(c.want))
  })
}

test("an events.k8s.io update that leaves the deprecated fields out is no change to them", async () => {
  const path = "/apis/events.k8s.io/v1/namespaces/default/events"
  await env.inProcess.request({
    method: "POST",
    path,
    body: {
      metadata: { name: "web.3" },
      eventTime: "2026-01-01T00:00:00.000000Z",
      reportingController: "default-scheduler",
      reportingInstance: "default-scheduler-host",
      action: "Binding",
      reason: "Scheduled",
      regarding,
      note: "n",
      type: "Normal",
    },
  })
  const got = await env.inProcess.request<Record<string, any>>({ method: "GET", path: `${path}/web.3` })
  // What a client that drops the unset struct and times sends back (the Python client does).
  const { deprecatedSource: _s, deprecatedFirstTimestamp: _f, deprecatedLastTimestamp: _l, ...sent } = got
  sent.series = { count: 2, lastObservedTime: "2026-01-01T00:00:01.000000Z" }
  const put = await env.inProcess.request<Record<string, any>>({
    method: "PUT",
    path: `${path}/web.3`,
    body: sent,
  })
  assert.equal(put.series.count, 2)
})
