import assert from "node:assert/strict"
import { test } from "node:test"
import { cacheOf, cycle, makeNode, makePod } from "../../_fixtures.ts"
import { newNodeUnschedulable } from "./node-unschedulable.ts"

const cases = [
  { name: "schedulable node fits", unschedulable: false, tolerations: [], want: "Success" },
  {
    name: "cordoned node rejects",
    unschedulable: true,
    tolerations: [],
    want: "UnschedulableAndUnresolvable",
  },
  {
    name: "cordoned node admits a pod tolerating the unschedulable taint",
    unschedulable: true,
    tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }],
    want: "Success",
  },
]
for (const c of cases) {
  test(`NodeUnschedulable.filter: ${c.name}`, () => {
    const node = cacheOf([makeNode("n1", { unschedulable: c.unschedulable })]).get("n1")!
    const { state, pi } = cycle(makePod("p", { spec: { tolerations: c.tolerations } }))
    const s = newNodeUnschedulable().filter(state, pi, node)
    assert.equal(s.code, c.want)
    if (c.want !== "Success") assert.deepEqual(s.reasons, ["node(s) were unschedulable"])
  })
}
