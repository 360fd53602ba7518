import assert from "node:assert/strict"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import { Events, milliValue, Nodes, Pods, type TrackedPodCondition } from "../api/index.ts"
import { type ClientEnv, nodePod, startClientEnv, until, untilPod } from "../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"
import { Kubelet } from "./kubelet.ts"
import { ProcessRuntime } from "./runtime/process/process-runtime.ts"

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

describe("a restarted kubelet takes its pods' allocations from their statuses", () => {
  const NODE = "node-rr"
  let renv: ClientEnv
  let dir: string
  const stops: (() => Promise<void>)[] = []
  const rpods = () => renv.inProcess.resource(Pods)

  /**
   * A kubelet on runtime root `root` of the test dir; keepContainers: its stop is a restart.
   * `sandboxUpdates` collects the limits its runtime is asked to give pod cgroups.
   */
  function kubelet(
    root: string,
    keepContainersOnExit: boolean,
    sandboxUpdates?: unknown[],
  ): (() => Promise<void>) & { readonly kubelet: Kubelet } {
    const runtime = new ProcessRuntime({ root: join(dir, root), podRange: "127.245.22.0/24" })
    if (sandboxUpdates) {
      const update = runtime.updateSandboxResources.bind(runtime)
      runtime.updateSandboxResources = (id, resources) => (
        sandboxUpdates.push(resources),
        update(id, resources)
      )
    }
    const k = new Kubelet({
      client: renv.inProcess,
      nodeName: NODE,
      address: "127.0.0.1",
      runtime,
      dataDir: join(dir, root),
      keepContainersOnExit,
    })
    const ac = new AbortController()
    const running = k.run(ac.signal)
    const stop = () => (ac.abort(), running)
    stops.push(stop)
    return Object.assign(stop, { kubelet: k })
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-resize-restart-"))
    renv = await startClientEnv()
  })

  after(async () => {
    for (const stop of stops) await stop()
    await renv.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const runningPod = async (name: string) => {
    await rpods().create(nodePod(NODE, name, { containers: [app({ requests: { cpu: "100m" } })] }))
    return untilPod(renv.inProcess, name, (p) => !!p.status?.containerStatuses?.[0]?.state?.running, name)
  }
  const resizedWhileDown = (name: string) =>
    rpods().patch(
      ref(name),
      { spec: { containers: [{ name: "app", resources: { requests: { cpu: "1000" } } }] } },
      { type: "strategic", subresource: "resize" },
    )
  /** The pod once a kubelet has synced its generation 2 (the resize). */
  const seen = (name: string) =>
    untilPod(
      renv.inProcess,
      name,
      (p) => (p.status as { observedGeneration?: number }).observedGeneration === 2,
      `${name} synced at generation 2`,
    )

  test("containers an older runtime saved without their limits are not restarted for them: applied in place", async () => {
    // GIVEN a running pod whose resizePolicy restarts for any change, its kubelet stopped
    // (containers kept) and its saved container state without the limits, as an older k8ts wrote it
    const first = kubelet("c", true)
    const limited = app(
      { requests: { cpu: "100m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
      [
        { resourceName: "cpu", restartPolicy: "RestartContainer" },
        { resourceName: "memory", restartPolicy: "RestartContainer" },
      ],
    )
    await rpods().create(nodePod(NODE, "older", { containers: [limited] }))
    const was = await untilPod(
      renv.inProcess,
      "older",
      (p) => !!p.status?.containerStatuses?.[0]?.state?.running,
      "older running",
    )
    await first()
    const stateDir = join(dir, "c", "state")
    const files = readdirSync(stateDir).filter((f) => f.endsWith(".json"))
    for (const f of files) {
      const state = JSON.parse(readFileSync(join(stateDir, f), "utf8")) as { info: { resources?: unknown } }
      assert.ok(state.info.resources, "a container's limits are saved")
      delete state.info.resources
      writeFileSync(join(stateDir, f), JSON.stringify(state))
    }
    // WHEN a kubelet starts again on that runtime and adopts the container
    const second = kubelet("c", false)
    // Its state saved again with limits (applied in place), or gone, or it restarted.
    const settled = (f: string) => {
      try {
        const state = JSON.parse(readFileSync(join(stateDir, f), "utf8")) as { info: { resources?: unknown } }
        return state.info.resources !== undefined
      } catch {
        return true
      }
    }
    const restarted = async () =>
      ((await rpods().get(ref("older"))).status?.containerStatuses?.[0]?.restartCount ?? 0) > 0
    await until("the container settled", async () =>
      files.every(settled) || (await restarted()) ? true : undefined,
    )
    const now = await untilPod(
      renv.inProcess,
      "older",
      (p) => resizeConditions(p).length === 0 && !!p.status?.containerStatuses?.[0]?.state?.running,
      "older synced",
    )
    // THEN the same container runs, not restarted, with its allocated resources
    const s = now.status?.containerStatuses?.[0]
    assert.equal(s?.containerID, was.status?.containerStatuses?.[0]?.containerID)
    assert.equal(s?.restartCount, 0)
    assert.deepEqual(s?.resources, limited.resources)
    const killed = (await renv.inProcess.resource(Events).list({ namespace: "default" })).items.filter(
      (e) => e.involvedObject?.name === "older" && e.reason === "Killing",
    )
    assert.deepEqual(killed, [])
    await second()
    await rpods().delete(ref("older"), { gracePeriodSeconds: 0 })
  })

  test("an adopted pod's cgroup is taken to have its allocated limits: not written again", async () => {
    // GIVEN a running pod with limits, its kubelet stopped with its containers kept
    const first = kubelet("d", true)
    const limited = app({
      requests: { cpu: "100m", memory: "32Mi" },
      limits: { cpu: "200m", memory: "64Mi" },
    })
    await rpods().create(nodePod(NODE, "cgroup", { containers: [limited] }))
    await untilPod(
      renv.inProcess,
      "cgroup",
      (p) => !!p.status?.containerStatuses?.[0]?.state?.running,
      "running",
    )
    await first()
    // WHEN a kubelet adopts it and syncs it (once synced, its record has the outcome of the
    // sync's resize actuation)
    const updates: unknown[] = []
    const second = kubelet("d", false, updates)
    await until("the adopted pod synced", async () => {
      const resize = second.kubelet.record("default", "cgroup")?.resize
      return resize && "failed" in resize ? true : undefined
    })
    await second()
    // THEN its pod cgroup was left as the first kubelet set it
    assert.deepEqual(updates, [])
    await rpods().delete(ref("cgroup"), { gracePeriodSeconds: 0 })
  })

  test("a resize made while the kubelet was down is decided as a resize, for adopted and re-admitted pods", async () => {
    // GIVEN pods running with 100m, the kubelet stopped (its containers kept), then resized
    // past the node's capacity
    const first = kubelet("a", true)
    const was = await runningPod("adopted")
    await first()
    await resizedWhileDown("adopted")
    // WHEN a kubelet starts again on the same runtime: it adopts the container
    const second = kubelet("a", false)
    const adopted = await seen("adopted")
    // THEN its allocation is the one its status reported: the resize is Infeasible, nothing changed
    assert.deepEqual(
      resizeConditions(adopted).map((c) => [c.type, c.reason]),
      [["PodResizePending", "Infeasible"]],
    )
    const s = adopted.status?.containerStatuses?.[0]
    assert.deepEqual(s?.allocatedResources, { cpu: "100m" })
    assert.deepEqual(s?.resources, { requests: { cpu: "100m" } })
    assert.equal(s?.containerID, was.status?.containerStatuses?.[0]?.containerID)

    // GIVEN another pod, the kubelet stopped with its containers (a node restart), then resized
    await runningPod("readmitted")
    await second()
    await resizedWhileDown("readmitted")
    // WHEN a kubelet starts on a runtime without its containers: it admits the pod again
    kubelet("b", false)
    const readmitted = await untilPod(
      renv.inProcess,
      "readmitted",
      (p) =>
        (p.status as { observedGeneration?: number }).observedGeneration === 2 &&
        (p.status?.phase === "Failed" || !!p.status?.containerStatuses?.[0]?.state?.running),
      "readmitted synced at generation 2",
    )
    // THEN with the resources it was allocated (not refused for the spec's): the resize is pending
    assert.equal(readmitted.status?.phase, "Running", readmitted.status?.message)
    assert.deepEqual(
      resizeConditions(readmitted).map((c) => [c.type, c.reason]),
      [["PodResizePending", "Infeasible"]],
    )
    assert.deepEqual(readmitted.status?.containerStatuses?.[0]?.allocatedResources, { cpu: "100m" })
  })
})
