import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { ApiError } from "../api/index.ts"
import { checkPatchType } from "./patch.ts"
import { kindShape, type Shape } from "./shapes.ts"
import { strategicMergePatch } from "./strategic-merge.ts"

const DEPLOYMENT = kindShape("apps", "v1", "Deployment") as Shape
const POD = kindShape("", "v1", "Pod") as Shape
const SERVICE = kindShape("", "v1", "Service") as Shape

function podSpec(spec: Record<string, unknown>) {
  return { spec: { template: { spec } } }
}

interface Case {
  readonly name: string
  readonly shape?: Shape
  readonly original: unknown
  readonly patch: unknown
  readonly want: unknown
}

// The examples of upstream's "Update API Objects in Place Using kubectl patch" task and of the
// strategic merge patch design document, restated.
const CASES: Case[] = [
  {
    name: "containers merge by name; the patch's new container comes first",
    original: podSpec({ containers: [{ name: "patch-demo-ctr", image: "nginx" }] }),
    patch: podSpec({ containers: [{ name: "patch-demo-ctr-2", image: "redis" }] }),
    want: podSpec({
      containers: [
        { name: "patch-demo-ctr-2", image: "redis" },
        { name: "patch-demo-ctr", image: "nginx" },
      ],
    }),
  },
  {
    name: "a container named in the patch is merged field by field",
    original: podSpec({
      containers: [
        { name: "a", image: "nginx", args: ["x"] },
        { name: "b", image: "b" },
      ],
    }),
    patch: podSpec({ containers: [{ name: "a", image: "nginx:2" }] }),
    want: podSpec({
      containers: [
        { name: "a", image: "nginx:2", args: ["x"] },
        { name: "b", image: "b" },
      ],
    }),
  },
  {
    name: "container ports merge by containerPort",
    original: podSpec({ containers: [{ name: "a", ports: [{ containerPort: 80, name: "http" }] }] }),
    patch: podSpec({
      containers: [{ name: "a", ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 443 }] }],
    }),
    want: podSpec({
      containers: [
        { name: "a", ports: [{ containerPort: 80, name: "http", protocol: "TCP" }, { containerPort: 443 }] },
      ],
    }),
  },
  {
    name: "service ports merge by port",
    shape: SERVICE,
    original: { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 81 }] } },
    patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
    want: { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 81 }] } },
  },
  {
    name: "tolerations have no merge key: the patch replaces the list",
    original: podSpec({ tolerations: [{ effect: "NoSchedule", key: "dedicated", value: "test-team" }] }),
    patch: podSpec({ tolerations: [{ effect: "NoSchedule", key: "disktype", value: "ssd" }] }),
    want: podSpec({ tolerations: [{ effect: "NoSchedule", key: "disktype", value: "ssd" }] }),
  },
  {
    name: "finalizers are a set: union, the patch's new items first",
    shape: POD,
    original: { metadata: { finalizers: ["a", "b"] } },
    patch: { metadata: { finalizers: ["c", "a"] } },
    want: { metadata: { finalizers: ["c", "a", "b"] } },
  },
  {
    name: "$deleteFromPrimitiveList removes items from a set",
    shape: POD,
    original: { metadata: { finalizers: ["a", "b", "c"] } },
    patch: { metadata: { "$deleteFromPrimitiveList/finalizers": ["b"] } },
    want: { metadata: { finalizers: ["a", "c"] } },
  },
  {
    name: "null deletes a key; maps merge",
    shape: POD,
    original: { metadata: { labels: { a: "1", b: "2" } } },
    patch: { metadata: { labels: { a: null, c: "3" } } },
    want: { metadata: { labels: { b: "2", c: "3" } } },
  },
  {
    name: "$retainKeys on the deployment strategy drops rollingUpdate",
    original: { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } },
    patch: { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } },
    want: { spec: { strategy: { type: "Recreate" } } },
  },
  {
    name: "$retainKeys on a volume switches its source",
    original: podSpec({
      volumes: [
        { name: "v", emptyDir: {} },
        { name: "w", emptyDir: {} },
      ],
    }),
    patch: podSpec({
      volumes: [{ name: "v", $retainKeys: ["name", "hostPath"], hostPath: { path: "/tmp" } }],
    }),
    want: podSpec({
      volumes: [
        { name: "v", hostPath: { path: "/tmp" } },
        { name: "w", emptyDir: {} },
      ],
    }),
  },
  {
    name: "$patch: delete removes the list element with that merge key",
    original: podSpec({ containers: [{ name: "a" }, { name: "b" }] }),
    patch: podSpec({ containers: [{ name: "a", $patch: "delete" }] }),
    want: podSpec({ containers: [{ name: "b" }] }),
  },
  {
    name: "$patch: replace in a list replaces the whole list",
    original: podSpec({ containers: [{ name: "a", image: "x" }, { name: "b" }] }),
    patch: podSpec({ containers: [{ name: "c" }, { $patch: "replace" }] }),
    want: podSpec({ containers: [{ name: "c" }] }),
  },
  {
    name: "$patch: replace in a map replaces the map",
    shape: POD,
    original: { metadata: { labels: { a: "1", b: "2" } } },
    patch: { metadata: { labels: { $patch: "replace", c: "3" } } },
    want: { metadata: { labels: { c: "3" } } },
  },
  {
    name: "$patch: delete in a map empties it",
    shape: POD,
    original: { metadata: { labels: { a: "1" } } },
    patch: { metadata: { labels: { $patch: "delete" } } },
    want: { metadata: { labels: {} } },
  },
  {
    name: "$setElementOrder orders the merged list",
    original: podSpec({ containers: [{ name: "a" }, { name: "b" }, { name: "c" }] }),
    patch: podSpec({
      "$setElementOrder/containers": [{ name: "c" }, { name: "b" }, { name: "a" }],
      containers: [{ name: "b", image: "new" }],
    }),
    want: podSpec({ containers: [{ name: "c" }, { name: "b", image: "new" }, { name: "a" }] }),
  },
  {
    name: "$setElementOrder on a set of scalars with a deletion",
    shape: POD,
    original: { metadata: { finalizers: ["a", "b", "c"] } },
    patch: {
      metadata: { "$setElementOrder/finalizers": ["c", "a"], "$deleteFromPrimitiveList/finalizers": ["b"] },
    },
    want: { metadata: { finalizers: ["c", "a"] } },
  },
  {
    name: "a new list or map is taken whole, without its directives and nulls",
    original: { spec: {} },
    patch: podSpec({ containers: [{ name: "a", env: [{ name: "x", value: null }] }] }),
    want: podSpec({ containers: [{ name: "a", env: [{ name: "x" }] }] }),
  },
  {
    name: "fields the schema does not know merge as maps and replace as lists",
    original: { spec: { extra: { a: 1, b: [1, 2] } } },
    patch: { spec: { extra: { c: 2, b: [3] } } },
    want: { spec: { extra: { a: 1, b: [3], c: 2 } } },
  },
  {
    name: "inline volume sources are known: configMap items replace",
    original: podSpec({
      volumes: [{ name: "v", configMap: { name: "c", items: [{ key: "a", path: "a" }] } }],
    }),
    patch: podSpec({ volumes: [{ name: "v", configMap: { items: [{ key: "b", path: "b" }] } }] }),
    want: podSpec({ volumes: [{ name: "v", configMap: { name: "c", items: [{ key: "b", path: "b" }] } }] }),
  },
]

describe("strategicMergePatch()", () => {
  for (const c of CASES) {
    test(c.name, () => {
      assert.deepEqual(strategicMergePatch(c.original, c.patch, c.shape ?? DEPLOYMENT), c.want)
    })
  }

  test("leaves its inputs unchanged", () => {
    const original = podSpec({ containers: [{ name: "a" }] })
    const patch = podSpec({ containers: [{ name: "b" }] })
    const before = JSON.stringify([original, patch])
    strategicMergePatch(original, patch, DEPLOYMENT)
    assert.equal(JSON.stringify([original, patch]), before)
  })

  test("copies on write: a frozen original gives the same results, sharing what the patch left alone", () => {
    const freeze = (v: unknown): unknown => {
      if (typeof v === "object" && v !== null) Object.values(v).forEach(freeze)
      return Object.freeze(v)
    }
    for (const c of CASES) {
      const original = freeze(structuredClone(c.original))
      assert.deepEqual(strategicMergePatch(original, c.patch, c.shape ?? DEPLOYMENT), c.want, c.name)
    }
    const original = freeze({ spec: { a: { x: 1 } }, status: { phase: "Pending" } }) as {
      spec: unknown
      status: unknown
    }
    const out = strategicMergePatch(original, { status: { phase: "Running" } }, POD)
    assert.equal(out.spec, original.spec)
    assert.deepEqual(out.status, { phase: "Running" })
  })
})

interface ErrorCase {
  readonly name: string
  readonly original?: unknown
  readonly patch: unknown
  readonly code: number
  readonly message: string | RegExp
}

const ERRORS: ErrorCase[] = [
  {
    name: "a patch that is not an object",
    patch: [1],
    code: 400,
    message: "json: cannot unmarshal array into Go value of type map[string]interface {}",
  },
  {
    name: "$retainKeys that is not a list",
    original: { spec: { strategy: { type: "Recreate" } } },
    patch: { spec: { strategy: { $retainKeys: "type" } } },
    code: 400,
    message: "invalid patch format of retainKeys",
  },
  {
    name: "a field missing from $retainKeys",
    original: { spec: { strategy: { type: "Recreate" } } },
    patch: { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } },
    code: 400,
    message: "invalid patch format of retainKeys",
  },
  {
    name: "a $setElementOrder key without a list name",
    original: { spec: {} },
    patch: { spec: { $setElementOrder: [] } },
    code: 400,
    message: "invalid patch format of setElementOrder list",
  },
  {
    name: "a $deleteFromPrimitiveList key without a list name",
    original: { metadata: { finalizers: ["a"] } },
    patch: { metadata: { $deleteFromPrimitiveList: ["a"] } },
    code: 400,
    message: "invalid patch format of primitive list",
  },
  {
    name: "lists of lists",
    original: { metadata: { finalizers: [["a"]] } },
    patch: { metadata: { finalizers: [["b"]] } },
    code: 422,
    message: "the server rejected our request due to an error in our request",
  },
  {
    name: "an unknown $patch value",
    original: { metadata: { labels: { a: "1" } } },
    patch: { metadata: { labels: { $patch: "nope" } } },
    code: 500,
    message: "unknown patch type: nope in map: map[$patch:nope]",
  },
  {
    name: "a list element without its merge key",
    original: podSpec({ containers: [{ name: "a" }] }),
    patch: podSpec({ containers: [{ image: "x" }] }),
    code: 500,
    message: "map: map[image:x] does not contain declared merge key: name",
  },
]

describe("strategicMergePatch() errors", () => {
  for (const c of ERRORS) {
    test(`refuses ${c.name}`, () => {
      assert.throws(
        () => strategicMergePatch(c.original ?? {}, c.patch, DEPLOYMENT),
        (err: unknown) => {
          assert.ok(err instanceof ApiError)
          assert.equal(err.code, c.code)
          if (typeof c.message === "string") assert.equal(err.message, c.message)
          else assert.match(err.message, c.message)
          return true
        },
      )
    })
  }
})

describe("checkPatchType()", () => {
  test("refuses strategic merge for kinds without a schema, as upstream does for custom resources", () => {
    assert.throws(
      () =>
        checkPatchType("application/strategic-merge-patch+json", {
          group: "example.com",
          version: "v1",
          kind: "Widget",
        }),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 415 &&
        err.message ===
          "the body of the request was in an unknown format - accepted media types include: " +
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    )
  })

  test("lists every patch type for built-in kinds", () => {
    assert.throws(
      () => checkPatchType("text/plain", { group: "apps", version: "v1", kind: "Deployment" }),
      /application\/json-patch\+json, application\/merge-patch\+json, application\/strategic-merge-patch\+json, application\/apply-patch\+yaml$/,
    )
  })
})
