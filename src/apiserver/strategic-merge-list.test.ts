import assert from "node:assert/strict"
import { test } from "node:test"
import { Positions, indexIn, orderedBy } from "./strategic-merge-list.ts"

const LISTS: readonly [string, string, unknown[]][] = [
  [
    "conditions",
    "type",
    [{ type: "Ready" }, { type: "Initialized", status: "True" }, { type: "PodScheduled" }],
  ],
  ["duplicate keys", "name", [{ name: "a", x: 1 }, { name: "b" }, { name: "a", x: 2 }]],
  ["missing keys", "name", [{ image: "x" }, { name: "a" }, { image: "y" }]],
  ["non-maps", "port", [1, { port: 80 }, "80", null, [{ port: 80 }], { port: 0 }, { port: -0 }]],
  [
    "number keys",
    "containerPort",
    [{ containerPort: 80 }, { containerPort: 443 }, { containerPort: 80, protocol: "UDP" }],
  ],
  ["scalars", "", ["a", "b", "a", 1, true, null, 0, -0, "1"]],
  ["maps without a merge key", "", [{ a: 1 }, [1, 2], { a: 1 }, "x", { b: [] }, "[1,2]", '{"a":1}']],
]

test("Positions finds each value where indexIn finds it", () => {
  const values = LISTS.flatMap(([, , l]) => l).concat([undefined, {}, { type: "Nope" }, { name: undefined }])
  for (const [name, mk, list] of LISTS) {
    const positions = new Positions(list, mk)
    for (const v of values) {
      assert.equal(positions.of(v), indexIn(list, v, mk), `${name}: ${JSON.stringify(v)}`)
    }
  }
})

test("orderedBy() orders items as the sort by position (placed pairs) or index (other pairs) does", () => {
  const sortAll = (items: readonly unknown[], at: readonly number[]) =>
    items
      .map((v, i) => ({ v, i, at: at[i] as number }))
      .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i))
      .map((x) => x.v)
  // Every list of up to six positions in -1..4: placed in order, out of order, repeated, mixed with unplaced.
  const lists: number[][] = [[]]
  for (let n = 1; n <= 6; n++) {
    const prev = lists.filter((l) => l.length === n - 1)
    for (const l of prev) for (let p = -1; p <= 4; p++) lists.push([...l, p])
  }
  for (const at of lists) {
    const items = at.map((p, i) => ({ name: `item-${i}`, p }))
    assert.deepEqual(orderedBy(items, at), sortAll(items, at), JSON.stringify(at))
  }
})
