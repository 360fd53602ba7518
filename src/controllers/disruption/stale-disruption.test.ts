import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods, type TrackedPodCondition } from "../../api/index.ts"
import { runController, SharedInformers } from "../../client/index.ts"
import { type ClientEnv, startClientEnv } from "../../testing/index.ts"
import { realClock, rfc3339, silentLogger } from "../../util/index.ts"
import {
  STALE_POD_DISRUPTION_TIMEOUT_MS,
  staleDisruptionController,
  staleDisruptionIn,
  withDisruptionTargetFalse,
} from "./stale-disruption.ts"

const NOW = Date.parse("2026-01-01T00:10:00Z")
const T = STALE_POD_DISRUPTION_TIMEOUT_MS

function podWith(
  cond: Partial<PodCondition> | undefined,
  extra: { phase?: string; deleting?: boolean } = {},
): Pod {
  return {
    metadata: {
      name: "p",
      namespace: "default",
      generation: 3,
      ...(extra.deleting ? { deletionTimestamp: "2026-01-01T00:09:00Z" } : {}),
    },
    status: {
      phase: extra.phase ?? "Running",
      conditions: [
        { type: "Ready", status: "True" },
        ...(cond ? [{ type: "DisruptionTarget", status: "True", ...cond } as PodCondition] : []),
      ],
    },
  }
}

const ago = (ms: number) => rfc3339(NOW - ms)

describe("staleDisruptionIn", () => {
  const cases: { name: string; pod: Pod; want: number | undefined }[] = [
    { name: "no condition", pod: podWith(undefined), want: undefined },
    {
      name: "True for a minute: stale in another",
      pod: podWith({ reason: "EvictionByEvictionAPI", lastTransitionTime: ago(60_000) }),
      want: T - 60_000,
    },
    { name: "True for the whole timeout: stale now", pod: podWith({ lastTransitionTime: ago(T) }), want: 0 },
    { name: "True for an hour: stale now", pod: podWith({ lastTransitionTime: ago(3_600_000) }), want: 0 },
    { name: "True without a time: stale now", pod: podWith({}), want: 0 },
    { name: "False", pod: podWith({ status: "False", lastTransitionTime: ago(T * 2) }), want: undefined },
    {
      name: "set by the kubelet",
      pod: podWith({ reason: "TerminationByKubelet", lastTransitionTime: ago(T * 2) }),
      want: undefined,
    },
    {
      name: "the pod is being deleted",
      pod: podWith({ lastTransitionTime: ago(T * 2) }, { deleting: true }),
      want: undefined,
    },
    {
      name: "the pod failed",
      pod: podWith({ lastTransitionTime: ago(T * 2) }, { phase: "Failed" }),
      want: undefined,
    },
    {
      name: "the pod succeeded",
      pod: podWith({ lastTransitionTime: ago(T * 2) }, { phase: "Succeeded" }),
      want: undefined,
    },
  ]
  for (const c of cases) test(c.name, () => assert.equal(staleDisruptionIn(c.pod, NOW, T), c.want))
})

test("withDisruptionTargetFalse replaces the condition: False, now, the pod's generation, no reason or message", () => {
  const pod = podWith({
    reason: "EvictionByEvictionAPI",
    message: "Eviction API: evicting",
    lastTransitionTime: ago(T),
  })
  const out = withDisruptionTargetFalse(pod as Pod & ApiObject, NOW)
  assert.deepEqual(out.status?.conditions, [
    { type: "Ready", status: "True" },
    { type: "DisruptionTarget", observedGeneration: 3, status: "False", lastTransitionTime: rfc3339(NOW) },
  ])
  assert.equal(pod.status?.conditions?.[1]?.status, "True", "the pod itself is not changed")
})

describe("the stale DisruptionTarget loop", () => {
  let env: ClientEnv
  const stop = new AbortController()
  let running: Promise<unknown>
  // A short timeout: a condition set now goes stale while the test waits. Its time is in whole
  // seconds, so it goes stale between TIMEOUT_MS - 1 s and TIMEOUT_MS after it was set.
  const TIMEOUT_MS = 4000

  before(async () => {
    env = await startClientEnv()
    const informers = new SharedInformers(env.inProcess, { log: silentLogger() })
    const deps = { client: env.inProcess, informers, clock: realClock, log: silentLogger() }
    running = Promise.all([
      informers.run(stop.signal),
      runController(staleDisruptionController(TIMEOUT_MS), deps, stop.signal),
    ])
  })
  after(async () => {
    stop.abort()
    await running
    await env.stop()
  })

  async function podWithCondition(name: string, cond: PodCondition): Promise<void> {
    await env.inProcess.resource(Pods).create({
      metadata: { name, namespace: "default" },
      spec: { containers: [{ name: "c", image: "pause" }] },
    } as Pod & ApiObject)
    await env.inProcess
      .resource(Pods)
      .patch(
        { namespace: "default", name },
        { status: { phase: "Running", conditions: [cond] } },
        { type: "merge", subresource: "status" },
      )
  }

  const conditionOf = async (name: string) =>
    ((await env.inProcess.resource(Pods).get({ namespace: "default", name })).status?.conditions ?? []).find(
      (c) => c.type === "DisruptionTarget",
    ) as TrackedPodCondition | undefined

  async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      if (await ok()) return
      await new Promise((r) => setTimeout(r, 10))
    }
    throw new Error(`timed out waiting for ${what}`)
  }

  test("a condition True past the timeout on a pod not being deleted is set to False; the kubelet's is kept", async () => {
    const set = Date.now()
    const evicted = {
      type: "DisruptionTarget",
      status: "True",
      reason: "EvictionByEvictionAPI",
      message: "Eviction API: evicting",
      lastTransitionTime: rfc3339(set),
    }
    await podWithCondition("evicted", evicted)
    await podWithCondition("by-kubelet", { ...evicted, reason: "TerminationByKubelet" })
    // Still True before the timeout.
    assert.equal((await conditionOf("evicted"))?.status, "True")
    await until(
      "the evicted pod's condition to turn False",
      async () => (await conditionOf("evicted"))?.status === "False",
    )
    assert.ok(Date.now() - set >= TIMEOUT_MS - 1000, "not before its time")
    const reset = await conditionOf("evicted")
    assert.equal(reset?.reason, undefined)
    assert.equal(reset?.message, undefined)
    // Whole seconds: at least TIMEOUT_MS - 1 s later, so a later second.
    assert.ok(Date.parse(reset?.lastTransitionTime ?? "") > Date.parse(evicted.lastTransitionTime))
    assert.equal(reset?.observedGeneration, 1, "the pod's generation")
    assert.equal((await conditionOf("by-kubelet"))?.status, "True")
  })
})
