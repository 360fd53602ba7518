import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods, type TrackedPodCondition } from "../../api/index.ts"
import { rfc3339 } from "../../util/index.ts"
import { type Harness, startHarness } from "../_harness.case.ts"
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
  let h: Harness
  before(async () => {
    h = await startHarness([staleDisruptionController()])
  })
  after(() => h.stop())

  async function podWithCondition(name: string, cond: PodCondition): Promise<void> {
    await h.client.resource(Pods).create({
      metadata: { name, namespace: h.ns },
      spec: { containers: [{ name: "c", image: "pause" }] },
    } as Pod & ApiObject)
    await h.client
      .resource(Pods)
      .patch(
        { namespace: h.ns, name },
        { status: { phase: "Running", conditions: [cond] } },
        { type: "merge", subresource: "status" },
      )
  }

  const conditionOf = async (name: string) =>
    ((await h.client.resource(Pods).get({ namespace: h.ns, name })).status?.conditions ?? []).find(
      (c) => c.type === "DisruptionTarget",
    ) as TrackedPodCondition | undefined

  test("a condition True for 2 minutes on a pod not being deleted is set to False; the kubelet's is kept", async () => {
    const evicted = {
      type: "DisruptionTarget",
      status: "True",
      reason: "EvictionByEvictionAPI",
      message: "Eviction API: evicting",
      lastTransitionTime: rfc3339(h.clock.now()),
    }
    await podWithCondition("evicted", evicted)
    await podWithCondition("by-kubelet", { ...evicted, reason: "TerminationByKubelet" })
    // Once the controller's cache has both, nothing changes until the condition is 2 minutes old.
    const cached = (name: string) =>
      h.informers
        .get<Pod & ApiObject>(Pods)
        .cache.get(`${h.ns}/${name}`)
        ?.status?.conditions?.some((c) => c.type === "DisruptionTarget")
    await h.until(async () => !!cached("evicted") && !!cached("by-kubelet"), "the pods in the cache")
    await h.clock.advance(T - 1000)
    assert.equal((await conditionOf("evicted"))?.status, "True")
    await h.clock.advance(1000)
    await h.until(
      async () => (await conditionOf("evicted"))?.status === "False",
      "the condition to turn False",
    )
    const reset = await conditionOf("evicted")
    assert.deepEqual(reset, {
      type: "DisruptionTarget",
      observedGeneration: 1,
      status: "False",
      lastTransitionTime: rfc3339(h.clock.now()),
    })
    assert.equal((await conditionOf("by-kubelet"))?.status, "True")
  })
})
