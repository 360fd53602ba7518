import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import type { Pod, PodCondition, PodStatus } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../api/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { statusPatch } from "./status-patch.ts"

let env: ClientEnv
before(async () => {
  env = await startClientEnv()
})
after(() => env.stop())

const ref = { namespace: "default", name: "patched" }
const T = "2026-01-02T03:04:05Z"
const cond = (type: string, status: string, why?: string): PodCondition => ({
  type,
  status,
  lastTransitionTime: T,
  ...(why ? { reason: why, message: `${why}!` } : {}),
})

/** Writes `status` as the kubelet does; returns the pod's conditions as [type, status, reason] and its IPs. */
async function write(uid: string, status: PodStatus) {
  const pod = await env.inProcess
    .resource(Pods)
    .patch(ref, statusPatch(uid, status), { type: "strategic", subresource: "status" })
  return {
    conditions: (pod.status?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
    podIPs: pod.status?.podIPs,
    hostIPs: pod.status?.hostIPs,
  }
}

test("statusPatch() sends the kubelet's conditions alone; others' stay as the API has them", () => {
  const p = statusPatch("u", {
    phase: "Running",
    conditions: [cond("example.com/gate", "False"), cond("DisruptionTarget", "True"), cond("Ready", "True")],
  })
  assert.deepEqual(p, {
    metadata: { uid: "u" },
    status: {
      phase: "Running",
      "$setElementOrder/conditions": [
        { type: "example.com/gate" },
        { type: "DisruptionTarget" },
        { type: "Ready" },
      ],
      conditions: [
        {
          ...cond("Ready", "True"),
          observedGeneration: null,
          lastProbeTime: null,
          reason: null,
          message: null,
        },
        // The resize conditions the status lacks go from the API's.
        { type: "PodResizePending", $patch: "delete" },
        { type: "PodResizeInProgress", $patch: "delete" },
      ],
    },
  })
})

test("written to the API: others' conditions survive a stale copy, reasons and resize conditions that went go, IPs are replaced", async () => {
  const pods = env.inProcess.resource(Pods)
  const created = await pods.create({
    metadata: { name: "patched", namespace: "default" },
    spec: { nodeName: "n", containers: [{ name: "c", image: "pause" }] },
  } as Pod & ApiObject)
  const uid = created.metadata?.uid ?? ""
  const first = await write(uid, {
    phase: "Pending",
    hostIP: "10.0.0.1",
    hostIPs: [{ ip: "10.0.0.1" }],
    podIP: "10.1.0.1",
    podIPs: [{ ip: "10.1.0.1" }],
    conditions: [
      cond("PodResizePending", "True", "Deferred"),
      cond("Ready", "False", "ContainersNotReady"),
      cond("PodScheduled", "True"),
    ],
  })
  assert.deepEqual(first.conditions, [
    ["PodResizePending", "True", "Deferred", "Deferred!"],
    ["Ready", "False", "ContainersNotReady", "ContainersNotReady!"],
    ["PodScheduled", "True", undefined, undefined],
  ])
  // Another client sets a gate's condition; the kubelet's next status still has it False.
  await pods.patch(
    ref,
    { status: { conditions: [{ type: "example.com/gate", status: "True" }] } },
    { type: "strategic", subresource: "status" },
  )
  const second = await write(uid, {
    phase: "Running",
    hostIP: "10.0.0.1",
    hostIPs: [{ ip: "10.0.0.1" }],
    podIP: "10.1.0.2",
    podIPs: [{ ip: "10.1.0.2" }],
    conditions: [
      cond("example.com/gate", "False"),
      cond("example.com/gone", "True"),
      cond("Ready", "True"),
      cond("PodScheduled", "True"),
    ],
  })
  assert.deepEqual(second.conditions, [
    ["example.com/gate", "True", undefined, undefined],
    ["Ready", "True", undefined, undefined],
    ["PodScheduled", "True", undefined, undefined],
  ])
  assert.deepEqual(second.podIPs, [{ ip: "10.1.0.2" }])
  assert.deepEqual(second.hostIPs, [{ ip: "10.0.0.1" }])
})
