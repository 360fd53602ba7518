import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { FlowSchema } from "kubernetes-types/flowcontrol/v1.js"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { apiCall, runApiServer, until } from "../testing/index.ts"
import { danglingCondition } from "./flowcontrol-status.ts"

const NOW = Date.UTC(2026, 11, 1)
const FOUND = 'This FlowSchema references the PriorityLevelConfiguration object named "mine" and it exists'
const MISSING =
  'This FlowSchema references the PriorityLevelConfiguration object named "mine" but there is no such object'

function schema(condition?: { status: string; reason: string; message: string }): FlowSchema {
  return {
    metadata: { name: "s" },
    spec: { priorityLevelConfiguration: { name: "mine" } },
    ...(condition ? { status: { conditions: [{ type: "Dangling", ...condition }] } } : {}),
  }
}

describe("danglingCondition()", () => {
  const cases: {
    name: string
    fs: FlowSchema
    exists: boolean
    want: { status: string; reason: string; message: string } | undefined
  }[] = [
    {
      name: "a schema without a condition whose level exists gets False, Found",
      fs: schema(),
      exists: true,
      want: { status: "False", reason: "Found", message: FOUND },
    },
    {
      name: "a schema whose level is missing gets True, NotFound",
      fs: schema({ status: "False", reason: "Found", message: FOUND }),
      exists: false,
      want: { status: "True", reason: "NotFound", message: MISSING },
    },
    {
      name: "a condition that says so already is left alone",
      fs: schema({ status: "True", reason: "NotFound", message: MISSING }),
      exists: false,
      want: undefined,
    },
    {
      name: "a stale message is rewritten",
      fs: schema({ status: "False", reason: "Found", message: "old words" }),
      exists: true,
      want: { status: "False", reason: "Found", message: FOUND },
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const got = danglingCondition(c.fs, c.exists, NOW)
      assert.deepEqual(
        got,
        c.want && {
          type: "Dangling",
          status: c.want.status,
          lastTransitionTime: "2026-12-01T00:00:00Z",
          reason: c.want.reason,
          message: c.want.message,
        },
      )
    })
  }
})

const SCHEMAS = "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas"
const LEVELS = "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations"

describe("FlowSchemaStatusController", () => {
  test("keeps the Dangling condition of every schema as its level comes and goes", async () => {
    const { api, stop } = await runApiServer(new MemoryStore(), { clock: new FakeClock(NOW) })
    const dangling = async (name: string) =>
      ((await apiCall(api, "GET", `${SCHEMAS}/${name}`)).json?.status?.conditions ?? []).find(
        (c: { type: string }) => c.type === "Dangling",
      )
    try {
      // GIVEN the bootstrap schemas, whose levels exist
      const probes = await until("the probes schema's condition", () => dangling("probes"))
      assert.equal(probes.status, "False")
      assert.equal(probes.reason, "Found")
      // WHEN a schema names a level that does not exist
      const fs = {
        metadata: { name: "mine" },
        spec: { priorityLevelConfiguration: { name: "mine" }, matchingPrecedence: 500 },
      }
      assert.equal((await apiCall(api, "POST", SCHEMAS, fs)).status, 201)
      // THEN it is dangling, as the field manager upstream's consumer is
      const missing = await until("a dangling condition", async () => {
        const c = await dangling("mine")
        return c?.status === "True" && c
      })
      assert.deepEqual(missing, {
        type: "Dangling",
        status: "True",
        lastTransitionTime: "2026-12-01T00:00:00Z",
        reason: "NotFound",
        message: MISSING,
      })
      const managed = (await apiCall(api, "GET", `${SCHEMAS}/mine`)).json.metadata.managedFields
      assert.ok(
        managed.some(
          (m: Record<string, string>) =>
            m.manager === "api-priority-and-fairness-config-consumer-v1" &&
            m.operation === "Apply" &&
            m.subresource === "status",
        ),
      )
      // WHEN the level is created THEN it is found
      const level = {
        metadata: { name: "mine" },
        spec: { type: "Limited", limited: { limitResponse: { type: "Reject" } } },
      }
      assert.equal((await apiCall(api, "POST", LEVELS, level)).status, 201)
      await until("a found condition", async () => (await dangling("mine"))?.reason === "Found")
      assert.equal((await dangling("mine")).message, FOUND)
    } finally {
      stop()
    }
  })
})
