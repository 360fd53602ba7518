import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { decodeMetaTime } from "../api/index.ts"
import { apiCall, memoryApiServer } from "../testing/index.ts"
import { rfc3339 } from "../util/index.ts"
import { timestamp } from "./registry/context.ts"
import { normalizeStored } from "./stored-forms.ts"
import type { ApiServer } from "./server.ts"

const POD = "io.k8s.api.core.v1.Pod"
const EVENT = "io.k8s.api.events.v1.Event"
const LEASE = "io.k8s.api.coordination.v1.Lease"
const PDB = "io.k8s.api.policy.v1.PodDisruptionBudget"
const CONFIG_MAP = "io.k8s.api.core.v1.ConfigMap"

describe("normalizeStored()", () => {
  const cases: { name: string; type: string; input: unknown; want: unknown }[] = [
    {
      name: "ObjectMeta's times, to the second in UTC",
      type: CONFIG_MAP,
      input: {
        metadata: {
          creationTimestamp: "2026-01-02T05:04:05.9+02:00",
          deletionTimestamp: "2026-01-02T03:04:05Z",
          managedFields: [{ manager: "m", time: "2026-01-02T03:04:05.5Z" }],
        },
        data: { t: "2026-01-02T05:04:05+02:00" },
      },
      want: {
        metadata: {
          creationTimestamp: "2026-01-02T03:04:05Z",
          deletionTimestamp: "2026-01-02T03:04:05Z",
          managedFields: [{ manager: "m", time: "2026-01-02T03:04:05Z" }],
        },
        data: { t: "2026-01-02T05:04:05+02:00" },
      },
    },
    {
      name: "times in lists of messages (pod conditions, container states)",
      type: POD,
      input: {
        status: {
          startTime: "2026-01-02T03:04:05-00:30",
          conditions: [{ type: "Ready", lastTransitionTime: "2026-01-02T03:04:05.1Z", lastProbeTime: null }],
          containerStatuses: [{ name: "c", state: { running: { startedAt: "2026-01-02T03:04:05+01:00" } } }],
        },
      },
      want: {
        status: {
          startTime: "2026-01-02T03:34:05Z",
          conditions: [{ type: "Ready", lastTransitionTime: "2026-01-02T03:04:05Z", lastProbeTime: null }],
          containerStatuses: [{ name: "c", state: { running: { startedAt: "2026-01-02T02:04:05Z" } } }],
        },
      },
    },
    {
      name: "an ephemeral volume's claim template metadata",
      type: POD,
      input: {
        spec: {
          volumes: [
            {
              name: "v",
              ephemeral: { volumeClaimTemplate: { metadata: { creationTimestamp: "0001-01-01T00:00:00Z" } } },
            },
          ],
        },
      },
      want: { spec: { volumes: [{ name: "v", ephemeral: { volumeClaimTemplate: { metadata: {} } } }] } },
    },
    {
      name: "MicroTimes keep microseconds",
      type: EVENT,
      input: {
        eventTime: "2026-01-02T05:04:05.123456+02:00",
        series: { count: 2, lastObservedTime: "2026-01-02T03:04:05.000001-00:00" },
        deprecatedFirstTimestamp: "2026-01-02T03:04:05.5Z",
      },
      want: {
        eventTime: "2026-01-02T03:04:05.123456Z",
        series: { count: 2, lastObservedTime: "2026-01-02T03:04:05.000001Z" },
        deprecatedFirstTimestamp: "2026-01-02T03:04:05Z",
      },
    },
    {
      name: "a Lease's renewTime and acquireTime",
      type: LEASE,
      input: {
        spec: { acquireTime: "2026-01-02T05:04:05.000000+02:00", renewTime: "1970-01-01T00:00:00.000000Z" },
      },
      want: { spec: { acquireTime: "2026-01-02T03:04:05.000000Z" } },
    },
    {
      name: "a map of times: a zero one becomes null",
      type: PDB,
      input: {
        status: { disruptedPods: { a: "2026-01-02T05:04:05+02:00", b: "0001-01-01T00:00:00Z", c: null } },
      },
      want: { status: { disruptedPods: { a: "2026-01-02T03:04:05Z", b: null, c: null } } },
    },
    {
      name: "quantities, in their canonical string: numbers, maps of them, lists of messages",
      type: POD,
      input: {
        spec: {
          containers: [
            {
              name: "a",
              resources: {
                requests: { cpu: 0.5, memory: "1.5Gi" },
                limits: { cpu: "1000m", memory: "128Mi" },
              },
            },
          ],
          overhead: { cpu: "0.25", memory: 1e3 },
        },
      },
      want: {
        spec: {
          containers: [
            {
              name: "a",
              resources: {
                requests: { cpu: "500m", memory: "1536Mi" },
                limits: { cpu: "1", memory: "128Mi" },
              },
            },
          ],
          overhead: { cpu: "250m", memory: "1k" },
        },
      },
    },
    {
      name: "a fractional binary quantity becomes decimal, as upstream's Quantity prints it",
      type: "io.k8s.api.core.v1.LimitRange",
      input: { spec: { limits: [{ type: "Container", max: { memory: "0.1Gi", cpu: "1e3" } }] } },
      want: { spec: { limits: [{ type: "Container", max: { memory: "107374182400m", cpu: "1e3" } }] } },
    },
    {
      name: "what does not parse is left for the decode check",
      type: LEASE,
      input: { spec: { renewTime: "soon", acquireTime: 5 } },
      want: { spec: { renewTime: "soon", acquireTime: 5 } },
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      normalizeStored(c.input, c.type)
      assert.deepEqual(c.input, c.want)
    })
  }

  test("leaves alone what the object patched holds unchanged, and frozen objects", () => {
    // Stored objects hold only stored forms: an odd one here shows it is not looked at again.
    const kept = { type: "Ready", lastTransitionTime: "2026-01-02T05:04:05+02:00" }
    const original = { status: { startTime: "2026-01-02T05:04:05+02:00", conditions: [kept] } }
    const frozen = Object.freeze({ type: "Other", lastTransitionTime: "2026-01-02T05:04:05+02:00" })
    const patched = {
      status: {
        startTime: "2026-01-02T05:04:05+02:00",
        conditions: [kept, frozen, { type: "New", lastTransitionTime: "2026-01-02T05:04:05+02:00" }],
      },
    }
    normalizeStored(patched, POD, original)
    assert.equal(patched.status.startTime, "2026-01-02T05:04:05+02:00")
    assert.equal(patched.status.conditions[0], kept)
    assert.equal(kept.lastTransitionTime, "2026-01-02T05:04:05+02:00")
    assert.equal(frozen.lastTransitionTime, "2026-01-02T05:04:05+02:00")
    assert.equal(patched.status.conditions[2]?.lastTransitionTime, "2026-01-02T03:04:05Z")
  })

  test("a kind without a schema is left alone", () => {
    const obj = { metadata: { creationTimestamp: "2026-01-02T05:04:05+02:00" } }
    normalizeStored(obj, undefined)
    assert.equal(obj.metadata.creationTimestamp, "2026-01-02T05:04:05+02:00")
  })
})

test("the times k8ts writes itself are already in the stored form", () => {
  for (const ms of [Date.UTC(2026, 0, 2, 3, 4, 5, 999), Date.UTC(2000, 1, 29), 1001, 1767323045123.7]) {
    for (const t of [rfc3339(ms), timestamp(ms)]) assert.deepEqual(decodeMetaTime(t, false), { value: t }, t)
    // The MicroTime of node leases and leader election.
    const micro = new Date(ms).toISOString().replace("Z", "000Z")
    assert.deepEqual(decodeMetaTime(micro, true), { value: micro }, micro)
  }
})

describe("the API server stores times as upstream does", () => {
  let api: ApiServer
  memoryApiServer((started) => (api = started))
  const leases = "/apis/coordination.k8s.io/v1/namespaces/default/leases"

  test("a Time that does not parse gets 400 with Go's parse error, and nothing is stored", async () => {
    const path = "/api/v1/namespaces/default/configmaps"
    const body = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "t", creationTimestamp: "yesterday" },
    }
    const res = await apiCall(api, "POST", path, body)
    assert.equal(res.status, 400)
    assert.equal(res.json.reason, "BadRequest")
    assert.equal(
      res.json.message,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    )
    assert.equal((await apiCall(api, "GET", `${path}/t`)).status, 404)
  })

  test("an Event's eventTime is stored in UTC with six fraction digits", async () => {
    const path = "/apis/events.k8s.io/v1/namespaces/default/events"
    const body = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: "e" },
      eventTime: "2026-01-02T05:04:05.123456+02:00",
      reportingController: "example.com/c",
      reportingInstance: "i",
      action: "Act",
      reason: "Why",
      type: "Normal",
      regarding: { kind: "Pod", namespace: "default", name: "p" },
    }
    const res = await apiCall(api, "POST", path, body)
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.equal(res.json.eventTime, "2026-01-02T03:04:05.123456Z")
    assert.equal((await apiCall(api, "GET", `${path}/e`)).json.eventTime, "2026-01-02T03:04:05.123456Z")
    const core = await apiCall(api, "GET", "/api/v1/namespaces/default/events/e")
    assert.equal(core.json.eventTime, "2026-01-02T03:04:05.123456Z")
  })

  test("a Lease's MicroTimes on create, update and each kind of patch", async () => {
    const res = await apiCall(api, "POST", leases, {
      metadata: { name: "l" },
      spec: { holderIdentity: "a", renewTime: "2026-01-02T05:04:05.000001+02:00" },
    })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.equal(res.json.spec.renewTime, "2026-01-02T03:04:05.000001Z")
    const put = await apiCall(api, "PUT", `${leases}/l`, {
      ...res.json,
      spec: { ...res.json.spec, acquireTime: "2026-01-01T23:00:00.500000-01:00" },
    })
    assert.equal(put.status, 200, JSON.stringify(put.json))
    assert.equal(put.json.spec.acquireTime, "2026-01-02T00:00:00.500000Z")
    assert.equal(put.json.spec.renewTime, "2026-01-02T03:04:05.000001Z")
    const patches: [string, unknown, string][] = [
      [
        "application/merge-patch+json",
        { spec: { renewTime: "2026-01-02T05:00:00.000002+02:00" } },
        "03:00:00.000002",
      ],
      [
        "application/strategic-merge-patch+json",
        { spec: { renewTime: "2026-01-02T05:00:00.000003+02:00" } },
        "03:00:00.000003",
      ],
      [
        "application/json-patch+json",
        [{ op: "replace", path: "/spec/renewTime", value: "2026-01-02T05:00:00.000004+02:00" }],
        "03:00:00.000004",
      ],
    ]
    for (const [type, patch, want] of patches) {
      const r = await apiCall(api, "PATCH", `${leases}/l`, patch, { "content-type": type })
      assert.equal(r.status, 200, `${type}: ${JSON.stringify(r.json)}`)
      assert.equal(r.json.spec.renewTime, `2026-01-02T${want}Z`, type)
    }
    const got = await apiCall(api, "GET", `${leases}/l`)
    assert.equal(got.json.spec.renewTime, "2026-01-02T03:00:00.000004Z")
    assert.equal(got.json.spec.acquireTime, "2026-01-02T00:00:00.500000Z")
  })

  test("quantities are stored canonical on create, update and each kind of patch; a no-op stays one", async () => {
    const path = "/api/v1/namespaces/default/resourcequotas"
    const res = await apiCall(api, "POST", path, {
      metadata: { name: "q" },
      spec: { hard: { cpu: 0.5, memory: "1024Mi", pods: "10" } },
    })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.deepEqual(res.json.spec.hard, { cpu: "500m", memory: "1Gi", pods: "10" })
    // Written as stored already: nothing changes, the resourceVersion stays.
    const same = await apiCall(api, "PUT", `${path}/q`, {
      ...res.json,
      spec: { hard: { cpu: "0.5", memory: "1Gi", pods: 10 } },
    })
    assert.equal(same.status, 200, JSON.stringify(same.json))
    assert.equal(same.json.metadata.resourceVersion, res.json.metadata.resourceVersion)
    const patches: [string, unknown, string][] = [
      ["application/merge-patch+json", { spec: { hard: { cpu: 2.5 } } }, "2500m"],
      ["application/strategic-merge-patch+json", { spec: { hard: { cpu: "3000m" } } }, "3"],
      ["application/json-patch+json", [{ op: "replace", path: "/spec/hard/cpu", value: "0.001k" }], "1"],
    ]
    for (const [type, patch, want] of patches) {
      const r = await apiCall(api, "PATCH", `${path}/q`, patch, { "content-type": type })
      assert.equal(r.status, 200, `${type}: ${JSON.stringify(r.json)}`)
      assert.equal(r.json.spec.hard.cpu, want, type)
    }
    const applied = await apiCall(
      api,
      "PATCH",
      `${path}/q?fieldManager=m&force=true`,
      { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q" }, spec: { hard: { memory: 2048 } } },
      { "content-type": "application/apply-patch+yaml" },
    )
    assert.equal(applied.status, 200, JSON.stringify(applied.json))
    assert.equal(applied.json.spec.hard.memory, "2048")
    assert.equal((await apiCall(api, "GET", `${path}/q`)).json.spec.hard.memory, "2048")
  })

  test("a MicroTime without six fraction digits gets 400, in a patch 422", async () => {
    const res = await apiCall(api, "POST", leases, {
      metadata: { name: "m" },
      spec: { renewTime: "2026-01-02T03:04:05Z" },
    })
    assert.equal(res.status, 400)
    assert.equal(
      res.json.message,
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-02T03:04:05Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
    )
    assert.equal((await apiCall(api, "POST", leases, { metadata: { name: "m" } })).status, 201)
    const patch = await apiCall(
      api,
      "PATCH",
      `${leases}/m`,
      { spec: { renewTime: "now" } },
      {
        "content-type": "application/merge-patch+json",
      },
    )
    assert.equal(patch.status, 422)
    assert.match(
      patch.json.message,
      /: parsing time "now" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "now" as "2006"$/,
    )
  })

  test("server-side apply stores the applied times as upstream does", async () => {
    const body = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "applied" },
      spec: { renewTime: "2026-01-02T05:04:05.250000+02:00" },
    }
    const res = await apiCall(api, "PATCH", `${leases}/applied?fieldManager=t`, body, {
      "content-type": "application/apply-patch+yaml",
    })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.equal(res.json.spec.renewTime, "2026-01-02T03:04:05.250000Z")
  })
})
