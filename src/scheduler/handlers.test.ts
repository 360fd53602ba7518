import assert from "node:assert/strict"
import { test } from "node:test"
import type { Node } from "kubernetes-types/core/v1.js"
import { FakeClock } from "../util/index.ts"
import { makeNode, makePod } from "./_fixtures.ts"
import { SchedulerCache } from "./cache.ts"
import { newPodInfo } from "./framework/pod-info.ts"
import { nodeHandler, nodeSchedulingPropertiesChanged, podHandler } from "./handlers.ts"
import { newPrioritySort } from "./plugins/queue-sort/priority-sort.ts"
import { SchedulingQueue } from "./queue.ts"

const base = makeNode("n1", { labels: { zone: "a" } })
const changes: { name: string; node: Node; want: boolean }[] = [
  {
    name: "heartbeat only",
    node: { ...base, status: { ...base.status, conditions: [{ type: "Ready", status: "True" }] } },
    want: false,
  },
  { name: "a label", node: { ...base, metadata: { ...base.metadata, labels: { zone: "b" } } }, want: true },
  { name: "a taint", node: { ...base, spec: { taints: [{ key: "k", effect: "NoSchedule" }] } }, want: true },
  { name: "cordoned", node: { ...base, spec: { unschedulable: true } }, want: true },
  { name: "allocatable", node: { ...base, status: { allocatable: { cpu: "8" } } }, want: true },
]
for (const c of changes) {
  test(`nodeSchedulingPropertiesChanged(): ${c.name}`, () => {
    assert.equal(nodeSchedulingPropertiesChanged(base, c.node), c.want)
  })
}

function targets() {
  const cache = new SchedulerCache()
  const queue = new SchedulingQueue({ clock: new FakeClock(), less: newPrioritySort().less })
  return {
    cache,
    queue,
    isResponsible: (p: { spec?: { schedulerName?: string } }) =>
      (p.spec?.schedulerName ?? "default-scheduler") === "default-scheduler",
    withPriority: <T>(p: T) => p,
  }
}

test("podHandler: unbound pods of this scheduler queue, others and bound ones do not", () => {
  const t = targets()
  const h = podHandler(t)
  const mine = makePod("mine")
  const other = makePod("other", { spec: { schedulerName: "custom" } })
  const bound = makePod("bound", { node: "n1", requests: { cpu: "1" } })
  h.onAdd?.(mine as never)
  h.onAdd?.(other as never)
  h.onAdd?.(bound as never)
  assert.equal(t.queue.has(mine.metadata!.uid!), true)
  assert.equal(t.queue.has(other.metadata!.uid!), false)
  assert.equal(t.queue.has(bound.metadata!.uid!), false)
  assert.equal(t.cache.has(bound.metadata!.uid!), true)
})

test("podHandler: a finished or deleted bound pod frees its node and wakes unschedulable pods", async () => {
  const t = targets()
  const h = podHandler(t)
  nodeHandler(t).onAdd?.(makeNode("n1") as never)
  const bound = makePod("bound", { node: "n1", requests: { cpu: "1" } })
  h.onAdd?.(bound as never)
  const waiting = newPodInfo(makePod("waiting"))
  t.queue.add(waiting)
  const q = await t.queue.pop(new AbortController().signal)
  t.queue.addUnschedulable(q!, t.queue.schedulingCycle)
  h.onUpdate?.(bound as never, { ...bound, status: { phase: "Succeeded" } } as never)
  assert.equal(t.cache.get("n1")!.requested.milliCPU, 0)
  assert.equal(t.queue.stats().unschedulable, 0)
})

test("podHandler: a bound pod relabelled is filed under its new labels", () => {
  const t = targets()
  const h = podHandler(t)
  nodeHandler(t).onAdd?.(makeNode("n1") as never)
  const bound = makePod("bound", { node: "n1", labels: { app: "old" } })
  h.onAdd?.(bound as never)
  h.onUpdate?.(bound as never, { ...bound, metadata: { ...bound.metadata, labels: { app: "new" } } } as never)
  const seen = (value: string) => {
    const out: string[] = []
    t.cache.forEachPodWithLabel("app", value, (pi) => out.push(pi.pod.metadata!.name!))
    return out
  }
  assert.deepEqual(seen("old"), [])
  assert.deepEqual(seen("new"), ["bound"])
  assert.deepEqual(t.cache.podInfo(bound.metadata!.uid!)?.labels, { app: "new" })
})

test("podHandler: a bound pod resized in place is counted at its new requests; a scale-down wakes unschedulable pods", async () => {
  const t = targets()
  const h = podHandler(t)
  nodeHandler(t).onAdd?.(makeNode("n1") as never)
  // GIVEN a running pod bound with 2 cpu, its resize settled at generation 1
  const bound = makePod("bound", { node: "n1", requests: { cpu: "2", memory: "1Gi" } })
  const running = (gen: number, spec: string, applied: string, conditions: object[] = []) => ({
    ...bound,
    metadata: { ...bound.metadata, generation: gen },
    spec: {
      ...bound.spec,
      containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: spec, memory: "1Gi" } } }],
    },
    status: {
      phase: "Running",
      observedGeneration: gen,
      conditions,
      containerStatuses: [
        {
          name: "c",
          resources: { requests: { cpu: applied, memory: "1Gi" } },
          allocatedResources: { cpu: applied, memory: "1Gi" },
        },
      ],
    },
  })
  h.onAdd?.(bound as never)
  h.onUpdate?.(bound as never, running(1, "2", "2") as never)
  assert.equal(t.cache.get("n1")!.requested.milliCPU, 2000)
  const waiting = newPodInfo(makePod("waiting", { requests: { cpu: "3" } }))
  t.queue.add(waiting)
  const q = await t.queue.pop(new AbortController().signal)
  t.queue.addUnschedulable(
    { ...q!, unschedulablePlugins: new Set(["NodeResourcesFit"]) },
    t.queue.schedulingCycle,
  )
  assert.equal(t.queue.stats().unschedulable, 1)
  // WHEN it is resized up: the larger of the spec's and the applied counts while in progress
  h.onUpdate?.(
    running(1, "2", "2") as never,
    running(2, "3", "2", [{ type: "PodResizeInProgress", status: "True" }]) as never,
  )
  assert.equal(t.cache.get("n1")!.requested.milliCPU, 3000)
  assert.equal(t.queue.stats().unschedulable, 1)
  // WHEN the kubelet applied it
  h.onUpdate?.(running(2, "3", "2") as never, running(2, "3", "3") as never)
  assert.equal(t.cache.get("n1")!.requested.milliCPU, 3000)
  // WHEN it is resized down and the kubelet applied it: the node has room again
  h.onUpdate?.(running(2, "3", "3") as never, running(3, "1", "1") as never)
  assert.equal(t.cache.get("n1")!.requested.milliCPU, 1000)
  assert.equal(t.cache.get("n1")!.nonZeroRequested.milliCPU, 1000)
  assert.equal(t.queue.stats().unschedulable, 0)
})
