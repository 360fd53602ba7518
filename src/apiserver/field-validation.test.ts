import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { ApiError } from "../api/index.ts"
import {
  checkBody,
  checkPatched,
  fieldValidationOf,
  goValue,
  pruneUnknownFields,
  warningHeader,
} from "./field-validation.ts"

const DEPLOYMENT = "io.k8s.api.apps.v1.Deployment"

function deployment(spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "nginx", ...container }] },
      },
      ...spec,
    },
  }
}

describe("pruneUnknownFields()", () => {
  const cases: { name: string; type: string; input: unknown; want: string[]; after?: unknown }[] = [
    { name: "a known object has none", type: DEPLOYMENT, input: deployment(), want: [] },
    {
      name: "unknown fields at every depth, with list indices",
      type: DEPLOYMENT,
      input: deployment({ foo: 1 }, { bar: 2 }),
      want: ["spec.template.spec.containers[0].bar", "spec.foo"],
    },
    {
      name: "inlined structs: a volume's source and a probe's handler are the parent's fields",
      type: "io.k8s.api.core.v1.PodSpec",
      input: {
        containers: [{ name: "c", livenessProbe: { httpGet: { port: 80 }, periodSeconds: 3 } }],
        volumes: [{ name: "v", emptyDir: {}, configMap: { name: "cm", nope: true } }],
      },
      want: ["volumes[0].configMap.nope"],
    },
    {
      name: "free-form and scalar-like types are not looked into",
      type: "io.k8s.api.apps.v1.ControllerRevision",
      input: {
        apiVersion: "apps/v1",
        kind: "ControllerRevision",
        metadata: {
          name: "r",
          creationTimestamp: "2026-01-01T00:00:00Z",
          managedFields: [{ manager: "m", fieldsV1: { "f:spec": {} } }],
        },
        data: { anything: { goes: true } },
        revision: 1,
      },
      want: [],
    },
    {
      name: "map values are checked as their type",
      type: "io.k8s.api.core.v1.ResourceRequirements",
      input: { limits: { cpu: "1" }, requests: { memory: "1Gi" }, bogus: 1 },
      want: ["bogus"],
    },
    {
      name: "object values of a map are walked at every depth, in key order",
      type: "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps",
      input: {
        properties: {
          a: { type: "string", bogus: 1 },
          b: { type: "object", properties: { c: { type: "integer", nope: true } }, zz: 2 },
        },
      },
      want: ["properties.a.bogus", "properties.b.properties.c.nope", "properties.b.zz"],
      after: {
        properties: { a: { type: "string" }, b: { type: "object", properties: { c: { type: "integer" } } } },
      },
    },
    {
      name: "apiVersion and kind are known at the top only",
      type: "io.k8s.api.core.v1.Pod",
      input: { apiVersion: "v1", kind: "Pod", spec: { containers: [], kind: "x" } },
      want: ["spec.kind"],
    },
    {
      name: "apiVersion and kind are unknown at the top of a type that is not a kind",
      type: "io.k8s.api.core.v1.PodSpec",
      input: { apiVersion: "v1", kind: "PodSpec", containers: [] },
      want: ["apiVersion", "kind"],
    },
    {
      name: "values of the wrong JSON type: an object for a list is walked as its item, others are left to validation",
      type: "io.k8s.api.core.v1.PodSpec",
      input: {
        containers: { name: "not a list", ünïçode: 1 },
        volumes: [null, 3, "x", [{ nope: 1 }], { name: "v", 'k"ey': 2 }],
        nodeSelector: [{ a: 1 }],
        securityContext: [{ runAsUser: 1, bogus: 2 }],
        tolerations: null,
        日本: { deep: { er: 1 } },
      },
      want: ["containers.ünïçode", 'volumes[4].k"ey', "日本"],
    },
    {
      name: "big numbers and nested lists of items",
      type: "io.k8s.api.core.v1.PodSpec",
      input: {
        containers: [
          { name: "a", ports: [{ containerPort: Number.MAX_VALUE, x: 1 }, { containerPort: 2 ** 64 }] },
          { name: "b", env: [{ name: "E", valueFrom: { fieldRef: { fieldPath: "p", y: 2 } } }] },
        ],
      },
      want: ["containers[0].ports[0].x", "containers[1].env[0].valueFrom.fieldRef.y"],
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const obj = structuredClone(c.input)
      assert.deepEqual(pruneUnknownFields(obj, c.type), c.want)
      assert.deepEqual(pruneUnknownFields(obj, c.type), [], "pruned in place")
    })
  }
})

describe("checkBody()", () => {
  const body = () => deployment({ foo: 1 })
  const json = JSON.stringify(body()).replace(`"foo":1`, `"foo":1,"paused":true,"paused":false,"foo":2`)
  const input = { type: DEPLOYMENT, kind: "Deployment", version: "v1", json }

  test("Strict fails with upstream's message", () => {
    assert.throws(
      () => checkBody(body(), { ...input, directive: "Strict" }),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 400 &&
        err.message ===
          'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", duplicate field "spec.paused"',
    )
  })
  test("Warn returns one warning per field and drops the unknown ones", () => {
    const obj = body()
    assert.deepEqual(checkBody(obj, { ...input, directive: "Warn" }).warnings, [
      'unknown field "spec.foo"',
      'duplicate field "spec.paused"',
    ])
    assert.equal("foo" in obj.spec, false)
  })
  test("Ignore says nothing but still drops unknown fields", () => {
    const obj = body()
    assert.deepEqual(checkBody(obj, { ...input, directive: "Ignore" }).warnings, [])
    assert.equal("foo" in obj.spec, false)
  })
  test("kinds without a definition are not checked", () => {
    assert.deepEqual(checkBody(body(), { ...input, type: undefined, directive: "Strict" }).warnings, [])
  })
})

test("checkPatched() under Strict is Invalid naming the patch as Go prints it", () => {
  const patch = { spec: { zzz: 1, paused: true } }
  assert.throws(
    () =>
      checkPatched(deployment(patch.spec), patch, {
        directive: "Strict",
        type: DEPLOYMENT,
        kind: "Deployment",
        version: "v1",
        json: JSON.stringify(patch),
      }),
    (err: unknown) =>
      err instanceof ApiError &&
      err.code === 422 &&
      err.message ===
        ' "" is invalid: patch: Invalid value: "map[spec:map[paused:true zzz:1]]": strict decoding error: unknown field "spec.zzz"',
  )
})

test("checkPatched() walks only what the patch changed of the stored object it was given", () => {
  const stored = deployment()
  // A stored object has no unknown fields; this one marks the parts a patch kept, to show they are not walked.
  const kept = { name: "kept", image: "nginx", planted: 1 }
  const containers = [kept, { name: "new", image: "nginx", bar: 2 }]
  const template = { ...stored.spec.template, spec: { containers } }
  const labels = { ...stored.metadata.labels }
  const patched = {
    ...stored,
    metadata: { ...stored.metadata, labels },
    spec: { ...stored.spec, foo: 1, template },
  }
  const original = {
    ...stored,
    spec: { ...stored.spec, template: { ...template, spec: { containers: [kept] } } },
  }
  const input = { directive: "Warn" as const, type: DEPLOYMENT, kind: "Deployment", version: "v1" }
  assert.deepEqual(checkPatched(patched, {}, input, original).warnings, [
    'unknown field "spec.template.spec.containers[1].bar"',
    'unknown field "spec.foo"',
  ])
  assert.equal(kept.planted, 1)
  // Without the stored object every part is walked.
  assert.deepEqual(checkPatched(patched, {}, input).warnings, [
    'unknown field "spec.template.spec.containers[0].planted"',
  ])
})

describe("fieldValidationOf()", () => {
  const cases: { name: string; query: string; want: string }[] = [
    { name: "absent is Warn", query: "", want: "Warn" },
    { name: "empty is Warn", query: "fieldValidation=", want: "Warn" },
    { name: "Strict", query: "fieldValidation=Strict", want: "Strict" },
    { name: "Ignore", query: "fieldValidation=Ignore", want: "Ignore" },
  ]
  for (const c of cases) {
    test(c.name, () => assert.equal(fieldValidationOf(new URLSearchParams(c.query), "CreateOptions"), c.want))
  }
  test("anything else is Invalid against the options kind", () => {
    assert.throws(
      () => fieldValidationOf(new URLSearchParams("fieldValidation=strict"), "CreateOptions"),
      (err: unknown) =>
        err instanceof ApiError &&
        err.message ===
          'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
    )
  })
})

test("goValue() prints like Go's %+v of decoded JSON", () => {
  assert.equal(goValue({ b: [1, "x", null], a: { c: true } }), "map[a:map[c:true] b:[1 x <nil>]]")
})

test("warningHeader() quotes each warning with code 299", () => {
  assert.equal(warningHeader([]), undefined)
  assert.equal(
    warningHeader(['unknown field "a"', 'unknown field "b"']),
    '299 - "unknown field \\"a\\"", 299 - "unknown field \\"b\\""',
  )
})
