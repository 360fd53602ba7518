import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { apiCall, runApiServer } from "../testing/index.ts"
import type { ApiServer } from "./server.ts"

const SCHEMAS = "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas"
const LEVELS = "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations"

function start(store: MemoryStore): Promise<{ api: ApiServer; stop: () => void }> {
  return runApiServer(store, { clock: new FakeClock(Date.UTC(2026, 11, 1)) })
}

describe("the mandatory flowcontrol configuration", () => {
  test("exists once the server is ready, as upstream ensures it", async () => {
    const { api, stop } = await start(new MemoryStore())
    try {
      const exempt = (await apiCall(api, "GET", `${SCHEMAS}/exempt`)).json
      assert.equal(exempt.spec.matchingPrecedence, 1)
      assert.equal(exempt.spec.priorityLevelConfiguration.name, "exempt")
      assert.deepEqual(exempt.spec.rules[0].subjects, [{ kind: "Group", group: { name: "system:masters" } }])
      assert.equal(exempt.spec.distinguisherMethod, undefined)
      assert.equal(exempt.metadata.annotations["apf.kubernetes.io/autoupdate-spec"], "true")
      assert.equal(exempt.metadata.generation, 1)
      const catchAll = (await apiCall(api, "GET", `${SCHEMAS}/catch-all`)).json
      assert.equal(catchAll.spec.matchingPrecedence, 10000)
      assert.deepEqual(catchAll.spec.distinguisherMethod, { type: "ByUser" })
      const levels = (await apiCall(api, "GET", LEVELS)).json.items.map(
        (l: { metadata: { name: string }; spec: unknown }) => [l.metadata.name, l.spec],
      )
      assert.deepEqual(levels, [
        [
          "catch-all",
          {
            type: "Limited",
            limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: "Reject" } },
          },
        ],
        ["exempt", { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } }],
      ])
    } finally {
      stop()
    }
  })

  test("a restart recreates a deleted one and keeps an edited one; their specs stay fixed", async () => {
    const store = new MemoryStore()
    const first = await start(store)
    assert.equal((await apiCall(first.api, "DELETE", `${SCHEMAS}/catch-all`)).status, 200)
    const patched = await apiCall(
      first.api,
      "PATCH",
      `${LEVELS}/catch-all`,
      { metadata: { labels: { mine: "yes" } } },
      { "content-type": "application/merge-patch+json" },
    )
    assert.equal(patched.status, 200, patched.text)
    const refused = await apiCall(
      first.api,
      "PATCH",
      `${LEVELS}/catch-all`,
      { spec: { limited: { nominalConcurrencyShares: 7 } } },
      { "content-type": "application/merge-patch+json" },
    )
    assert.equal(refused.status, 422)
    assert.match(refused.json.message, /spec of 'catch-all' must equal the fixed value/)
    first.stop()
    const second = await start(store)
    try {
      assert.equal((await apiCall(second.api, "GET", `${SCHEMAS}/catch-all`)).status, 200)
      const level = (await apiCall(second.api, "GET", `${LEVELS}/catch-all`)).json
      assert.equal(level.metadata.labels.mine, "yes")
    } finally {
      second.stop()
    }
  })
})
