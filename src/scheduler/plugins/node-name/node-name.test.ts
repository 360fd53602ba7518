import assert from "node:assert/strict"
import { test } from "node:test"
import { cacheOf, cycle, makeNode, makePod } from "../../_fixtures.ts"
import { newNodeName } from "./node-name.ts"

const cases = [
  { name: "no nodeName fits anywhere", nodeName: undefined, want: "Success" },
  { name: "matching nodeName fits", nodeName: "n1", want: "Success" },
  { name: "other nodeName does not fit", nodeName: "n2", want: "UnschedulableAndUnresolvable" },
]
for (const c of cases) {
  test(`NodeName.filter: ${c.name}`, () => {
    const node = cacheOf([makeNode("n1")]).get("n1")!
    const { state, pi } = cycle(makePod("p", { spec: c.nodeName ? { nodeName: c.nodeName } : {} }))
    assert.equal(newNodeName().filter(state, pi, node).code, c.want)
  })
}
