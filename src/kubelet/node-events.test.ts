/**
 * The kubelet's events about its Node: Starting when it starts, NodeNotSchedulable and
 * NodeSchedulable when a status sync sees spec.unschedulable change (once per change, not per
 * sync), and its condition setters' events: NodeHasSufficientMemory and the other pressure ones
 * for new or changed conditions, NodeReady when a Ready condition of another status turns True.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, test } from "node:test"
import type { Event, NodeCondition } from "kubernetes-types/core/v1.js"
import { type ApiObject, Events, Nodes } from "../api/index.ts"
import type { EventRecorder } from "../client/index.ts"
import { until } from "../testing/index.ts"
import { type Clock, realClock } from "../util/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"
import { Kubelet } from "./kubelet.ts"
import { conditionEvents, NodeEvents } from "./node-events.ts"
import { ProcessRuntime } from "./runtime/process/process-runtime.ts"

const cond = (type: string, status: string): NodeCondition => ({ type, status })
const healthy = [
  cond("MemoryPressure", "False"),
  cond("DiskPressure", "False"),
  cond("PIDPressure", "False"),
  cond("Ready", "True"),
]
const unknown = healthy.map((c) => ({ ...c, status: "Unknown" }))

const conditionCases: {
  name: string
  before: NodeCondition[] | undefined
  set: NodeCondition[]
  want: string[]
}[] = [
  {
    name: "a Node being built: each new pressure condition, not a new Ready",
    before: undefined,
    set: healthy,
    want: ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"],
  },
  {
    name: "a registered Node without conditions: the same",
    before: [],
    set: healthy,
    want: ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"],
  },
  { name: "nothing changes: nothing", before: healthy, set: healthy, want: [] },
  {
    name: "the node lifecycle controller's Unknown turned back: every condition",
    before: unknown,
    set: healthy,
    want: ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeReady"],
  },
  {
    name: "pressure and Ready going bad",
    before: healthy,
    set: [
      cond("MemoryPressure", "True"),
      cond("DiskPressure", "True"),
      cond("PIDPressure", "True"),
      cond("Ready", "False"),
    ],
    want: ["NodeHasInsufficientMemory", "NodeHasDiskPressure", "NodeHasInsufficientPID", "NodeNotReady"],
  },
  {
    name: "a new pressure condition under pressure",
    before: [cond("Ready", "True")],
    set: [cond("MemoryPressure", "True"), cond("Ready", "True")],
    want: ["NodeHasInsufficientMemory"],
  },
]

for (const c of conditionCases) {
  test(`conditionEvents(): ${c.name}`, () => {
    assert.deepEqual(conditionEvents(c.before, c.set), c.want)
  })
}

test("NodeEvents records a schedulability change once, and the condition setters' events", () => {
  const seen: [string, string, string, unknown][] = []
  const recorder: EventRecorder = {
    event: (obj, type, reason, message) => seen.push([type, reason, message, obj]),
  }
  const e = new NodeEvents(recorder, "n1")
  e.starting()
  e.schedulable({ spec: {} })
  e.schedulable({ spec: { unschedulable: true } })
  e.schedulable({ spec: { unschedulable: true } })
  e.schedulable(undefined)
  e.schedulable({ spec: { unschedulable: false } })
  e.conditionsSet({ status: { conditions: healthy } }, healthy)
  e.conditionsSet({ status: { conditions: [cond("Ready", "Unknown")] } }, [cond("Ready", "True")])
  const ref = { kind: "Node", metadata: { name: "n1", uid: "n1" } }
  assert.deepEqual(seen, [
    ["Normal", "Starting", "Starting kubelet.", ref],
    ["Normal", "NodeNotSchedulable", "Node n1 status is now: NodeNotSchedulable", ref],
    ["Normal", "NodeSchedulable", "Node n1 status is now: NodeSchedulable", ref],
    ["Normal", "NodeReady", "Node n1 status is now: NodeReady", ref],
  ])
})

/** Real time run 500 times faster: the 10 s status sync every 20 ms, the 60 s report every 120 ms. */
function fastClock(): Clock {
  const start = Date.now()
  return {
    now: () => start + (Date.now() - start) * 500,
    sleep: (ms, signal) => realClock.sleep(ms / 500, signal),
  }
}

let k: KubeletEnv

before(async () => {
  k = await startKubeletEnv({
    prefix: "k8ts-kubelet-node-events-",
    nodeName: "node-ev",
    podRange: "127.245.12.0/24",
    kubelet: { clock: fastClock() },
  })
})
after(() => k.stop())

async function nodeEvents(node = "node-ev"): Promise<(Event & ApiObject)[]> {
  const list = await k.env.inProcess
    .resource(Events)
    .list({ namespace: "default", fieldSelector: `involvedObject.name=${node}` })
  return list.items as (Event & ApiObject)[]
}

const count = (events: Event[], reason: string) =>
  events.filter((e) => e.reason === reason).reduce((n, e) => n + (e.count ?? 1), 0)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

test("cordon and uncordon each record one event on the Node; Starting and NodeReady too", async () => {
  const nodes = k.env.inProcess.resource(Nodes)
  const starting = await until("Starting", async () =>
    (await nodeEvents()).find((e) => e.reason === "Starting"),
  )
  assert.equal(starting.type, "Normal")
  assert.equal(starting.message, "Starting kubelet.")
  assert.deepEqual(starting.involvedObject, { kind: "Node", name: "node-ev", uid: "node-ev" })
  assert.deepEqual(starting.source, { component: "kubelet", host: "node-ev" })

  await nodes.patch({ name: "node-ev" }, { spec: { unschedulable: true } }, { type: "merge" })
  const cordoned = await until("NodeNotSchedulable", async () =>
    (await nodeEvents()).find((e) => e.reason === "NodeNotSchedulable"),
  )
  assert.equal(cordoned.message, "Node node-ev status is now: NodeNotSchedulable")
  assert.equal(cordoned.type, "Normal")
  assert.equal(cordoned.involvedObject.uid, "node-ev")

  await nodes.patch({ name: "node-ev" }, { spec: { unschedulable: false } }, { type: "merge" })
  const uncordoned = await until("NodeSchedulable", async () =>
    (await nodeEvents()).find((e) => e.reason === "NodeSchedulable"),
  )
  assert.equal(uncordoned.message, "Node node-ev status is now: NodeSchedulable")
  // Many status syncs later (20 ms each), each change was recorded once; a fresh node's Ready is no change.
  await sleep(300)
  let events = await nodeEvents()
  assert.equal(count(events, "NodeNotSchedulable"), 1)
  assert.equal(count(events, "NodeSchedulable"), 1)
  assert.equal(count(events, "NodeReady"), 0)
  // Registering, the kubelet's setters saw each pressure condition new; never again since.
  for (const reason of ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"]) {
    const e = events.find((x) => x.reason === reason)
    assert.equal(e?.message, `Node node-ev status is now: ${reason}`)
    assert.equal(e?.type, "Normal")
    assert.equal(count(events, reason), 1)
  }

  // The node lifecycle controller's Unknown is turned True by the next status report.
  const node = await nodes.get({ name: "node-ev" })
  const conditions = (node.status?.conditions ?? []).map((c) =>
    c.type === "Ready" ? { ...c, status: "Unknown", reason: "NodeStatusUnknown" } : c,
  )
  await nodes.patch({ name: "node-ev" }, { status: { conditions } }, { type: "merge", subresource: "status" })
  const ready = await until("NodeReady", async () =>
    (await nodeEvents()).find((e) => e.reason === "NodeReady"),
  )
  assert.equal(ready.message, "Node node-ev status is now: NodeReady")
  events = await nodeEvents()
  assert.equal(count(events, "Starting"), 1)
})

test("a kubelet registering a cordoned node whose Ready is Unknown records NodeNotSchedulable, NodeReady and the pressure events", async () => {
  const nodes = k.env.inProcess.resource(Nodes)
  await nodes.create({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-pre" },
    spec: { unschedulable: true },
    status: { conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }] },
  } as never)
  const dir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-node-pre-"))
  const kubelet = new Kubelet({
    client: k.env.inProcess,
    nodeName: "node-pre",
    address: "127.0.0.1",
    runtime: new ProcessRuntime({ root: join(dir, "runtime"), podRange: "127.245.13.0/24" }),
    dataDir: dir,
    clock: fastClock(),
  })
  const stop = new AbortController()
  const running = kubelet.run(stop.signal)
  try {
    const events = await until("NodeNotSchedulable and NodeReady", async () => {
      const events = await nodeEvents("node-pre")
      const reasons = new Set(events.map((e) => e.reason))
      return reasons.has("NodeNotSchedulable") && reasons.has("NodeReady") ? events : undefined
    })
    assert.equal(count(events, "NodeNotSchedulable"), 1)
    assert.equal(count(events, "NodeReady"), 1)
    assert.equal(count(events, "NodeSchedulable"), 0)
    // Once for the Node it built, once over the registered one without pressure conditions.
    const sufficient = await until("NodeHasSufficientPID twice", async () => {
      const events = await nodeEvents("node-pre")
      return count(events, "NodeHasSufficientPID") === 2 ? events : undefined
    })
    assert.equal(count(sufficient, "NodeHasSufficientMemory"), 2)
    assert.equal(count(sufficient, "NodeHasNoDiskPressure"), 2)
    // Registering again reconciled the Node's attach/detach annotation and default labels.
    const node = await nodes.get({ name: "node-pre" })
    assert.equal(
      node.metadata?.annotations?.["volumes.kubernetes.io/controller-managed-attach-detach"],
      "true",
    )
    assert.equal(node.metadata?.labels?.["kubernetes.io/hostname"], "node-pre")
  } finally {
    stop.abort()
    await running
    rmSync(dir, { recursive: true, force: true })
  }
})

test("a kubelet whose Node was deleted records no condition events on its status reports", async () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-node-gone-"))
  const kubelet = new Kubelet({
    client: k.env.inProcess,
    nodeName: "node-gone",
    address: "127.0.0.1",
    runtime: new ProcessRuntime({ root: join(dir, "runtime"), podRange: "127.245.14.0/24" }),
    dataDir: dir,
    clock: fastClock(),
  })
  const stop = new AbortController()
  const running = kubelet.run(stop.signal)
  try {
    // GIVEN a registered kubelet (its setters saw the pressure conditions new once)
    await until("the registration's events", async () =>
      count(await nodeEvents("node-gone"), "NodeHasSufficientMemory") === 1 ? true : undefined,
    )
    // WHEN its Node is deleted, and several status reports (120 ms each) go by
    await k.env.inProcess.resource(Nodes).delete({ name: "node-gone" })
    await sleep(600)
    // THEN none records the conditions again, as if set over a Node being built
    const events = await nodeEvents("node-gone")
    for (const reason of ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"])
      assert.equal(count(events, reason), 1, reason)
  } finally {
    stop.abort()
    await running
    rmSync(dir, { recursive: true, force: true })
  }
})
