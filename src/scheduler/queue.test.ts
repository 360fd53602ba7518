import assert from "node:assert/strict"
import { test } from "node:test"
import { FakeClock } from "../util/index.ts"
import { makePod } from "./_fixtures.ts"
import { newPodInfo } from "./framework/pod-info.ts"
import { newPrioritySort } from "./plugins/queue-sort/priority-sort.ts"
import { SchedulingQueue } from "./queue.ts"

function setup() {
  const clock = new FakeClock()
  const q = new SchedulingQueue({ clock, less: newPrioritySort().less })
  const signal = new AbortController().signal
  return { clock, q, signal }
}

test("pop() returns higher priority first, then the pod queued earlier", async () => {
  const { clock, q, signal } = setup()
  q.add(newPodInfo(makePod("low", { priority: 0 })))
  await clock.advance(10)
  q.add(newPodInfo(makePod("first", { priority: 5 })))
  await clock.advance(10)
  q.add(newPodInfo(makePod("second", { priority: 5 })))
  const names = []
  for (let i = 0; i < 3; i++) names.push((await q.pop(signal))?.podInfo.pod.metadata?.name)
  assert.deepEqual(names, ["first", "second", "low"])
})

test("an unschedulable pod waits until a move, then backs off 1 s doubling to 10 s", async () => {
  const { clock, q, signal } = setup()
  const pi = newPodInfo(makePod("p"))
  q.add(pi)
  const backoffs: number[] = []
  for (let attempt = 1; attempt <= 6; attempt++) {
    const got = await q.pop(signal)
    assert.ok(got)
    q.addUnschedulable(got, q.schedulingCycle)
    assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 1 })
    q.moveAllToActiveOrBackoff()
    assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0 })
    let waited = 0
    while (q.stats().active === 0) {
      await clock.advance(1000)
      waited += 1000
      q.flush()
    }
    backoffs.push(waited)
  }
  assert.deepEqual(backoffs, [1000, 2000, 4000, 8000, 10000, 10000])
})

test("a move request during the pod's cycle sends it to backoff, not unschedulable", async () => {
  const { q, signal } = setup()
  q.add(newPodInfo(makePod("p")))
  const got = await q.pop(signal)
  const cycle = q.schedulingCycle
  q.moveAllToActiveOrBackoff()
  q.addUnschedulable(got!, cycle)
  assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0 })
})

test("unschedulable pods go back after 5 minutes without any event", async () => {
  const { clock, q, signal } = setup()
  q.add(newPodInfo(makePod("p")))
  q.addUnschedulable((await q.pop(signal))!, q.schedulingCycle)
  await clock.advance(299_000)
  q.flush()
  assert.equal(q.stats().unschedulable, 1)
  await clock.advance(1000)
  q.flush()
  assert.equal(q.stats().active, 1)
})

test("delete() drops a waiting pod and done() one that was scheduled", async () => {
  const { q, signal } = setup()
  const a = newPodInfo(makePod("a"))
  const b = newPodInfo(makePod("b"))
  q.add(a)
  q.add(b)
  q.delete(a.uid)
  const got = await q.pop(signal)
  assert.equal(got?.podInfo.uid, b.uid)
  q.done(b.uid)
  assert.equal(q.has(b.uid), false)
  assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 0 })
})

test("movePodsWaitingForPods() moves only pods that inter-pod affinity or spreading rejected", async () => {
  const { clock, q, signal } = setup()
  q.add(newPodInfo(makePod("affinity")))
  q.add(newPodInfo(makePod("resources")))
  const a = (await q.pop(signal))!
  a.unschedulablePlugins = new Set(["InterPodAffinity"])
  const b = (await q.pop(signal))!
  b.unschedulablePlugins = new Set(["NodeResourcesFit"])
  q.addUnschedulable(a, q.schedulingCycle)
  q.addUnschedulable(b, q.schedulingCycle)
  await clock.advance(1000)
  q.movePodsWaitingForPods()
  assert.deepEqual(q.stats(), { active: 1, backoff: 0, unschedulable: 1 })
  assert.equal((await q.pop(signal))?.podInfo.pod.metadata?.name, "affinity")
})

test("nominator: nominated pods are listed per node and forgotten with the pod", () => {
  const { q } = setup()
  const a = newPodInfo(makePod("a"))
  q.add(a)
  q.nominator.add(a, "n1")
  assert.deepEqual(
    q.nominator.podsFor("n1").map((p) => p.uid),
    [a.uid],
  )
  q.nominator.add(a, "n2")
  assert.deepEqual(q.nominator.podsFor("n1"), [])
  q.delete(a.uid)
  assert.deepEqual(q.nominator.podsFor("n2"), [])
})

test("a waiting pop() ends when its signal aborts, and a pod added between waits is popped", async () => {
  const { q } = setup()
  const stop = new AbortController()
  const first = q.pop(stop.signal)
  q.add(newPodInfo(makePod("p")))
  assert.equal((await first)?.podInfo.pod.metadata?.name, "p")
  const waiting = q.pop(stop.signal)
  stop.abort()
  assert.equal(await waiting, undefined)
  assert.equal(await q.pop(stop.signal), undefined)
})

/** A pod's PodInfo with `gates` set, or none. */
function gatedInfo(name: string, gates: string[], uid?: string) {
  const pod = makePod(name, {
    spec: gates.length ? { schedulingGates: gates.map((g) => ({ name: g })) } : {},
  })
  return newPodInfo(uid ? { ...pod, metadata: { ...pod.metadata, uid } } : pod)
}

/** Pops with a deadline: the pod's name, or undefined when nothing is active. */
async function popNow(q: SchedulingQueue): Promise<string | undefined> {
  const ctl = new AbortController()
  const timer = setTimeout(() => ctl.abort(), 20)
  try {
    return (await q.pop(ctl.signal))?.podInfo.pod.metadata?.name
  } finally {
    clearTimeout(timer)
  }
}

const gateCases: {
  name: string
  /** The gates the pod is added with, then each update's. */
  gates: string[][]
  /** Whether the pod can be popped after the last step. */
  active: boolean
}[] = [
  { name: "no gates: active at once", gates: [[]], active: true },
  { name: "gated: held back", gates: [["a"]], active: false },
  { name: "one of two gates removed: still held back", gates: [["a", "b"], ["b"]], active: false },
  { name: "all gates removed: active at once", gates: [["a", "b"], ["b"], []], active: true },
]

for (const c of gateCases) {
  test(`scheduling gates: ${c.name}`, async () => {
    const { q } = setup()
    const [first = [], ...updates] = c.gates
    q.add(gatedInfo("p", first, "uid-p"))
    for (const gates of updates) q.update(gatedInfo("p", gates, "uid-p"))
    assert.equal(await popNow(q), c.active ? "p" : undefined)
  })
}

test("a gated pod is not attempted when everything moves, nor after the unschedulable timeout", async () => {
  const { clock, q } = setup()
  q.add(gatedInfo("gated", ["a"], "uid-g"))
  assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 1 })
  q.moveAllToActiveOrBackoff()
  q.movePodsWaitingForPods()
  await clock.advance(301_000)
  q.flush()
  assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 1 })
  assert.equal(await popNow(q), undefined)
  // Its gates cleared: no back-off, it never failed an attempt.
  q.update(gatedInfo("gated", [], "uid-g"))
  assert.deepEqual(q.stats(), { active: 1, backoff: 0, unschedulable: 0 })
  const got = await q.pop(new AbortController().signal)
  assert.equal(got?.attempts, 1)
})
