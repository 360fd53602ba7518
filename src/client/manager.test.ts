import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { ConfigMaps } from "../api/index.ts"
import { settleUntil, startClientEnv, type ClientEnv } from "../testing/index.ts"
import { FakeClock, silentLogger } from "../util/index.ts"
import type { ControllerSpec } from "./controller.ts"
import { ControllerManager, isControllerEnabled } from "./manager.ts"

const cases = [
  { name: "* enables everything", input: ["*"], want: true },
  { name: "a name enables it", input: ["other", "web"], want: true },
  { name: "absent from the list is disabled", input: ["other"], want: false },
  { name: "-name disables it despite *", input: ["*", "-web"], want: false },
]
for (const c of cases) {
  test(`isControllerEnabled(): ${c.name}`, () => {
    assert.equal(isControllerEnabled("web", c.input), c.want)
  })
}

describe("ControllerManager", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
  })
  after(() => env.stop())

  function spec(name: string, create: ControllerSpec["create"]): ControllerSpec {
    return { name, for: ConfigMaps, create }
  }

  test("run() starts the enabled controllers and reports them healthy", async () => {
    const clock = new FakeClock()
    const started: string[] = []
    const make = (name: string) =>
      spec(name, () => {
        started.push(name)
        return { reconcile: async () => {} }
      })
    const manager = new ControllerManager({
      controllers: [make("a"), make("b"), make("c")],
      enabled: ["*", "-c"],
      client: env.inProcess,
      clock,
      log: silentLogger(),
    })
    assert.deepEqual(manager.names, ["a", "b"])
    const ac = new AbortController()
    const running = manager.run(ac.signal)
    await settleUntil(() => manager.isHealthy() && started.length === 2, "both controllers")
    const health = manager.health()
    assert.deepEqual(
      health.map((h) => [h.name, h.state, h.restarts]),
      [
        ["a", "running", 0],
        ["b", "running", 0],
      ],
    )
    assert.equal(typeof health[0]?.depth, "number")
    ac.abort()
    await running
    assert.deepEqual(
      manager.health().map((h) => h.state),
      ["stopped", "stopped"],
    )
  })

  test("a controller enabledBy another's name is enabled and disabled with it", () => {
    const part = { ...spec("a-part", () => ({ reconcile: async () => {} })), enabledBy: "a" }
    const all = [spec("a", () => ({ reconcile: async () => {} })), part]
    const names = (enabled: string[]) =>
      new ControllerManager({ controllers: all, enabled, client: env.inProcess, log: silentLogger() }).names
    assert.deepEqual(names(["*"]), ["a", "a-part"])
    assert.deepEqual(names(["a"]), ["a", "a-part"])
    assert.deepEqual(names(["*", "-a"]), [])
    assert.deepEqual(names(["a-part"]), [], "its own name is not a --controllers name")
  })

  test("a crashing controller is restarted with growing backoff", async () => {
    const clock = new FakeClock()
    let attempts = 0
    const manager = new ControllerManager({
      controllers: [
        spec("crashy", () => {
          if (++attempts <= 2) throw new Error(`crash ${attempts}`)
          return { reconcile: async () => {} }
        }),
      ],
      client: env.inProcess,
      clock,
      log: silentLogger(),
    })
    const ac = new AbortController()
    const running = manager.run(ac.signal)
    const state = () => manager.health()[0]
    await settleUntil(() => state()?.state === "crashed" && clock.waiting > 0, "the first crash")
    assert.equal(state()?.lastError, "crash 1")
    assert.equal(manager.isHealthy(), false)
    await clock.advance(1_000)
    await settleUntil(() => attempts === 2 && state()?.state === "crashed", "the second crash")
    await clock.advance(1_999)
    assert.equal(attempts, 2, "the second backoff is 2 s")
    await clock.advance(1)
    await settleUntil(() => state()?.state === "running" && attempts === 3, "the restart")
    assert.equal(state()?.restarts, 2)
    ac.abort()
    await running
  })
})
