import assert from "node:assert/strict"
import { test } from "node:test"
import type { TopologySpreadConstraint } from "kubernetes-types/core/v1.js"
import { selectorFromSet } from "../../../api/index.ts"
import { cacheOf, cycle, handleOf, makeNode, makePod } from "../../_fixtures.ts"
import { newPodTopologySpread } from "./pod-topology-spread.ts"

const ZONE = "topology.kubernetes.io/zone"
const constraint = (key: string, when: string, maxSkew = 1): TopologySpreadConstraint => ({
  maxSkew,
  topologyKey: key,
  whenUnsatisfiable: when,
  labelSelector: { matchLabels: { app: "web" } },
})
const web = (name: string, node: string) => makePod(name, { labels: { app: "web" }, node })

const filterCases = [
  {
    name: "skew over maxSkew rejects the crowded zone",
    maxSkew: 1,
    want: ["Unschedulable", "Unschedulable", "Success", "UnschedulableAndUnresolvable"],
  },
  {
    name: "a larger maxSkew admits it",
    maxSkew: 3,
    want: ["Success", "Success", "Success", "UnschedulableAndUnresolvable"],
  },
]
for (const c of filterCases) {
  test(`PodTopologySpread.filter: ${c.name}`, () => {
    const cache = cacheOf(
      [
        makeNode("a1", { labels: { [ZONE]: "a" } }),
        makeNode("a2", { labels: { [ZONE]: "a" } }),
        makeNode("b1", { labels: { [ZONE]: "b" } }),
        makeNode("nolabel"),
      ],
      [web("w1", "a1"), web("w2", "a2")],
    )
    const p = newPodTopologySpread(undefined, handleOf(cache))
    const { state, pi } = cycle(
      makePod("p", {
        labels: { app: "web" },
        spec: { topologySpreadConstraints: [constraint(ZONE, "DoNotSchedule", c.maxSkew)] },
      }),
    )
    assert.equal(p.preFilter(state, pi).status.code, "Success")
    assert.deepEqual(
      cache.list().map((n) => p.filter(state, pi, n).code),
      c.want,
    )
  })
}

const scoreCases = [
  {
    name: "ScheduleAnyway per host favours the emptier node",
    spec: { topologySpreadConstraints: [constraint("kubernetes.io/hostname", "ScheduleAnyway")] },
    spread: undefined,
    want: [0, 100],
  },
  {
    name: "default spreading applies to pods a Service selects",
    spec: {},
    spread: selectorFromSet({ app: "web" }),
    // maxSkew 3 per host: raw 2*ln(4)+2 ≈ 5 and 2, normalized as (max+min-s)/max
    want: [40, 100],
  },
  { name: "no constraints and no selector: skipped", spec: {}, spread: undefined, want: undefined },
]
for (const c of scoreCases) {
  test(`PodTopologySpread.score: ${c.name}`, () => {
    const cache = cacheOf([makeNode("n1"), makeNode("n2")], [web("w1", "n1"), web("w2", "n1")])
    const p = newPodTopologySpread(
      undefined,
      handleOf(cache, c.spread ? { defaultSpreadSelector: () => c.spread } : {}),
    )
    const { state, pi } = cycle(makePod("p", { labels: { app: "web" }, spec: c.spec }))
    const list = cache.list()
    const s = p.preScore(state, pi, list)
    if (!c.want) return assert.equal(s.code, "Skip")
    const scores = list.map((n) => p.score(state, pi, n))
    p.normalizeScore?.(state, pi, scores, list)
    assert.deepEqual(scores, c.want)
  })
}

test("PodTopologySpread.score: default spreading follows each pod's selector, one pod after another", () => {
  const cache = cacheOf(
    [makeNode("n1"), makeNode("n2")],
    [web("w1", "n1"), web("w2", "n1"), makePod("d1", { labels: { app: "db" }, node: "n2" })],
  )
  const selectors = { web: selectorFromSet({ app: "web" }), db: selectorFromSet({ app: "db" }) }
  const p = newPodTopologySpread(
    undefined,
    handleOf(cache, {
      defaultSpreadSelector: (pod) => selectors[pod.metadata?.labels?.app as "web" | "db"],
    }),
  )
  const scoresOf = (app: string) => {
    const { state, pi } = cycle(makePod(`p-${app}`, { labels: { app } }))
    const list = cache.list()
    assert.equal(p.preScore(state, pi, list).code, "Success")
    const scores = list.map((n) => p.score(state, pi, n))
    p.normalizeScore?.(state, pi, scores, list)
    return scores
  }
  // Each selector's own counts, whichever was asked before (2 web pods on n1, 1 db pod on n2).
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(scoresOf("web"), [40, 100])
    assert.deepEqual(scoresOf("db"), [100, 66])
  }
})
