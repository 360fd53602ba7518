import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { cacheOf, frameworkOf, makeNode, makePod } from "../_fixtures.ts"
import { CycleState } from "./cycle-state.ts"
import type { FilterPlugin } from "./types.ts"
import { newPodInfo } from "./pod-info.ts"

const names = (filters: readonly unknown[] | undefined) => (filters as FilterPlugin[]).map((p) => p.name)

test("runPreFilter leaves out exactly the filters whose pre-filters skipped, pod after pod", () => {
  const cache = cacheOf([makeNode("n1", { labels: { zone: "a" } })])
  const fwk = frameworkOf(cache)
  const plain = makePod("plain")
  const ported = makePod("ported", {
    spec: { containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 80 }] }] },
  })
  const spread = makePod("spread", {
    labels: { app: "web" },
    spec: {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "zone",
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: { matchLabels: { app: "web" } },
        },
      ],
    },
  })
  const seen = new Set<string>()
  for (const pod of [plain, ported, spread, plain, spread, ported] as Pod[]) {
    const state = new CycleState()
    assert.equal(fwk.runPreFilter(state, newPodInfo(pod)).status.code, "Success")
    const want = fwk.filters.filter((p) => !state.skipFilter.has(p.name)).map((p) => p.name)
    assert.deepEqual(names(state.filters), want, pod.metadata?.name)
    seen.add(want.join(","))
  }
  assert.equal(seen.size, 3, "each pod leaves out other filters")
  // A state that skipped a filter before pre-filter ran keeps it out too.
  const state = new CycleState()
  state.skipFilter.add("NodeResourcesFit")
  fwk.runPreFilter(state, newPodInfo(plain))
  assert.ok(!names(state.filters).includes("NodeResourcesFit"))
  assert.ok(names(state.filters).length > 0)
})
