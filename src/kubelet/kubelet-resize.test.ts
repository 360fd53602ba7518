import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import { Events, milliValue, Nodes, Pods, type TrackedPodCondition } from "../api/index.ts"
import { type ClientEnv, nodePod, until, untilPod } from "../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"

let k: KubeletEnv
let env: ClientEnv

before(async () => {
  k = await startKubeletEnv({
    prefix: "k8ts-kubelet-resize-",
    nodeName: "node-r",
    podRange: "127.245.21.0/24",
  })
  env = k.env
})

after(() => k.stop())

const pods = () => env.inProcess.resource(Pods)
const ref = (name: string) => ({ namespace: "default", name })

function app(resources: Container["resources"], resizePolicy?: Container["resizePolicy"]): Container {
  return {
    name: "app",
    image: "busybox",
    command: ["sleep", "3600"],
    resources,
    ...(resizePolicy ? { resizePolicy } : {}),
  }
}

async function running(name: string, c: Container): Promise<Pod> {
  await pods().create(nodePod("node-r", name, { containers: [c] }))
  return untilPod(
    env.inProcess,
    name,
    (p) => !!p.status?.containerStatuses?.[0]?.state?.running,
    `${name} running`,
  )
}

function resize(name: string, resources: Container["resources"]) {
  return pods().patch(
    ref(name),
    { spec: { containers: [{ name: "app", resources }] } },
    { type: "strategic", subresource: "resize" },
  )
}

const resizeConditions = (p: Pod) =>
  (p.status?.conditions ?? []).filter((c) => c.type.startsWith("PodResize")) as TrackedPodCondition[]

async function eventsOf(name: string): Promise<{ type: string; reason: string; message: string }[]> {
  const list = await env.inProcess.resource(Events).list({ namespace: "default" })
  return list.items
    .filter((e: any) => e.involvedObject.name === name)
    .map((e: any) => ({ type: e.type, reason: e.reason, message: e.message }))
}

describe("kubelet in-place pod resize (loopback process runtime: no cgroups, applied at once)", () => {
  test("a cpu resize is allocated and applied in place; the status reports it and no resize conditions", async () => {
    const before = await running("cpu", app({ requests: { cpu: "100m" }, limits: { cpu: "200m" } }))
    const first = before.status?.containerStatuses?.[0]
    assert.deepEqual(first?.resources, { requests: { cpu: "100m" }, limits: { cpu: "200m" } })
    assert.deepEqual(first?.allocatedResources, { cpu: "100m" })
    await resize("cpu", { requests: { cpu: "150m" }, limits: { cpu: "300m" } })
    const p = await untilPod(
      env.inProcess,
      "cpu",
      (x) => x.status?.containerStatuses?.[0]?.resources?.limits?.cpu === "300m",
      "resized",
    )
    const s = p.status?.containerStatuses?.[0]
    assert.deepEqual(s?.resources, { requests: { cpu: "150m" }, limits: { cpu: "300m" } })
    assert.deepEqual(s?.allocatedResources, { cpu: "150m" })
    assert.equal(s?.restartCount, 0)
    assert.equal(s?.containerID, first?.containerID)
    assert.deepEqual(resizeConditions(p), [])
    assert.equal((p.status as { observedGeneration?: number }).observedGeneration, 2)
    const reasons = (await eventsOf("cpu")).map((e) => e.reason)
    assert.ok(reasons.includes("ResizeStarted") && reasons.includes("ResizeCompleted"), reasons.join())
  })

  test("a resize of a resource whose resizePolicy is RestartContainer restarts the container", async () => {
    await running(
      "mem",
      app({ requests: { memory: "32Mi" }, limits: { memory: "64Mi" } }, [
        { resourceName: "memory", restartPolicy: "RestartContainer" },
      ]),
    )
    await resize("mem", { limits: { memory: "128Mi" } })
    const p = await untilPod(
      env.inProcess,
      "mem",
      (x) =>
        x.status?.containerStatuses?.[0]?.restartCount === 1 &&
        !!x.status.containerStatuses[0].state?.running &&
        resizeConditions(x).length === 0,
      "restarted",
    )
    assert.deepEqual(p.status?.containerStatuses?.[0]?.resources, {
      requests: { memory: "32Mi" },
      limits: { memory: "128Mi" },
    })
    const killing = (await eventsOf("mem")).find((e) => e.reason === "Killing")
    assert.equal(killing?.message, "Container app resize requires restart")
  })

  test("a resize above the node's allocatable stays PodResizePending Infeasible, the old resources applied", async () => {
    await running("huge", app({ requests: { cpu: "100m" } }))
    await resize("huge", { requests: { cpu: "1000" } })
    const node = await env.inProcess.resource(Nodes).get({ name: "node-r" })
    const capacity = milliValue(node.status?.allocatable?.cpu)
    const p = await untilPod(env.inProcess, "huge", (x) => resizeConditions(x).length > 0, "pending")
    assert.deepEqual(
      resizeConditions(p).map(({ lastProbeTime: _p, lastTransitionTime: _t, ...c }) => c),
      [
        {
          type: "PodResizePending",
          status: "True",
          observedGeneration: 2,
          reason: "Infeasible",
          message: `Node didn't have enough capacity: cpu, requested: 1000000, capacity: ${capacity}`,
        },
      ],
    )
    assert.deepEqual(p.status?.containerStatuses?.[0]?.resources, { requests: { cpu: "100m" } })
    const warning = (await eventsOf("huge")).find((e) => e.reason === "ResizeInfeasible")
    assert.equal(warning?.type, "Warning")
    // Back to what it has: nothing pending.
    await resize("huge", { requests: { cpu: "100m" } })
    await untilPod(env.inProcess, "huge", (x) => resizeConditions(x).length === 0, "no longer pending")
  })

  test("a resize that does not fit beside another pod is Deferred, and allocated once that pod goes", async () => {
    const node = await env.inProcess.resource(Nodes).get({ name: "node-r" })
    const capacity = milliValue(node.status?.allocatable?.cpu)
    await running("small", app({ requests: { cpu: "100m" } }))
    // The other pods of this file ask for 250m (cpu's 150m, huge's 100m): with the hog's, 300m are left to small.
    const others = 250
    const hog = capacity - others - 300
    await running("hog", app({ requests: { cpu: `${hog}m` } }))
    await resize("small", { requests: { cpu: "400m" } })
    const p = await untilPod(env.inProcess, "small", (x) => resizeConditions(x).length > 0, "deferred")
    const [pending] = resizeConditions(p)
    assert.equal(pending?.reason, "Deferred")
    assert.equal(
      pending?.message,
      `Node didn't have enough resource: cpu, requested: 400, used: ${others + hog}, capacity: ${capacity}`,
    )
    await pods().delete(ref("hog"), { gracePeriodSeconds: 0 })
    const resized = await untilPod(
      env.inProcess,
      "small",
      (x) =>
        resizeConditions(x).length === 0 &&
        x.status?.containerStatuses?.[0]?.resources?.requests?.cpu === "400m",
      "allocated once the hog went",
    )
    assert.deepEqual(resized.status?.containerStatuses?.[0]?.allocatedResources, { cpu: "400m" })
    await until("deferred and started events", async () => {
      const reasons = (await eventsOf("small")).map((e) => e.reason)
      return reasons.includes("ResizeDeferred") && reasons.includes("ResizeStarted") ? true : undefined
    })
  })
})
