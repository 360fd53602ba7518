import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import { Events, Pods } from "../api/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { FakeClock, silentLogger } from "../util/index.ts"
import { EVENT_BURST, EVENT_QPS } from "./event-write-pool.ts"
import { ClientEventRecorder } from "./events.ts"

let env: ClientEnv
const clock = new FakeClock(Date.parse("2026-01-02T03:04:05Z"))
before(async () => {
  env = await startClientEnv({ clock })
})
after(() => env.stop())

/** Flushes `rec`, moving the clock a second at a time while its writes wait for the rate limit. */
async function drain(rec: ClientEventRecorder): Promise<void> {
  let done = false
  const flushed = rec.flush().then(() => (done = true))
  while (!done) await clock.advance(1000)
  await flushed
}

test("events are written about the object, and repeats fold into one with a count", async () => {
  const pod = await env.inProcess.resource(Pods).create({
    metadata: { name: "p", namespace: "default" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  })
  const rec = new ClientEventRecorder(env.inProcess, {
    component: "test-controller",
    clock,
    log: silentLogger(),
  })
  rec.event(pod, "Warning", "Failed", "it broke", Pods)
  await clock.advance(5000)
  rec.event(pod, "Warning", "Failed", "it broke", Pods)
  rec.event(pod, "Normal", "Started", "it runs", Pods)
  await rec.flush()
  const list = await env.inProcess.resource(Events).list({ namespace: "default" })
  assert.equal(list.items.length, 2)
  const failed = list.items.find((e) => e.reason === "Failed") as any
  assert.equal(failed.count, 2)
  assert.equal(failed.involvedObject.kind, "Pod")
  assert.equal(failed.involvedObject.apiVersion, "v1")
  assert.equal(failed.involvedObject.uid, pod.metadata?.uid)
  assert.equal(failed.firstTimestamp, "2026-01-02T03:04:05Z")
  assert.equal(failed.lastTimestamp, "2026-01-02T03:04:10Z")
  assert.equal(failed.source.component, "test-controller")
  assert.match(failed.metadata.name, /^p\.[0-9a-f]+$/)
})

test("an event about a part of the object carries its fieldPath; repeats fold per part", async () => {
  const pod = await env.inProcess.resource(Pods).create({
    metadata: { name: "parts", namespace: "default" },
    spec: { containers: [{ name: "a", image: "busybox" }] },
  })
  const rec = new ClientEventRecorder(env.inProcess, { component: "kubelet", clock, log: silentLogger() })
  const pulled = 'Container image "busybox" already present on machine'
  rec.event(pod, "Normal", "Pulled", pulled, Pods, "spec.containers{a}")
  rec.event(pod, "Normal", "Pulled", pulled, Pods, "spec.initContainers{b}")
  rec.event(pod, "Normal", "Pulled", pulled, Pods, "spec.containers{a}")
  await rec.flush()
  const list = await env.inProcess
    .resource(Events)
    .list({ namespace: "default", fieldSelector: "involvedObject.name=parts" })
  const byPath = new Map(list.items.map((e: any) => [e.involvedObject.fieldPath, e.count]))
  assert.deepEqual(Object.fromEntries(byPath), { "spec.containers{a}": 2, "spec.initContainers{b}": 1 })
  const selected = await env.inProcess.resource(Events).list({
    namespace: "default",
    fieldSelector: "involvedObject.fieldPath=spec.initContainers{b}",
  })
  assert.equal(selected.items.length, 1)
})

test("a failing write is logged, not thrown", async () => {
  const rec = new ClientEventRecorder(env.inProcess, { component: "x", clock, log: silentLogger() })
  rec.event({ metadata: { name: "ghost", namespace: "no-such-ns" } }, "Normal", "R", "m", Pods)
  await rec.flush()
})

test("beyond 1,000 queued events, new ones are dropped (client-go's broadcaster queue)", async () => {
  const rec = new ClientEventRecorder(env.inProcess, { component: "burst", clock, log: silentLogger() })
  for (let i = 0; i < 1200; i++) {
    rec.event({ metadata: { name: `burst-${i}`, namespace: "default" } }, "Normal", "Burst", "m", Pods)
  }
  await drain(rec)
  const list = await env.inProcess.resource(Events).list({ namespace: "default" })
  assert.equal(list.items.filter((e) => e.reason === "Burst").length, 1000)
})

test("beyond a burst of 100, events are written 50 a second (the event client's rate limit)", async () => {
  const rec = new ClientEventRecorder(env.inProcess, { component: "limited", clock, log: silentLogger() })
  const written = async () =>
    (await env.inProcess.resource(Events).list({ namespace: "default" })).items.filter(
      (e) => e.reason === "Limited",
    ).length
  const n = EVENT_BURST + 2 * EVENT_QPS
  for (let i = 0; i < n; i++) {
    rec.event({ metadata: { name: `limited-${i}`, namespace: "default" } }, "Normal", "Limited", "m", Pods)
  }
  for (let i = 0; i < 50 && (await written()) < EVENT_BURST; i++) await new Promise((r) => setImmediate(r))
  assert.equal(await written(), EVENT_BURST)
  await clock.advance(1000)
  for (let i = 0; i < 50 && (await written()) < EVENT_BURST + EVENT_QPS; i++) {
    await new Promise((r) => setImmediate(r))
  }
  assert.equal(await written(), EVENT_BURST + EVENT_QPS)
  await drain(rec)
  assert.equal(await written(), n)
})
