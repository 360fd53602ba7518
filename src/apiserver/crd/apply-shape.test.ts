import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import type { ApiObject, StructuralSchema } from "../../api/index.ts"
import { applyConfig, recordUpdate, writeContext, type WriteContext } from "../apply/index.ts"
import { configError, toFieldSet } from "../apply/typed.ts"
import { customResourceShape } from "./apply-shape.ts"
import { customResourceHooks } from "./hooks.ts"
import { ResourceTable } from "./resource-table.ts"

const str: StructuralSchema = { type: "string" }
const int: StructuralSchema = { type: "integer" }

const SCHEMA: StructuralSchema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        replicas: int,
        items: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: { type: "object", required: ["name"], properties: { name: str, value: str } },
        },
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["port", "protocol"],
          items: {
            type: "object",
            properties: { port: int, protocol: { type: "string", default: "TCP" }, name: str },
          },
        },
        tags: { type: "array", "x-kubernetes-list-type": "set", items: str },
        args: { type: "array", items: str },
        selector: {
          type: "object",
          "x-kubernetes-map-type": "atomic",
          properties: { app: str, tier: str },
        },
        labels: { type: "object", additionalProperties: str },
        frozen: { type: "object", "x-kubernetes-map-type": "atomic", additionalProperties: str },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { known: int } },
        any: { "x-kubernetes-preserve-unknown-fields": true },
        port: { "x-kubernetes-int-or-string": true },
        at: { type: "string", format: "date-time" },
        enabled: { type: "boolean" },
        template: {
          type: "object",
          "x-kubernetes-embedded-resource": true,
          properties: { spec: { type: "object", properties: { image: str } } },
        },
        raw: {
          type: "object",
          "x-kubernetes-embedded-resource": true,
          "x-kubernetes-preserve-unknown-fields": true,
        },
      },
    },
    status: { type: "object", properties: { phase: str } },
  },
}

const SHAPE = customResourceShape(SCHEMA)

function cr(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): ApiObject {
  return {
    apiVersion: "stable.example.com/v1",
    kind: "CronTab",
    metadata: { name: "tab", namespace: "default" },
    spec,
    ...extra,
  } as ApiObject
}

describe("customResourceShape()", () => {
  const cases: { name: string; spec: Record<string, unknown>; want: unknown }[] = [
    {
      name: "an x-kubernetes-list-type map list owns its items by their keys",
      spec: { items: [{ name: "a", value: "x" }] },
      want: { "f:items": { 'k:{"name":"a"}': { ".": {}, "f:name": {}, "f:value": {} } } },
    },
    {
      name: "a list map key the item omits takes its schema default",
      spec: { ports: [{ port: 80 }] },
      want: { "f:ports": { 'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {} } } },
    },
    {
      name: "a list map key without default the item omits is left out of its key",
      spec: { ports: [{ protocol: "UDP", name: "dns" }] },
      want: { "f:ports": { 'k:{"protocol":"UDP"}': { ".": {}, "f:name": {}, "f:protocol": {} } } },
    },
    {
      name: "an x-kubernetes-list-type set owns its values",
      spec: { tags: ["a", "b"] },
      want: { "f:tags": { 'v:"a"': {}, 'v:"b"': {} } },
    },
    { name: "a list without list type is atomic", spec: { args: ["a", "b"] }, want: { "f:args": {} } },
    {
      name: "an x-kubernetes-map-type atomic struct is one value",
      spec: { selector: { app: "a" } },
      want: { "f:selector": {} },
    },
    { name: "an atomic map is one value", spec: { frozen: { a: "b" } }, want: { "f:frozen": {} } },
    {
      name: "a granular map owns its entries",
      spec: { labels: { a: "b" } },
      want: { "f:labels": { "f:a": {} } },
    },
    {
      name: "preserved unknown fields are owned field by field, their lists whole",
      spec: { free: { known: 1, other: { deep: [1, 2] } }, any: { x: { y: 1 } } },
      want: {
        "f:free": { "f:known": {}, "f:other": { ".": {}, "f:deep": {} } },
        "f:any": { "f:x": { ".": {}, "f:y": {} } },
      },
    },
    {
      name: "int-or-string and formatted strings are scalars of any type",
      spec: { port: 80, at: "2026-01-01T00:00:00Z" },
      want: { "f:port": {}, "f:at": {} },
    },
    {
      name: "an embedded resource has apiVersion, kind and metadata",
      spec: {
        template: { apiVersion: "v1", kind: "Pod", metadata: { labels: { a: "b" } }, spec: { image: "i" } },
        raw: { apiVersion: "v1", kind: "X", anything: { a: 1 } },
      },
      want: {
        "f:template": {
          "f:apiVersion": {},
          "f:kind": {},
          "f:metadata": { "f:labels": { "f:a": {} } },
          "f:spec": { "f:image": {} },
        },
        "f:raw": { "f:apiVersion": {}, "f:kind": {}, "f:anything": { ".": {}, "f:a": {} } },
      },
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const obj = cr(c.spec)
      assert.equal(configError(obj, SHAPE), undefined)
      assert.deepEqual(toFieldSet(obj, SHAPE).toFieldsV1()["f:spec"], c.want)
    })
  }

  const refused: { name: string; obj: ApiObject; want: string }[] = [
    {
      name: "a field the schema does not declare",
      obj: cr({ foo: 1 }),
      want: ".spec.foo: field not declared in schema",
    },
    { name: "a field next to spec", obj: cr({}, { extra: 1 }), want: ".extra: field not declared in schema" },
    {
      name: "an undeclared field in an embedded resource's metadata",
      obj: cr({ template: { metadata: { bogus: 1 } } }),
      want: ".spec.template.metadata.bogus: field not declared in schema",
    },
    {
      name: "an undeclared field of an embedded resource",
      obj: cr({ template: { other: 1 } }),
      want: ".spec.template.other: field not declared in schema",
    },
    {
      name: "a string where the schema has an integer",
      obj: cr({ replicas: "3" }),
      want: ".spec.replicas: expected numeric (int or float), got string",
    },
    {
      name: "a number where the schema has a boolean",
      obj: cr({ enabled: 1 }),
      want: ".spec.enabled: expected boolean, got &{1}",
    },
    {
      name: "a list map item without any of its keys",
      obj: cr({ items: [{ value: "x" }] }),
      want: `.spec.items: element 0: associative list with keys has an element that omits all key fields ["name"] (and doesn't have default values for any key fields)`,
    },
    {
      name: "two list map items with one key",
      obj: cr({ items: [{ name: "a" }, { name: "a" }] }),
      want: '.spec.items: duplicate entries for key [name="a"]',
    },
    {
      name: "a set with a value twice",
      obj: cr({ tags: ["a", "a"] }),
      want: '.spec.tags: duplicate entries for key [="a"]',
    },
  ]
  for (const c of refused) {
    test(`refuses ${c.name}`, () => assert.equal(configError(c.obj, SHAPE), c.want))
  }

  test("a schema without properties takes any field; one declaring some refuses others", () => {
    const open = customResourceShape({ type: "object", "x-kubernetes-preserve-unknown-fields": true })
    assert.equal(configError(cr({ anything: { a: [1] } }), open), undefined)
    const closed = customResourceShape({ type: "object" })
    assert.equal(configError(cr({}), closed), ".spec: field not declared in schema")
    assert.equal(configError({ apiVersion: "a/v1", kind: "K", metadata: { name: "n" } }, closed), undefined)
  })
})

const CTX: WriteContext = {
  shape: SHAPE,
  apiVersion: "stable.example.com/v1",
  kind: "CronTab",
  subresource: "",
  hasStatus: true,
  now: "2026-11-24T18:14:02Z",
  custom: true,
}

function apply(live: ApiObject | undefined, manager: string, spec: Record<string, unknown>, force = false) {
  return applyConfig(live, cr(spec), { manager, force }, CTX)
}

function fieldsOf(obj: ApiObject, manager: string): unknown {
  return ((obj.metadata?.managedFields ?? []) as { manager: string; fieldsV1: unknown }[]).find(
    (e) => e.manager === manager,
  )?.fieldsV1
}

function conflictOf(f: () => unknown): { message: string; fields: (string | undefined)[] } {
  try {
    f()
  } catch (err) {
    const e = err as Error & { reason?: string; details?: { causes?: { field?: string }[] } }
    assert.equal(e.reason, "Conflict")
    return { message: e.message, fields: (e.details?.causes ?? []).map((c) => c.field) }
  }
  assert.fail("no conflict")
}

describe("server-side apply of custom resources", () => {
  test("two managers applying different items of a list map both keep theirs", () => {
    let obj = apply(undefined, "a", { items: [{ name: "a", value: "1" }] })
    obj = apply(obj, "b", { items: [{ name: "b", value: "2" }] })
    assert.deepEqual((obj as { spec: unknown }).spec, {
      items: [
        { name: "a", value: "1" },
        { name: "b", value: "2" },
      ],
    })
    assert.deepEqual(fieldsOf(obj, "a"), {
      "f:spec": { "f:items": { 'k:{"name":"a"}': { ".": {}, "f:name": {}, "f:value": {} } } },
    })
    assert.deepEqual(fieldsOf(obj, "b"), {
      "f:spec": { "f:items": { 'k:{"name":"b"}': { ".": {}, "f:name": {}, "f:value": {} } } },
    })
    // A applying without its item removes it; B's stays.
    obj = apply(obj, "a", { items: [] })
    assert.deepEqual((obj as { spec: unknown }).spec, { items: [{ name: "b", value: "2" }] })
  })

  test("a value another manager set in a list map item conflicts at that value", () => {
    const obj = apply(undefined, "a", { items: [{ name: "a", value: "1" }] })
    const c = conflictOf(() => apply(obj, "b", { items: [{ name: "a", value: "2" }] }))
    assert.equal(c.message, 'Apply failed with 1 conflict: conflict with "a": .spec.items[name="a"].value')
    assert.deepEqual(c.fields, ['.spec.items[name="a"].value'])
    const forced = apply(obj, "b", { items: [{ name: "a", value: "2" }] }, true)
    // Forced: B takes the value; both own the item and its key.
    assert.deepEqual(fieldsOf(forced, "a"), {
      "f:spec": { "f:items": { 'k:{"name":"a"}': { ".": {}, "f:name": {} } } },
    })
  })

  test("sets merge their values; atomic lists and maps conflict whole", () => {
    let obj = apply(undefined, "a", { tags: ["x"], args: ["1"], selector: { app: "a" } })
    obj = apply(obj, "b", { tags: ["y"] })
    assert.deepEqual((obj as { spec: { tags: unknown } }).spec.tags, ["x", "y"])
    assert.deepEqual(fieldsOf(obj, "b"), { "f:spec": { "f:tags": { 'v:"y"': {} } } })
    const c = conflictOf(() => apply(obj, "b", { args: ["2"], selector: { tier: "t" } }))
    assert.equal(
      c.message,
      'Apply failed with 2 conflicts: conflicts with "a":\n- .spec.args\n- .spec.selector',
    )
  })

  test("granular maps and preserved fields merge key by key", () => {
    let obj = apply(undefined, "a", { labels: { x: "1" }, free: { p: { q: 1 } } })
    obj = apply(obj, "b", { labels: { y: "2" }, free: { p: { r: 2 } } })
    assert.deepEqual((obj as { spec: unknown }).spec, {
      labels: { x: "1", y: "2" },
      free: { p: { q: 1, r: 2 } },
    })
  })

  test("an undeclared field is refused whatever the manager", () => {
    assert.throws(
      () => apply(undefined, "a", { foo: 1 }),
      /^ApiError: failed to create typed patch object \(default\/tab; stable\.example\.com\/v1, Kind=CronTab\): \.spec\.foo: field not declared in schema$/,
    )
  })

  test("an update's structs that appear are members, as upstream compares unstructured objects", () => {
    const created = cr({ items: [{ name: "a" }], selector: { app: "a" } })
    recordUpdate(undefined, created, "kubectl-create", CTX)
    assert.deepEqual(fieldsOf(created, "kubectl-create"), {
      "f:spec": {
        ".": {},
        "f:items": { ".": {}, 'k:{"name":"a"}': { ".": {}, "f:name": {} } },
        "f:selector": {},
      },
    })
    const next = cr({
      items: [{ name: "a" }],
      selector: { app: "a" },
      template: { metadata: { labels: { a: "b" } } },
    })
    next.metadata!.managedFields = created.metadata!.managedFields
    recordUpdate(created, next, "editor", CTX)
    assert.deepEqual(fieldsOf(next, "editor"), {
      "f:spec": { "f:template": { ".": {}, "f:metadata": { ".": {}, "f:labels": { ".": {}, "f:a": {} } } } },
    })
  })
})

function crd(schema: StructuralSchema): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "crontabs.stable.example.com" },
    spec: {
      group: "stable.example.com",
      scope: "Namespaced",
      names: { plural: "crontabs", singular: "crontab", kind: "CronTab" },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: schema as never } }],
    },
    status: {
      acceptedNames: { plural: "crontabs", kind: "CronTab" },
      conditions: [{ type: "Established", status: "True" }],
      storedVersions: ["v1"],
    },
  } as CustomResourceDefinition
}

describe("writeContext() of a custom resource", () => {
  test("takes the shape of its CRD's schema, and the new schema once the CRD changes", () => {
    const table = new ResourceTable([], () => {})
    const hooks = customResourceHooks(table, {
      defaults: () => {},
      validate: () => [],
      convert: (obj) => obj,
    })
    const at = Date.UTC(2026, 10, 24)
    table.set(crd({ type: "object", properties: { spec: { type: "object", properties: { a: str } } } }))
    const before = table.find("stable.example.com", "v1", "crontabs")!
    const ctx = writeContext(before, "", at, hooks.customShape)
    assert.equal(ctx.custom, true)
    assert.equal(configError(cr({ a: "x" }), ctx.shape), undefined)
    assert.equal(configError(cr({ b: "x" }), ctx.shape), ".spec.b: field not declared in schema")
    table.set(crd({ type: "object", properties: { spec: { type: "object", properties: { b: str } } } }))
    const after = table.find("stable.example.com", "v1", "crontabs")!
    assert.notEqual(after, before)
    const changed = writeContext(after, "", at, hooks.customShape)
    assert.equal(configError(cr({ b: "x" }), changed.shape), undefined)
    assert.equal(configError(cr({ a: "x" }), changed.shape), ".spec.a: field not declared in schema")
  })
})
