import assert from "node:assert/strict"
import { test } from "node:test"
import { builtinReplicasPaths, parentManagedFields, scaleManagedFields } from "./scale-fields.ts"

// The two directions of upstream's ScaleHandler, case by case (its own unit cases, written again).

const REPLICAS = { "f:spec": { "f:replicas": {} } }
const REPLICAS_SELECTOR = { "f:spec": { "f:replicas": {}, "f:selector": {} } }
const SELECTOR = { "f:spec": { "f:selector": {} } }
const STATUS = { "f:status": { "f:replicas": {} } }
const T = "2026-11-24T12:00:00Z"
const DEPLOYMENT = builtinReplicasPaths("Deployment")

function entry(
  manager: string,
  operation: "Apply" | "Update",
  apiVersion: string,
  fieldsV1: unknown,
  extra: { time?: string; subresource?: string } = {},
) {
  return {
    manager,
    operation,
    apiVersion,
    ...(extra.time ? { time: extra.time } : {}),
    fieldsType: "FieldsV1",
    fieldsV1,
    ...(extra.subresource ? { subresource: extra.subresource } : {}),
  }
}

const toScale = [
  {
    name: "only the entries owning replicas are kept, at autoscaling/v1 with their time",
    parent: [
      entry("one", "Apply", "apps/v1", SELECTOR),
      entry("two", "Apply", "apps/v1", REPLICAS, { time: T }),
    ],
    want: [entry("two", "Apply", "autoscaling/v1", REPLICAS, { time: T })],
  },
  {
    name: "every owner of replicas is kept, subresource entries too",
    parent: [
      entry("one", "Apply", "apps/v1", REPLICAS_SELECTOR),
      entry("two", "Update", "apps/v1beta2", REPLICAS),
      entry("three", "Apply", "apps/v1", REPLICAS, { subresource: "scale" }),
    ],
    want: [
      entry("one", "Apply", "autoscaling/v1", REPLICAS),
      entry("three", "Apply", "autoscaling/v1", REPLICAS, { subresource: "scale" }),
      entry("two", "Update", "autoscaling/v1", REPLICAS),
    ],
  },
  {
    name: "an entry of an unknown apiVersion is left out",
    parent: [entry("one", "Apply", "apps/v10", REPLICAS)],
    want: undefined,
  },
]

for (const c of toScale) {
  test(`scaleManagedFields(): ${c.name}`, () => {
    assert.deepEqual(scaleManagedFields(c.parent, DEPLOYMENT), c.want)
  })
}

const toParent = [
  {
    name: "another manager's update takes replicas from an applier",
    parent: [entry("test", "Apply", "apps/v1", REPLICAS_SELECTOR)],
    scale: [entry("scale", "Update", "autoscaling/v1", REPLICAS, { time: T, subresource: "scale" })],
    want: [
      entry("test", "Apply", "apps/v1", SELECTOR),
      entry("scale", "Update", "apps/v1", REPLICAS, { subresource: "scale" }),
    ],
  },
  {
    name: "another manager's apply takes replicas from an updater",
    parent: [entry("test", "Update", "apps/v1", REPLICAS_SELECTOR, { time: T })],
    scale: [entry("scale", "Apply", "autoscaling/v1", REPLICAS, { subresource: "scale" })],
    want: [
      entry("scale", "Apply", "apps/v1", REPLICAS, { subresource: "scale" }),
      entry("test", "Update", "apps/v1", SELECTOR, { time: T }),
    ],
  },
  {
    name: "an applier the Scale still has keeps its entry whole",
    parent: [entry("test", "Apply", "apps/v1", REPLICAS_SELECTOR)],
    scale: [entry("test", "Apply", "autoscaling/v1", REPLICAS)],
    want: [entry("test", "Apply", "apps/v1", REPLICAS_SELECTOR)],
  },
  {
    name: "an updater the Scale still has gets a second entry of its replicas (keys differ by apiVersion)",
    parent: [entry("test", "Update", "apps/v1", REPLICAS_SELECTOR, { time: T })],
    scale: [entry("test", "Update", "autoscaling/v1", REPLICAS, { time: T })],
    want: [
      entry("test", "Update", "apps/v1", REPLICAS),
      entry("test", "Update", "apps/v1", SELECTOR, { time: T }),
    ],
  },
  {
    name: "a Scale entry owning no spec.replicas is dropped",
    parent: [entry("test", "Apply", "apps/v1", SELECTOR)],
    scale: [entry("scale", "Update", "autoscaling/v1", STATUS, { subresource: "scale" })],
    want: [entry("test", "Apply", "apps/v1", SELECTOR)],
  },
  {
    name: "an entry left owning nothing goes; one of an unknown apiVersion too",
    parent: [entry("test", "Apply", "apps/v1", REPLICAS), entry("old", "Apply", "apps/v10", SELECTOR)],
    scale: [entry("scale", "Update", "autoscaling/v1", REPLICAS, { subresource: "scale" })],
    want: [entry("scale", "Update", "apps/v1", REPLICAS, { subresource: "scale" })],
  },
  {
    name: "a scale manager already on the object keeps the object's entry's time",
    parent: [entry("scale", "Apply", "apps/v1", REPLICAS, { time: T, subresource: "scale" })],
    scale: [entry("scale", "Apply", "autoscaling/v1", REPLICAS, { subresource: "scale" })],
    want: [entry("scale", "Apply", "apps/v1", REPLICAS, { time: T, subresource: "scale" })],
  },
]

for (const c of toParent) {
  test(`parentManagedFields(): ${c.name}`, () => {
    assert.deepEqual(parentManagedFields(c.parent, c.scale, DEPLOYMENT, "apps/v1"), c.want)
  })
}

test("parentManagedFields() keeps a custom resource's entries of a version without /scale as they are", () => {
  const paths = new Map([
    ["example.com/v1", ["spec", "size"]],
    ["example.com/v0", null],
  ])
  const size = { "f:spec": { "f:size": {} } }
  const got = parentManagedFields(
    [
      entry("old", "Update", "example.com/v0", size, { time: T }),
      entry("new", "Apply", "example.com/v1", size),
    ],
    [entry("scaler", "Update", "autoscaling/v1", REPLICAS, { subresource: "scale" })],
    paths,
    "example.com/v1",
  )
  assert.deepEqual(got, [
    entry("scaler", "Update", "example.com/v1", size, { subresource: "scale" }),
    entry("old", "Update", "example.com/v0", size, { time: T }),
  ])
})
