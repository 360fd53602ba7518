import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { FlowSchema } from "kubernetes-types/flowcontrol/v1.js"
import { type ListOptions, type ListResult, MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { apiCall, runApiServer, until } from "../testing/index.ts"
import { danglingCondition } from "./flowcontrol-status.ts"
import { createApiServer } from "./server.ts"

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

describe("FlowSchemaStatusController, held back and quiet", () => {
  const MINE = { metadata: { name: "mine" }, spec: { priorityLevelConfiguration: { name: "mine" } } }
  const LEVEL = {
    metadata: { name: "mine" },
    spec: { type: "Limited", limited: { limitResponse: { type: "Reject" } } },
  }

  test("a schema written more than 5 times in a minute is held back, with one retry however many events come", async () => {
    const clock = new FakeClock(NOW)
    const { api, stop } = await runApiServer(new MemoryStore(), { clock })
    const reason = async (name: string) =>
      ((await apiCall(api, "GET", `${SCHEMAS}/${name}`)).json?.status?.conditions ?? []).find(
        (c: { type: string }) => c.type === "Dangling",
      )?.reason
    /** A new schema naming a missing level: once it is dangling, a pass after every earlier event ran. */
    let witnesses = 0
    const passed = async () => {
      const name = `witness-${++witnesses}`
      const fs = { metadata: { name }, spec: { priorityLevelConfiguration: { name: "none" } } }
      assert.equal((await apiCall(api, "POST", SCHEMAS, fs)).status, 201)
      await until(`${name} dangling`, async () => (await reason(name)) === "NotFound")
    }
    try {
      // GIVEN a schema whose level comes and goes: 6 condition writes in the same minute
      assert.equal((await apiCall(api, "POST", SCHEMAS, MINE)).status, 201)
      await until("mine dangling", async () => (await reason("mine")) === "NotFound")
      for (let i = 0; i < 5; i++) {
        const exists = i % 2 === 0
        if (exists) assert.equal((await apiCall(api, "POST", LEVELS, LEVEL)).status, 201)
        else assert.equal((await apiCall(api, "DELETE", `${LEVELS}/mine`)).status, 200)
        const want = exists ? "Found" : "NotFound"
        await until(`mine ${want}`, async () => (await reason("mine")) === want)
      }
      // WHEN the level goes again THEN the seventh write is held back
      assert.equal((await apiCall(api, "DELETE", `${LEVELS}/mine`)).status, 200)
      await passed()
      assert.equal(await reason("mine"), "Found")
      // and more events while it is held start no more timers than the one retry
      const waiting = clock.waiting
      for (let i = 0; i < 3; i++) await passed()
      assert.equal(clock.waiting, waiting)
      // WHEN time passes THEN a retry (30 to 75 s after a held-back pass, held again while the
      // writes are less than a minute old) writes it
      await until("mine NotFound after the hold", async () => {
        await clock.advance(15_000)
        return (await reason("mine")) === "NotFound"
      })
    } finally {
      stop()
    }
  })

  test("a quiet minute writes no FlowSchema and no PriorityLevelConfiguration", async () => {
    const clock = new FakeClock(NOW)
    const { api, stop } = await runApiServer(new MemoryStore(), { clock })
    const versions = async () => {
      const out: Record<string, string> = {}
      for (const path of [SCHEMAS, LEVELS]) {
        for (const o of (await apiCall(api, "GET", path)).json.items)
          out[`${o.kind}/${o.metadata.name}`] = o.metadata.resourceVersion
      }
      return out
    }
    try {
      // GIVEN the bootstrap objects, each schema's condition written
      await until("every schema's condition", async () => {
        const items = (await apiCall(api, "GET", SCHEMAS)).json.items as FlowSchema[]
        return items.every((fs) => fs.status?.conditions?.some((c) => c.type === "Dangling"))
      })
      const before = await versions()
      // WHEN two minutes pass, the ensurer running twice
      await clock.advance(60_000)
      await clock.advance(60_000)
      // THEN, once a status pass has run after them, nothing was written
      const fs = {
        metadata: { name: "witness" },
        spec: { priorityLevelConfiguration: { name: "global-default" } },
      }
      assert.equal((await apiCall(api, "POST", SCHEMAS, fs)).status, 201)
      await until("the witness's condition", async () => {
        const got = (await apiCall(api, "GET", `${SCHEMAS}/witness`)).json as FlowSchema
        return got.status?.conditions?.some((c) => c.reason === "Found")
      })
      const after = await versions()
      delete after["FlowSchema/witness"]
      assert.deepEqual(after, before)
    } finally {
      stop()
    }
  })
})

describe("the API server's run()", () => {
  /** A store whose lists fail after the first (the server's own read of the CRDs). */
  class ListsFail extends MemoryStore {
    #lists = 0
    override list(prefix: string, opts?: ListOptions): Promise<ListResult> {
      if (++this.#lists > 1) return Promise.reject(new Error("the store is down"))
      return super.list(prefix, opts)
    }
  }

  test("returns when stopped before the watch cache's first list (the status controllers wait for it)", async () => {
    const api = createApiServer({ store: new ListsFail(), clock: new FakeClock(NOW) })
    const ac = new AbortController()
    const running = api.run(ac.signal)
    ac.abort()
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise<string>((resolve) => (timer = setTimeout(() => resolve("hung"), 5_000)))
    try {
      assert.equal(await Promise.race([running.then(() => "returned"), hung]), "returned")
    } finally {
      clearTimeout(timer)
    }
  })
})
