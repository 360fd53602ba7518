/**
 * In-process watches get the watch cache's objects themselves (ApiRequest.watchObjects): frozen,
 * the same object for every watcher, equal to what a watch over the network parses; and a write
 * whose object a watcher froze before the write returned still answers with its resourceVersion.
 */
import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import { type ApiObject, ConfigMaps, Pods, type WatchEvent } from "../api/index.ts"
import { InProcessClient } from "../client/index.ts"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { objectEvent } from "./object-events.ts"
import { createApiServer, type ApiServer } from "./server.ts"

/**
 * A memory store whose writes answer a moment after their watch event went out: the watch cache
 * applies each write, and in-process watchers take (and freeze) its object, before the registry
 * goes on with the write's answer.
 */
class SlowAnswers extends MemoryStore {
  override async create(key: string, value: string) {
    const e = await super.create(key, value)
    await new Promise((r) => setTimeout(r, 5))
    return e
  }

  override async update(key: string, value: string, revision: number) {
    const e = await super.update(key, value, revision)
    await new Promise((r) => setTimeout(r, 5))
    return e
  }

  override async delete(key: string, revision?: number) {
    const e = await super.delete(key, revision)
    await new Promise((r) => setTimeout(r, 5))
    return e
  }
}

let api: ApiServer
const ac = new AbortController()
const clock = new FakeClock(Date.UTC(2026, 11, 1, 12, 0, 0))

before(async () => {
  api = createApiServer({ store: new SlowAnswers(), clock })
  void api.run(ac.signal)
  await api.ready()
})
after(() => ac.abort())

/** The first `n` events of a watch from `resourceVersion` on. */
async function take<T extends ApiObject>(
  events: AsyncIterable<WatchEvent<T>>,
  n: number,
): Promise<WatchEvent<T>[]> {
  const out: WatchEvent<T>[] = []
  for await (const ev of events) if (out.push(ev) === n) break
  return out
}

function isDeepFrozen(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return true
  return Object.isFrozen(v) && Object.values(v).every(isDeepFrozen)
}

test("in-process watchers share one frozen object per event, equal to a network watcher's", async (t) => {
  const w = new AbortController()
  t.after(() => w.abort()) // a failed write must not leave the watches waiting
  const client = new InProcessClient(api.handle)
  const pods = client.resource(Pods)
  const from = (await pods.list({ namespace: "default" })).metadata?.resourceVersion
  const watch = (s: AbortSignal) => take(pods.watch({ namespace: "default", resourceVersion: from }, s), 5)
  const [a, b] = [watch(w.signal), watch(w.signal)]
  const pod = {
    apiVersion: "v1" as const,
    kind: "Pod" as const,
    metadata: { name: "shared", namespace: "default", labels: { app: "x" } },
    spec: { nodeName: "node-a", containers: [{ name: "c", image: "busybox" }] },
  }
  const created = await pods.create(pod)
  assert.ok(created.metadata?.resourceVersion, "the create's answer carries its resourceVersion")
  const patched = await pods.patch(
    { namespace: "default", name: "shared" },
    { metadata: { labels: { app: "y" } } },
    { type: "merge" },
  )
  await pods.delete({ namespace: "default", name: "shared" }, { gracePeriodSeconds: 30 })
  await pods.delete({ namespace: "default", name: "shared" }, { gracePeriodSeconds: 0 })
  const [evA, evB] = await Promise.all([a, b])
  assert.deepEqual(
    evA.map((e) => e.type),
    // The final delete shortens the grace period to 0 (a MODIFIED event), then removes the pod.
    ["ADDED", "MODIFIED", "MODIFIED", "MODIFIED", "DELETED"],
  )
  for (let i = 0; i < 5; i++) {
    const [x, y] = [evA[i] as WatchEvent<ApiObject>, evB[i] as WatchEvent<ApiObject>]
    assert.equal(x.object, y.object, `event ${i}: both watchers hold the same object`)
    assert.ok(isDeepFrozen(x.object), `event ${i}: the object is frozen throughout`)
  }
  assert.equal(evA[0]?.object.metadata?.resourceVersion, created.metadata?.resourceVersion)
  assert.equal(evA[1]?.object.metadata?.resourceVersion, patched.metadata?.resourceVersion)
  assert.ok(evA[2]?.object.metadata?.deletionTimestamp, "the graceful delete's event")
  assert.ok(evA[4]?.object.metadata?.deletionTimestamp, "the final DELETED event keeps the deletionTimestamp")

  // A watch over the wire (the fetch adapter: JSON lines) parses to the same events.
  const res = await api.fetch(
    new Request(`http://k8ts/api/v1/namespaces/default/pods?watch=true&resourceVersion=${from}`, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(2000),
    }),
  )
  const reader = res.body!.getReader()
  let text = ""
  while (text.split("\n").length <= 5) {
    const { value } = await reader.read()
    text += new TextDecoder().decode(value)
  }
  void reader.cancel()
  const wire = text
    .split("\n")
    .slice(0, 5)
    .map((l) => JSON.parse(l) as WatchEvent<ApiObject>)
  assert.deepEqual(wire, JSON.parse(JSON.stringify(evA)))
  assert.deepEqual(
    evA,
    wire.map((e) => ({ type: e.type, object: e.object })),
  )
})

test("an in-process watch that fails ends with the ApiError of its ERROR event", async () => {
  // A watch cache that keeps two events: a watch from before them gets a 410 Expired ERROR event.
  const small = createApiServer({ store: new MemoryStore(), clock, watchCacheWindow: 2 })
  const stop = new AbortController()
  void small.run(stop.signal)
  await small.ready()
  try {
    const cms = new InProcessClient(small.handle).resource(ConfigMaps)
    const rvs: string[] = []
    for (let i = 0; i < 5; i++) {
      const cm = await cms.create({ metadata: { name: `cm-${i}`, namespace: "default" } })
      rvs.push(cm.metadata?.resourceVersion as string)
    }
    await assert.rejects(
      take(cms.watch({ namespace: "default", resourceVersion: rvs[0] }, stop.signal), 1),
      (err: Error & { code?: number; reason?: string }) =>
        err.code === 410 && err.reason === "Expired" && /too old resource version/.test(err.message),
    )
  } finally {
    stop.abort()
  }
})

test("under the test runner, an object that is not what its JSON parses to is refused", () => {
  const holey = { kind: "ConfigMap", metadata: { name: "holey" }, data: undefined } as ApiObject
  assert.throws(() => objectEvent("ADDED", holey), /ConfigMap "holey" is not what its JSON parses to/)
  const ok = { kind: "ConfigMap", metadata: { name: "ok" }, data: { a: "1" } } as ApiObject
  assert.equal(objectEvent("ADDED", ok).object, ok)
  assert.ok(Object.isFrozen(ok.metadata))
})
