import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { namingStatus, setCondition } from "./naming.ts"

function crd(name: string, names: Record<string, unknown>, accepted?: Record<string, unknown>): any {
  return {
    metadata: { name },
    spec: { group: "example.com", names, scope: "Namespaced", versions: [] },
    ...(accepted ? { status: { acceptedNames: accepted, storedVersions: ["v1"] } } : {}),
  }
}

describe("CRD naming", () => {
  test("names no other CRD of the group accepted are accepted and the CRD is established", () => {
    const s = namingStatus(
      crd("foos.example.com", { plural: "foos", kind: "Foo", shortNames: ["f"] }),
      [],
      "T1",
    )
    assert.deepEqual(s?.acceptedNames, {
      plural: "foos",
      singular: "foo",
      shortNames: ["f"],
      kind: "Foo",
      listKind: "FooList",
    })
    assert.deepEqual(
      s?.conditions?.map((c) => [c.type, c.status, c.reason]),
      [
        ["NamesAccepted", "True", "NoConflicts"],
        ["Established", "True", "InitialNamesAccepted"],
      ],
    )
  })

  test("a short name in use is a ShortNamesConflict", () => {
    const other = crd(
      "bars.example.com",
      { plural: "bars", kind: "Bar" },
      { plural: "bars", kind: "Bar", shortNames: ["f"] },
    )
    const s = namingStatus(
      crd("foos.example.com", { plural: "foos", kind: "Foo", shortNames: ["f"] }),
      [other],
      "T1",
    )
    const names = s?.conditions?.find((c) => c.type === "NamesAccepted")
    assert.deepEqual(
      [names?.status, names?.reason, names?.message],
      ["False", "ShortNamesConflict", '"f" is already in use'],
    )
  })

  test("lastTransitionTime changes only with the status", () => {
    const one = setCondition([], { type: "Established", status: "True", reason: "A", message: "" }, "T1")
    const same = setCondition(one, { type: "Established", status: "True", reason: "B", message: "" }, "T2")
    assert.equal(same[0]?.lastTransitionTime, "T1")
    const flipped = setCondition(
      one,
      { type: "Established", status: "False", reason: "C", message: "" },
      "T3",
    )
    assert.equal(flipped[0]?.lastTransitionTime, "T3")
  })
})
