import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { ApiError } from "../api/index.ts"
import { apiCall, memoryApiServer } from "../testing/index.ts"
import { checkDecodes, checkPatchDecodes, decodeError } from "./decode-types.ts"
import type { ApiServer } from "./server.ts"

const CONFIG_MAP = "io.k8s.api.core.v1.ConfigMap"
const SECRET = "io.k8s.api.core.v1.Secret"
const POD = "io.k8s.api.core.v1.Pod"
const DEPLOYMENT = "io.k8s.api.apps.v1.Deployment"
const SERVICE = "io.k8s.api.core.v1.Service"
const EVENT = "io.k8s.api.events.v1.Event"
const LEASE = "io.k8s.api.coordination.v1.Lease"

function pod(container: Record<string, unknown>): unknown {
  return { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "x", ...container }] } }
}

describe("decodeError()", () => {
  const cases: { name: string; type: string; input: unknown; want: string | undefined }[] = [
    {
      name: "a well-typed object",
      type: CONFIG_MAP,
      input: { metadata: { name: "c" }, data: { a: "b" } },
      want: undefined,
    },
    {
      name: "nulls decode to zero values",
      type: POD,
      input: { metadata: null, spec: { containers: null } },
      want: undefined,
    },
    {
      name: "a bool in a map of strings",
      type: CONFIG_MAP,
      input: { data: { a: "x", b: true } },
      want: "json: cannot unmarshal bool into Go struct field ConfigMap.data of type string",
    },
    {
      name: "a number in a nested map names the innermost struct and the whole path",
      type: DEPLOYMENT,
      input: { spec: { template: { metadata: { labels: { app: 1 } } } } },
      want: "json: cannot unmarshal number into Go struct field ObjectMeta.spec.template.metadata.labels of type string",
    },
    {
      name: "list elements: no index in the path",
      type: POD,
      input: pod({ env: [{ name: "PORT", value: 8080 }] }),
      want: "json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string",
    },
    {
      name: "a struct given a string",
      type: DEPLOYMENT,
      input: { spec: "x" },
      want: "json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec",
    },
    {
      name: "a list given an object",
      type: POD,
      input: { spec: { containers: {} } },
      want: "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container",
    },
    {
      name: "a fraction for an int32",
      type: POD,
      input: pod({ ports: [{ containerPort: 80.5 }] }),
      want: "json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32",
    },
    {
      name: "a string for an int32",
      type: POD,
      input: pod({ ports: [{ containerPort: "80" }] }),
      want: "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32",
    },
    {
      name: "the first type error is the one reported",
      type: CONFIG_MAP,
      input: { metadata: { labels: { a: 1 } }, data: { b: false } },
      want: "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
    },
    {
      name: "a quantity that does not parse stops decoding, winning over an earlier type error",
      type: POD,
      input: {
        metadata: { labels: { a: 1 } },
        ...(pod({ resources: { limits: { cpu: "abc" } } }) as object),
      },
      want: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    },
    {
      name: "quantities as numbers",
      type: POD,
      input: pod({ resources: { limits: { cpu: 1.5 } } }),
      want: undefined,
    },
    {
      name: "a quantity with an unknown suffix",
      type: POD,
      input: pod({ resources: { limits: { memory: "1mi" } } }),
      want: "unable to parse quantity's suffix",
    },
    {
      name: "an int-or-string given a bool",
      type: SERVICE,
      input: { spec: { ports: [{ port: 80, targetPort: true }] } },
      want: "json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32",
    },
    {
      name: "base64 data",
      type: SECRET,
      input: { data: { a: "YWJj", b: "YQ==\n", c: "" } },
      want: undefined,
    },
    {
      name: "a bad base64 byte",
      type: SECRET,
      input: { data: { a: "abc$" } },
      want: "illegal base64 data at input byte 3",
    },
    {
      name: "missing padding",
      type: SECRET,
      input: { data: { a: "YWJjYQ" } },
      want: "illegal base64 data at input byte 4",
    },
    {
      name: "half the padding",
      type: SECRET,
      input: { data: { a: "YQ=" } },
      want: "illegal base64 data at input byte 3",
    },
    {
      name: "data after padding",
      type: SECRET,
      input: { data: { a: "YQ==YQ==" } },
      want: "illegal base64 data at input byte 4",
    },
    {
      name: "a Time that does not parse: Go's time.Parse error, alone",
      type: POD,
      input: { metadata: { name: "p", creationTimestamp: "yesterday" } },
      want: 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    },
    {
      name: "a Time in a list of conditions",
      type: POD,
      input: { status: { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "x" }] } },
      want: 'parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"',
    },
    {
      name: "a Time out of range",
      type: POD,
      input: { status: { startTime: "2026-02-30T00:00:00Z" } },
      want: 'parsing time "2026-02-30T00:00:00Z": day out of range',
    },
    {
      name: "a Time given a number: the string decoder's error where the time is",
      type: POD,
      input: { metadata: { creationTimestamp: 1767323045 } },
      want: "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string",
    },
    {
      name: "a Time given an object",
      type: POD,
      input: { status: { conditions: [{ lastProbeTime: {} }] } },
      want: "json: cannot unmarshal object into Go struct field PodCondition.status.conditions.lastProbeTime of type string",
    },
    {
      name: "a time that does not parse stops decoding, winning over an earlier type error",
      type: CONFIG_MAP,
      input: { metadata: { labels: { a: 1 }, creationTimestamp: "soon" } },
      want: 'parsing time "soon" as "2006-01-02T15:04:05Z07:00": cannot parse "soon" as "2006"',
    },
    {
      name: "Times with offsets, fractions or null decode",
      type: POD,
      input: {
        metadata: { creationTimestamp: "2026-01-02T05:04:05.789+02:00", deletionTimestamp: null },
        status: { startTime: "2026-01-02T03:04:05,5Z" },
      },
      want: undefined,
    },
    {
      name: "a MicroTime without its six fraction digits",
      type: EVENT,
      input: { eventTime: "2026-01-02T03:04:05Z" },
      want: 'parsing time "2026-01-02T03:04:05Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
    },
    {
      name: "a MicroTime with an offset",
      type: EVENT,
      input: { eventTime: "2026-01-02T05:04:05.123456+02:00", series: { lastObservedTime: null } },
      want: undefined,
    },
    {
      name: "free-form values are not looked into",
      type: "io.k8s.api.apps.v1.ControllerRevision",
      input: { data: { x: [1, true] } },
      want: undefined,
    },
  ]
  for (const c of cases) {
    test(c.name, () => assert.equal(decodeError(c.input, c.type), c.want))
  }
})

describe("checkDecodes()", () => {
  test("answers 400 naming the body's kind and version", () => {
    const body = { apiVersion: "v1", kind: "ConfigMap", data: { a: true } }
    assert.throws(
      () => checkDecodes(body, CONFIG_MAP, "ConfigMap", "v1"),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 400 &&
        e.message ===
          'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ConfigMap.data of type string',
    )
  })
  test("rewrites the times of a body it passes, whether or not it holds number literals", () => {
    // 1.5 makes the check read a copy with the literal marked; the body itself is rewritten.
    for (const cpu of ["1", "1.5"]) {
      const text = `{"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":${cpu}}}}]},"status":{"startTime":"2026-01-02T05:04:05+02:00"}}`
      const body = JSON.parse(text)
      checkDecodes(body, POD, "Pod", "v1", text)
      assert.equal(body.status.startTime, "2026-01-02T03:04:05Z", cpu)
    }
  })
  test("passes a well-typed body and an unknown type", () => {
    checkDecodes({ data: { a: "b" } }, CONFIG_MAP, "ConfigMap", "v1")
    checkDecodes({ data: { a: true } }, undefined, "Widget", "v1")
  })
})

describe("the API server decodes write bodies as upstream", () => {
  let api: ApiServer
  memoryApiServer((started) => (api = started))

  test("a ConfigMap with a bool value gets 400 and is not stored", async () => {
    const path = "/api/v1/namespaces/default/configmaps"
    const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "flags" }, data: { debug: true } }
    const res = await apiCall(api, "POST", path, body)
    assert.equal(res.status, 400)
    assert.equal(res.json.reason, "BadRequest")
    assert.equal(
      res.json.message,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ConfigMap.data of type string',
    )
    assert.equal((await apiCall(api, "GET", `${path}/flags`)).status, 404)
  })

  test("an update with a number label gets 400 even when fields are not validated", async () => {
    const path = "/api/v1/namespaces/default/configmaps"
    const created = await apiCall(api, "POST", path, { metadata: { name: "c" } })
    assert.equal(created.status, 201)
    const body = { ...created.json, metadata: { ...created.json.metadata, labels: { n: 1 } } }
    const res = await apiCall(api, "PUT", `${path}/c?fieldValidation=Ignore`, body)
    assert.equal(res.status, 400)
    assert.match(res.json.message, /Go struct field ObjectMeta.metadata.labels of type string$/)
  })
})

describe("checkPatchDecodes()", () => {
  const cm = (data: unknown) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data })
  const cases: { name: string; contentType: string; patched: unknown; patch: unknown; want: string }[] = [
    {
      name: "a strategic merge patch: the patch as Go prints it and the converter's words",
      contentType: "application/strategic-merge-patch+json",
      patched: cm({ a: true }),
      patch: { data: { a: true } },
      want: ' "" is invalid: patch: Invalid value: "map[data:map[a:true]]": unrecognized type: string',
    },
    {
      name: "a strategic merge patch with an integer for a string",
      contentType: "application/strategic-merge-patch+json",
      patched: cm({ a: 1 }),
      patch: { data: { a: 1 } },
      want: ' "" is invalid: patch: Invalid value: "map[data:map[a:1]]": cannot convert int64 to string',
    },
    {
      name: "a strategic merge patch with a string for a map",
      contentType: "application/strategic-merge-patch+json",
      patched: cm("x"),
      patch: { data: "x" },
      want: ' "" is invalid: patch: Invalid value: "map[data:x]": cannot restore map from string',
    },
    {
      name: "a merge patch: the patched object, keys sorted, and the decoder's words",
      contentType: "application/merge-patch+json",
      patched: cm({ a: true }),
      patch: { data: { a: true } },
      want: ' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"v1\\",\\"data\\":{\\"a\\":true},\\"kind\\":\\"ConfigMap\\",\\"metadata\\":{\\"name\\":\\"c\\"}}": json: cannot unmarshal bool into Go struct field ConfigMap.data of type string',
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(
        () => checkPatchDecodes(c.patched, c.patch, CONFIG_MAP, c.contentType),
        (e: unknown) => e instanceof ApiError && e.code === 422 && e.message === c.want,
      )
      // Given the object patched, the same: what is wrong is what the patch changed.
      const original = { ...cm({ a: "b" }), metadata: (c.patched as { metadata: unknown }).metadata }
      assert.throws(
        () => checkPatchDecodes(c.patched, c.patch, CONFIG_MAP, c.contentType, original),
        (e: unknown) => e instanceof ApiError && e.code === 422 && e.message === c.want,
      )
    })
  }
  test("a strategic merge patch with several wrong fields: the first one the type declares, whatever the keys' order", () => {
    // ConfigMap declares metadata, immutable, data, binaryData; PodStatus phase before hostIP.
    const cases: [string, unknown, string][] = [
      [CONFIG_MAP, { binaryData: 1, data: "x", immutable: "y" }, "unrecognized type: bool"],
      [CONFIG_MAP, { binaryData: 1, data: "x" }, "cannot restore map from string"],
      [CONFIG_MAP, { binaryData: 1, data: {}, other: 2 }, "cannot restore map from int64"],
      [POD, { status: { hostIP: 1, phase: true } }, "unrecognized type: string"],
      [POD, { status: { hostIP: 1, phase: "Running" } }, "cannot convert int64 to string"],
      [POD, { status: { hostIP: "h", unknown: 1 }, metadata: { name: 1 } }, "cannot convert int64 to string"],
    ]
    for (const [type, patched, want] of cases) {
      assert.throws(
        () => checkPatchDecodes(patched, {}, type, "application/strategic-merge-patch+json"),
        (e: unknown) => e instanceof ApiError && e.message.endsWith(`: ${want}`),
        JSON.stringify(patched),
      )
    }
  })
  test("the values a strategic or merge patch kept from the object patched are not checked again", () => {
    // A stored object never holds a wrong type: one here shows the kept value is not looked at.
    const original = { ...cm({ a: "b" }), binaryData: { x: 1 }, immutable: false }
    const patched = { ...original, immutable: true }
    for (const t of ["application/strategic-merge-patch+json", "application/merge-patch+json"])
      checkPatchDecodes(patched, { immutable: true }, CONFIG_MAP, t, original)
    assert.throws(() => checkPatchDecodes(patched, {}, CONFIG_MAP, "application/json-patch+json", original))
  })
  test("a time that does not parse: the time package's error", () => {
    const lease = { spec: { renewTime: "2026-01-02T03:04:05Z" } }
    assert.throws(
      () => checkPatchDecodes(lease, lease, LEASE, "application/strategic-merge-patch+json"),
      (e: unknown) =>
        e instanceof ApiError &&
        e.message ===
          ' "" is invalid: patch: Invalid value: "map[spec:map[renewTime:2026-01-02T03:04:05Z]]": parsing time "2026-01-02T03:04:05Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
    )
    assert.throws(
      () =>
        checkPatchDecodes({ spec: { renewTime: 1 } }, {}, LEASE, "application/strategic-merge-patch+json"),
      (e: unknown) =>
        e instanceof ApiError &&
        e.message.endsWith(": json: cannot unmarshal number into Go value of type string"),
    )
    assert.throws(
      () => checkPatchDecodes(lease, lease, LEASE, "application/merge-patch+json"),
      (e: unknown) => e instanceof ApiError && e.message.endsWith(': cannot parse "Z" as ".000000"'),
    )
  })
  test("a result that passes has its times as upstream stores them", () => {
    for (const t of [
      "application/strategic-merge-patch+json",
      "application/merge-patch+json",
      "application/json-patch+json",
    ]) {
      const patched = { spec: { renewTime: "2026-01-02T05:04:05.123456+02:00" } }
      checkPatchDecodes(patched, {}, LEASE, t)
      assert.equal(patched.spec.renewTime, "2026-01-02T03:04:05.123456Z", t)
    }
  })
  test("a well-typed result passes", () => {
    checkPatchDecodes(cm({ a: "b" }), {}, CONFIG_MAP, "application/strategic-merge-patch+json")
    checkPatchDecodes(cm({ a: "b" }), {}, CONFIG_MAP, "application/json-patch+json")
    checkPatchDecodes(
      {
        spec: {
          replicas: 2,
          template: { spec: { containers: [{ name: "c", resources: { limits: { cpu: 1 } } }] } },
        },
      },
      {},
      DEPLOYMENT,
      "application/strategic-merge-patch+json",
    )
  })
})
