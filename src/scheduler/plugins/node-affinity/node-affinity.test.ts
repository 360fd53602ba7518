import assert from "node:assert/strict"
import { test } from "node:test"
import type { Affinity } from "kubernetes-types/core/v1.js"
import { cacheOf, cycle, makeNode, makePod } from "../../_fixtures.ts"
import { newNodeAffinity } from "./node-affinity.ts"

const required = (key: string, operator: string, values?: string[]): Affinity => ({
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }],
    },
  },
})

const filterCases: {
  name: string
  labels: Record<string, string>
  selector?: Record<string, string>
  affinity?: Affinity
  want: string
}[] = [
  { name: "no constraints fit", labels: {}, want: "Success" },
  { name: "nodeSelector matches", labels: { disk: "ssd" }, selector: { disk: "ssd" }, want: "Success" },
  {
    name: "nodeSelector mismatch",
    labels: { disk: "hdd" },
    selector: { disk: "ssd" },
    want: "UnschedulableAndUnresolvable",
  },
  {
    name: "In matches",
    labels: { zone: "a" },
    affinity: required("zone", "In", ["a", "b"]),
    want: "Success",
  },
  {
    name: "In mismatch",
    labels: { zone: "c" },
    affinity: required("zone", "In", ["a", "b"]),
    want: "UnschedulableAndUnresolvable",
  },
  {
    name: "NotIn on absent label fits",
    labels: {},
    affinity: required("zone", "NotIn", ["a"]),
    want: "Success",
  },
  { name: "Exists", labels: { gpu: "" }, affinity: required("gpu", "Exists"), want: "Success" },
  {
    name: "DoesNotExist rejects",
    labels: { gpu: "" },
    affinity: required("gpu", "DoesNotExist"),
    want: "UnschedulableAndUnresolvable",
  },
  {
    name: "Gt compares integers",
    labels: { cores: "16" },
    affinity: required("cores", "Gt", ["8"]),
    want: "Success",
  },
  {
    name: "Lt rejects",
    labels: { cores: "16" },
    affinity: required("cores", "Lt", ["8"]),
    want: "UnschedulableAndUnresolvable",
  },
]
for (const c of filterCases) {
  test(`NodeAffinity.filter: ${c.name}`, () => {
    const node = cacheOf([makeNode("n1", { labels: c.labels })]).get("n1")!
    const pod = makePod("p", {
      spec: {
        ...(c.selector ? { nodeSelector: c.selector } : {}),
        ...(c.affinity ? { affinity: c.affinity } : {}),
      },
    })
    const { state, pi } = cycle(pod)
    const s = newNodeAffinity().filter(state, pi, node)
    assert.equal(s.code, c.want)
    if (c.want !== "Success")
      assert.deepEqual(s.reasons, ["node(s) didn't match Pod's node affinity/selector"])
  })
}

test("NodeAffinity.preFilter: matchFields metadata.name pins the candidate nodes", () => {
  const pod = makePod("p", {
    spec: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] }],
          },
        },
      },
    },
  })
  const { state, pi } = cycle(pod)
  assert.deepEqual([...(newNodeAffinity().preFilter(state, pi).nodeNames ?? [])], ["n2"])
})

test("NodeAffinity.score: sums matching preferred weights, the best node normalized to 100", () => {
  const cache = cacheOf([
    makeNode("a", { labels: { zone: "a", disk: "ssd" } }),
    makeNode("b", { labels: { zone: "a" } }),
    makeNode("c"),
  ])
  const pod = makePod("p", {
    spec: {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 2, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] } },
            {
              weight: 6,
              preference: { matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] },
            },
          ],
        },
      },
    },
  })
  const { state, pi } = cycle(pod)
  const p = newNodeAffinity()
  const nodes = cache.list()
  const scores = nodes.map((n) => p.score(state, pi, n))
  assert.deepEqual(scores, [8, 2, 0])
  p.normalizeScore?.(state, pi, scores, nodes)
  assert.deepEqual(scores, [100, 25, 0])
})
