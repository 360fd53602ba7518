import assert from "node:assert/strict"
import { test } from "node:test"
import { PRINTERS, printerFor, toTable } from "./index.ts"
import { NOW, meta } from "./testdata.ts"

interface TableJson {
  columnDefinitions: { name: string }[]
  rows: {
    cells: unknown[]
    object?: { kind?: string; metadata?: { name?: string } }
    conditions?: unknown[]
  }[]
  metadata: unknown
}

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("web"),
  spec: { containers: [] },
  status: { phase: "Succeeded" },
}

test("toTable() prints a pod with its printer, partial metadata and row conditions", () => {
  const t = toTable({ group: "", kind: "Pod" }, [pod], {
    now: NOW,
    includeObject: "Metadata",
    listMeta: { resourceVersion: "7" },
  }) as TableJson
  assert.deepEqual(t.metadata, { resourceVersion: "7" })
  assert.equal(t.columnDefinitions[1]?.name, "Ready")
  assert.deepEqual(t.rows[0]?.cells.slice(0, 3), ["web", "0/0", "Succeeded"])
  assert.equal(t.rows[0]?.object?.kind, "PartialObjectMetadata")
  assert.equal(t.rows[0]?.object?.metadata?.name, "web")
  assert.equal(t.rows[0]?.conditions?.length, 1)
})

test("toTable() honours includeObject None and Object, and noHeaders", () => {
  const none = toTable({ group: "", kind: "Pod" }, [pod], {
    now: NOW,
    includeObject: "None",
    noHeaders: true,
  }) as TableJson
  assert.deepEqual(none.columnDefinitions, [])
  assert.equal(none.rows[0]?.object, undefined)
  const full = toTable({ group: "", kind: "Pod" }, [pod], { now: NOW, includeObject: "Object" }) as TableJson
  assert.equal(full.rows[0]?.object?.kind, "Pod")
})

test("toTable() falls back to Name and Created At for kinds without a printer", () => {
  const role = { metadata: meta("r") }
  for (const kind of [
    { group: "rbac.authorization.k8s.io", kind: "Role" },
    { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
    { group: "", kind: "LimitRange" },
  ]) {
    const t = toTable(kind, [role], { now: NOW, includeObject: "None" }) as TableJson
    assert.deepEqual(
      t.columnDefinitions.map((c) => c.name),
      ["Name", "Created At"],
    )
    assert.deepEqual(t.rows[0]?.cells, ["r", role.metadata.creationTimestamp])
  }
})

test("printerFor() shares one printer across versions and picks events.k8s.io apart", () => {
  assert.equal(
    printerFor({ group: "autoscaling", kind: "HorizontalPodAutoscaler" }).columns[1]?.name,
    "Reference",
  )
  assert.notEqual(
    printerFor({ group: "events.k8s.io", kind: "Event" }),
    printerFor({ group: "", kind: "Event" }),
  )
  assert.equal(printerFor({ group: "events.k8s.io", kind: "Event" }).columns[0]?.name, "Last Seen")
})

/** Columns whose upstream description is empty: RuntimeClass's Handler reads an ObjectMeta doc that does not exist. */
const UNDESCRIBED = new Set(["node.k8s.io/RuntimeClass Handler"])

test("every printer gives each column a name, type, description and priority", () => {
  for (const [key, p] of PRINTERS) {
    for (const c of p.columns) {
      assert.ok(
        c.name && c.type && (c.description || UNDESCRIBED.has(`${key} ${c.name}`)),
        `${key} column ${c.name}`,
      )
      assert.ok(c.priority === 0 || c.priority === 1, `${key} column ${c.name}`)
    }
  }
})
