import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { ApiError, type ApiObject } from "../../api/index.ts"
import { kindShape, UNKNOWN, UNKNOWN_OBJECT, type Shape } from "../shapes.ts"
import { applyConfig, recordUpdate, type WriteContext } from "./field-manager.ts"
import { FieldSet, pathString } from "./field-set.ts"
import { managerFromUserAgent } from "./managed-fields.ts"
import { merge } from "./merge.ts"
import { compare, toFieldSet } from "./typed.ts"

const DEPLOYMENT = kindShape("apps", "v1", "Deployment") as Shape
const CTX: WriteContext = {
  shape: DEPLOYMENT,
  apiVersion: "apps/v1",
  kind: "Deployment",
  subresource: "",
  hasStatus: true,
  now: "2026-11-24T18:14:02Z",
}

function deployment(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): ApiObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", ...extra }, spec } as ApiObject
}

function containers(...cs: Record<string, unknown>[]) {
  return { template: { spec: { containers: cs } } }
}

function entries(obj: ApiObject): string[] {
  return ((obj.metadata?.managedFields ?? []) as { manager: string; operation: string }[]).map(
    (e) => `${e.manager}/${e.operation}`,
  )
}

function fieldsOf(obj: ApiObject, manager: string): unknown {
  return ((obj.metadata?.managedFields ?? []) as { manager: string; fieldsV1: unknown }[]).find(
    (e) => e.manager === manager,
  )?.fieldsV1
}

describe("FieldSet", () => {
  test("reads and writes FieldsV1, members with children marked by '.'", () => {
    const json = { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }, "f:spec": { "f:replicas": {} } }
    const set = FieldSet.fromFieldsV1(json)
    assert.ok(set.has(["f:metadata", "f:labels"]))
    assert.ok(!set.has(["f:metadata"]))
    assert.deepEqual(set.toFieldsV1(), json)
  })

  test("union, difference and intersection work path by path", () => {
    const a = new FieldSet().insert(["f:a"]).insert(["f:b", "f:c"])
    const b = new FieldSet().insert(["f:b", "f:c"]).insert(["f:d"])
    assert.deepEqual(a.union(b).paths(), [["f:a"], ["f:b", "f:c"], ["f:d"]])
    assert.deepEqual(a.difference(b).paths(), [["f:a"]])
    assert.deepEqual(a.intersection(b).paths(), [["f:b", "f:c"]])
  })

  test("pathString() prints paths as upstream", () => {
    assert.equal(
      pathString([
        "f:spec",
        "f:containers",
        'k:{"name":"web"}',
        "f:ports",
        'k:{"containerPort":80,"protocol":"TCP"}',
      ]),
      '.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]',
    )
    assert.equal(pathString(["f:metadata", "f:finalizers", 'v:"a"']), '.metadata.finalizers[="a"]')
  })
})

describe("toFieldSet()", () => {
  test("owns leaves, list items and map entries, not the structs on the way", () => {
    const set = toFieldSet(
      deployment(
        { replicas: 1, selector: { matchLabels: { app: "web" } }, ...containers({ name: "c", image: "i" }) },
        { labels: { app: "web" }, finalizers: ["x"] },
      ),
      DEPLOYMENT,
    )
    assert.deepEqual(set.toFieldsV1()["f:spec"], {
      "f:replicas": {},
      // LabelSelector is an atomic struct: owned whole.
      "f:selector": {},
      "f:template": {
        "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:image": {}, "f:name": {} } } },
      },
    })
    assert.deepEqual(set.toFieldsV1()["f:metadata"], {
      "f:finalizers": { 'v:"x"': {} },
      "f:labels": { "f:app": {} },
      "f:name": {},
    })
  })

  test("treats lists without schema as atomic and maps as granular", () => {
    const set = toFieldSet({ spec: { list: [1, 2], map: { a: 1 } } }, UNKNOWN)
    assert.deepEqual(set.toFieldsV1(), {
      "f:spec": { ".": {}, "f:list": {}, "f:map": { ".": {}, "f:a": {} } },
    })
  })
})

describe("merge()", () => {
  test("merges containers by name and keeps the live-only ones in place", () => {
    const live = deployment(containers({ name: "a", image: "1", args: ["x"] }, { name: "b", image: "2" }))
    const cfg = deployment(containers({ name: "c", image: "3" }, { name: "a", image: "4" }))
    const got = merge(live, cfg, DEPLOYMENT) as any
    assert.deepEqual(got.spec.template.spec.containers, [
      { name: "c", image: "3" },
      { name: "a", image: "4", args: ["x"] },
      { name: "b", image: "2" },
    ])
  })

  test("replaces atomic lists and sets scalars", () => {
    const live = deployment({ template: { spec: { tolerations: [{ key: "a" }] } } })
    const cfg = deployment({ template: { spec: { tolerations: [{ key: "b" }] } } })
    const got = merge(live, cfg, DEPLOYMENT) as any
    assert.deepEqual(got.spec.template.spec.tolerations, [{ key: "b" }])
  })
})

describe("compare()", () => {
  test("reports added, modified and removed paths", () => {
    const c = compare(
      deployment({ replicas: 1, paused: true }),
      deployment({ replicas: 2, minReadySeconds: 5 }),
      DEPLOYMENT,
    )
    assert.deepEqual(c.modified.paths(), [["f:spec", "f:replicas"]])
    assert.deepEqual(c.added.paths(), [["f:spec", "f:minReadySeconds"]])
    assert.deepEqual(c.removed.paths(), [["f:spec", "f:paused"]])
  })
})

describe("recordUpdate()", () => {
  test("a create owns everything it set; a later update takes over what it changes", () => {
    const created = deployment(
      { replicas: 1, ...containers({ name: "c", image: "i" }) },
      { labels: { app: "web" } },
    )
    recordUpdate(undefined, created, "kubectl-create", CTX)
    assert.deepEqual(entries(created), ["kubectl-create/Update"])
    assert.deepEqual(fieldsOf(created, "kubectl-create"), {
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": {
        "f:replicas": {},
        "f:template": {
          "f:spec": {
            "f:containers": { ".": {}, 'k:{"name":"c"}': { ".": {}, "f:image": {}, "f:name": {} } },
          },
        },
      },
    })
    const next = structuredClone(created) as any
    next.spec.replicas = 3
    recordUpdate(created, next, "kubectl-scale", { ...CTX, now: "2026-11-24T18:15:00Z" })
    assert.deepEqual(entries(next), ["kubectl-create/Update", "kubectl-scale/Update"])
    assert.deepEqual(fieldsOf(next, "kubectl-scale"), { "f:spec": { "f:replicas": {} } })
    assert.equal((fieldsOf(next, "kubectl-create") as any)["f:spec"]["f:replicas"], undefined)
  })

  test("managedFields the client writes replace the live ones; an unchanged write keeps the old times", () => {
    const live = deployment({ replicas: 1 })
    recordUpdate(undefined, live, "a", CTX)
    const rewritten = structuredClone(live)
    ;(rewritten.metadata as any).managedFields = [
      {
        manager: "b",
        operation: "Apply",
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:replicas": {} } },
      },
    ]
    recordUpdate(live, rewritten, "c", { ...CTX, now: "2030-01-01T00:00:00Z" })
    assert.deepEqual(entries(rewritten), ["b/Apply"])
    const same = structuredClone(live)
    recordUpdate(live, same, "a", { ...CTX, now: "2030-01-01T00:00:00Z" })
    assert.deepEqual(same.metadata?.managedFields, live.metadata?.managedFields)
  })

  test("keeps ten Update managers, folding the oldest into ancient-changes", () => {
    let cur = deployment({ replicas: 0 })
    recordUpdate(undefined, cur, "m0", CTX)
    for (let i = 1; i <= 11; i++) {
      const next = structuredClone(cur) as any
      next.spec[`f${i}`] = i
      recordUpdate(cur, next, `m${i}`, { ...CTX, now: `2026-11-24T19:${String(i).padStart(2, "0")}:00Z` })
      cur = next
    }
    const names = entries(cur)
    assert.equal(names.length, 10)
    assert.ok(names.includes("ancient-changes/Update"))
    assert.ok(!names.includes("m0/Update") && !names.includes("m1/Update"))
  })

  test("an existing object without managedFields stays untracked", () => {
    const live = deployment({ replicas: 1 })
    const next = deployment({ replicas: 2 })
    recordUpdate(live, next, "x", CTX)
    assert.equal(next.metadata?.managedFields, undefined)
  })
})

describe("applyConfig()", () => {
  const cfg = (replicas: number, extra: Record<string, unknown> = {}) =>
    deployment({ replicas, ...containers({ name: "c", image: "i", ...extra }) })

  test("creates, then removes what it stops applying", () => {
    const created = applyConfig(undefined, cfg(1, { args: ["x"] }), { manager: "m", force: false }, CTX)
    assert.deepEqual(entries(created), ["m/Apply"])
    const next = applyConfig(created, cfg(1), { manager: "m", force: false }, CTX) as any
    assert.equal(next.spec.template.spec.containers[0].args, undefined)
  })

  test("keeps fields it stops applying when another manager owns them", () => {
    const created = applyConfig(undefined, cfg(1, { args: ["x"] }), { manager: "m", force: false }, CTX)
    const shared = applyConfig(created, cfg(1, { args: ["x"] }), { manager: "other", force: false }, CTX)
    const next = applyConfig(shared, cfg(1), { manager: "m", force: false }, CTX) as any
    assert.deepEqual(next.spec.template.spec.containers[0].args, ["x"])
  })

  test("conflicts with another manager's field, unless forced", () => {
    const live = deployment({ replicas: 1, ...containers({ name: "c", image: "i" }) })
    recordUpdate(undefined, live, "kubectl-client-side-apply", CTX)
    assert.throws(
      () => applyConfig(live, cfg(2), { manager: "kubectl", force: false }, CTX),
      (err: unknown) => {
        assert.ok(err instanceof ApiError)
        assert.equal(err.code, 409)
        assert.equal(
          err.message,
          'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
        )
        assert.deepEqual(err.details?.causes, [
          {
            reason: "FieldManagerConflict",
            message: 'conflict with "kubectl-client-side-apply" using apps/v1',
            field: ".spec.replicas",
          },
        ])
        return true
      },
    )
    const forced = applyConfig(live, cfg(2), { manager: "kubectl", force: true }, CTX) as any
    assert.equal(forced.spec.replicas, 2)
    assert.equal(
      fieldsOf(forced, "kubectl-client-side-apply") &&
        (fieldsOf(forced, "kubectl-client-side-apply") as any)["f:spec"]["f:replicas"],
      undefined,
    )
  })

  test("kubectl takes over fields whose live value is still its last-applied one", () => {
    const lastApplied = JSON.stringify(cfg(1))
    const live = deployment(
      { replicas: 1, ...containers({ name: "c", image: "i" }) },
      { annotations: { "kubectl.kubernetes.io/last-applied-configuration": lastApplied } },
    )
    recordUpdate(undefined, live, "kubectl-client-side-apply", CTX)
    const applied = applyConfig(live, cfg(2), { manager: "kubectl", force: false }, CTX) as any
    assert.equal(applied.spec.replicas, 2)
    // The annotation follows what kubectl applied, keys sorted and ended by a newline as upstream's
    // json.Encoder writes them.
    assert.equal(
      applied.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"],
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2,"template":{"spec":{"containers":[{"image":"i","name":"c"}]}}}}\n',
    )
    // HTML-escaped, as Go's encoder does by default.
    const html = cfg(2) as any
    html.metadata.annotations = { note: "<a&b>" }
    const escaped = applyConfig(applied, html, { manager: "kubectl", force: false }, CTX) as any
    assert.match(
      escaped.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"],
      /"note":"\\u003ca\\u0026b\\u003e"/,
    )
    const scaled = structuredClone(live) as any
    scaled.spec.replicas = 5
    recordUpdate(live, scaled, "scaler", CTX)
    assert.throws(
      () => applyConfig(scaled, cfg(2), { manager: "kubectl", force: false }, CTX),
      /conflict with "scaler" using apps\/v1: \.spec\.replicas/,
    )
  })

  test("lists every conflict by manager", () => {
    const live = deployment({ replicas: 1, paused: false })
    recordUpdate(undefined, live, "a", CTX)
    const err = (() => {
      try {
        applyConfig(live, deployment({ replicas: 2, paused: true }), { manager: "b", force: false }, CTX)
      } catch (e) {
        return e as ApiError
      }
      return undefined
    })()
    assert.equal(
      err?.message,
      'Apply failed with 2 conflicts: conflicts with "a" using apps/v1:\n- .spec.paused\n- .spec.replicas',
    )
  })

  test("refuses a configuration of another kind or with managedFields", () => {
    assert.throws(
      () => applyConfig(undefined, { apiVersion: "v1", kind: "Pod" }, { manager: "m", force: false }, CTX),
      /invalid object type: \/v1, Kind=Pod/,
    )
    assert.throws(
      () =>
        applyConfig(
          undefined,
          { apiVersion: "apps/v2", kind: "Deployment" },
          { manager: "m", force: false },
          CTX,
        ),
      /Incorrect version specified in apply patch. Specified patch version: apps\/v2, expected: apps\/v1/,
    )
    assert.throws(
      () =>
        applyConfig(undefined, deployment({}, { managedFields: [] }), { manager: "m", force: false }, CTX),
      /metadata.managedFields must be nil/,
    )
  })

  test("keys a list item omitting some of its keys by the others, as structured-merge-diff v6.3", () => {
    const ports = [{ name: "dns", protocol: "UDP" }]
    const obj = applyConfig(
      undefined,
      deployment(containers({ name: "c", image: "i", ports })),
      { manager: "m", force: false },
      CTX,
    )
    const c = (fieldsOf(obj, "m") as any)["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"c"}']
    assert.deepEqual(c["f:ports"], { 'k:{"protocol":"UDP"}': { ".": {}, "f:name": {}, "f:protocol": {} } })
  })

  test("refuses list items without their key or with the same key, as upstream", () => {
    assert.throws(
      () =>
        applyConfig(undefined, deployment(containers({ image: "i" })), { manager: "m", force: false }, CTX),
      /failed to create typed patch object \(\/web; apps\/v1, Kind=Deployment\): \.spec\.template\.spec\.containers: element 0: associative list with keys has an element that omits all key fields \["name"\] \(and doesn't have default values for any key fields\)/,
    )
    assert.throws(
      () =>
        applyConfig(
          undefined,
          deployment(containers({ name: "a" }, { name: "a" })),
          { manager: "m", force: false },
          CTX,
        ),
      /\.spec\.template\.spec\.containers: duplicate entries for key \[name="a"\]/,
    )
  })

  test("applies objects without a schema: maps granular, lists atomic", () => {
    const ctx = {
      ...CTX,
      shape: UNKNOWN_OBJECT,
      apiVersion: "example.com/v1",
      kind: "Widget",
      hasStatus: false,
    }
    const cr = (spec: Record<string, unknown>) => ({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec,
    })
    const a = applyConfig(undefined, cr({ size: 1, tags: ["a"] }), { manager: "a", force: false }, ctx)
    const b = applyConfig(a, cr({ color: "red", tags: ["b"] }), { manager: "b", force: true }, ctx) as any
    assert.deepEqual(b.spec, { size: 1, tags: ["b"], color: "red" })
    // Without schema every map entry is owned itself, as upstream's deduced types do.
    assert.deepEqual(fieldsOf(b, "a"), { "f:spec": { ".": {}, "f:size": {} } })
    assert.deepEqual(fieldsOf(b, "b"), { "f:spec": { ".": {}, "f:color": {}, "f:tags": {} } })
  })
})

describe("managerFromUserAgent()", () => {
  const cases: [string | undefined, string][] = [
    [undefined, ""],
    ["", ""],
    ["kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef", "kubectl"],
    ["Go-http-client/1.1", "Go-http-client"],
    ["no slash at all", "no slash at all"],
    ["tab\there/1", "tabhere"],
    ["\u00e9t\u00e9\u200b/2", "\u00e9t\u00e9"],
    ["x".repeat(128), "x".repeat(128)],
    ["x".repeat(130), "x".repeat(128)],
    [`${"x".repeat(127)}\u00e9`, "x".repeat(127)],
    ["del\u007f/1", "del"],
  ]
  for (const [ua, want] of cases) test(JSON.stringify(ua), () => assert.equal(managerFromUserAgent(ua), want))
})
