import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { apiCall, runApiServer, until } from "../testing/index.ts"
import type { ApiServer } from "./server.ts"

const SCHEMAS = "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas"
const LEVELS = "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations"

function start(store: MemoryStore, clock = new FakeClock(Date.UTC(2026, 11, 1))) {
  return runApiServer(store, { clock })
}

const MERGE = { "content-type": "application/merge-patch+json" }

async function names(api: ApiServer, path: string): Promise<string[]> {
  return (await apiCall(api, "GET", path)).json.items.map(
    (o: { metadata: { name: string } }) => o.metadata.name,
  )
}

describe("the bootstrap flowcontrol configuration", () => {
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
      const levels = (await apiCall(api, "GET", LEVELS)).json.items
        .map((l: { metadata: { name: string }; spec: unknown }) => [l.metadata.name, l.spec])
        .filter(([name]: [string]) => name === "catch-all" || name === "exempt")
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

  test("holds upstream's suggested levels and schemas besides the mandatory ones", async () => {
    const { api, stop } = await start(new MemoryStore())
    try {
      assert.deepEqual((await names(api, LEVELS)).sort(), [
        "catch-all",
        "exempt",
        "global-default",
        "leader-election",
        "node-high",
        "system",
        "workload-high",
        "workload-low",
      ])
      assert.deepEqual((await names(api, SCHEMAS)).sort(), [
        "catch-all",
        "exempt",
        "global-default",
        "kube-controller-manager",
        "kube-scheduler",
        "kube-system-service-accounts",
        "probes",
        "service-accounts",
        "system-leader-election",
        "system-node-high",
        "system-nodes",
      ])
      const election = (await apiCall(api, "GET", `${SCHEMAS}/system-leader-election`)).json
      assert.deepEqual(election.spec, {
        priorityLevelConfiguration: { name: "leader-election" },
        matchingPrecedence: 100,
        distinguisherMethod: { type: "ByUser" },
        rules: [
          {
            subjects: [
              { kind: "User", user: { name: "system:kube-controller-manager" } },
              { kind: "User", user: { name: "system:kube-scheduler" } },
              { kind: "ServiceAccount", serviceAccount: { name: "*", namespace: "kube-system" } },
            ],
            resourceRules: [
              {
                verbs: ["get", "create", "update"],
                apiGroups: ["coordination.k8s.io"],
                resources: ["leases"],
                namespaces: ["*"],
              },
            ],
          },
        ],
      })
      const system = (await apiCall(api, "GET", `${LEVELS}/system`)).json
      assert.deepEqual(system.spec, {
        type: "Limited",
        limited: {
          nominalConcurrencyShares: 30,
          lendablePercent: 33,
          limitResponse: { type: "Queue", queuing: { queues: 64, handSize: 6, queueLengthLimit: 50 } },
        },
      })
    } finally {
      stop()
    }
  })

  test("every minute, puts back what it keeps and removes what it no longer names", async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 1))
    const { api, stop } = await start(new MemoryStore(), clock)
    const shares = async (name: string) =>
      (await apiCall(api, "GET", `${LEVELS}/${name}`)).json.spec.limited.nominalConcurrencyShares
    try {
      // GIVEN a deleted suggested schema, an edited level the server keeps, one an operator took
      // over (annotation false), an old suggested level annotated as the server's and an
      // operator's own level
      assert.equal((await apiCall(api, "DELETE", `${SCHEMAS}/probes`)).status, 200)
      const edit = (n: number) => ({ spec: { limited: { nominalConcurrencyShares: n } } })
      assert.equal((await apiCall(api, "PATCH", `${LEVELS}/workload-low`, edit(7), MERGE)).status, 200)
      const takeOver = {
        metadata: { annotations: { "apf.kubernetes.io/autoupdate-spec": "false" } },
        ...edit(8),
      }
      assert.equal((await apiCall(api, "PATCH", `${LEVELS}/global-default`, takeOver, MERGE)).status, 200)
      const level = (name: string, annotations?: Record<string, string>) => ({
        metadata: { name, ...(annotations ? { annotations } : {}) },
        spec: { type: "Limited", limited: { limitResponse: { type: "Reject" } } },
      })
      const old = level("workload-leader-election", { "apf.kubernetes.io/autoupdate-spec": "true" })
      assert.equal((await apiCall(api, "POST", LEVELS, old)).status, 201)
      assert.equal((await apiCall(api, "POST", LEVELS, level("mine"))).status, 201)
      // WHEN a minute passes
      await clock.advance(60_000)
      // THEN
      await until(
        "the probes schema again",
        async () => (await apiCall(api, "GET", `${SCHEMAS}/probes`)).status === 200,
      )
      await until("workload-low's shares back", async () => (await shares("workload-low")) === 100)
      await until(
        "the old level gone",
        async () => !(await names(api, LEVELS)).includes("workload-leader-election"),
      )
      assert.equal(await shares("global-default"), 8)
      assert.ok((await names(api, LEVELS)).includes("mine"))
    } finally {
      stop()
    }
  })
})
