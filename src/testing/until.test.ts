import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { Pods } from "../api/index.ts"
import { type ClientEnv, startClientEnv } from "./client-env.ts"
import { nodePod } from "./pods.ts"
import { until, untilPhase, untilPod } from "./until.ts"

describe("until", () => {
  test("asks again until the probe answers; a throw is 'not yet'", async () => {
    let asked = 0
    const got = await until(
      "the third answer",
      () => {
        asked++
        if (asked === 1) throw new Error("not up")
        return asked === 3 ? "ok" : undefined
      },
      { everyMs: 1 },
    )
    assert.deepEqual([got, asked], ["ok", 3])
  })

  test("gives up after ms, naming what it waited for and the last error", async () => {
    await assert.rejects(
      until("a miracle", () => Promise.reject(new Error("refused")), { ms: 20, everyMs: 5 }),
      /^Error: timed out waiting for a miracle: Error: refused$/,
    )
  })
})

describe("untilPod, untilPhase", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
  })
  after(() => env.stop())

  test("wait for a pod to exist and reach a phase", async () => {
    const created = env.inProcess
      .resource(Pods)
      .create(nodePod("node-u", "p", { containers: [{ name: "c", image: "pause" }] }))
    const pod = await untilPod(env.inProcess, "p", (p) => p.spec?.nodeName === "node-u")
    assert.equal(pod.spec?.terminationGracePeriodSeconds, 1)
    await created
    const running = untilPhase(env.inProcess, "p", "Running", "Failed")
    await env.inProcess.resource(Pods).updateStatus({ ...(await created), status: { phase: "Running" } })
    assert.equal((await running).status?.phase, "Running")
  })
})
