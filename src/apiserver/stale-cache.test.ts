/**
 * Updates and deletes start from the watch cache's object without reading the store; the cache
 * may lag the store, and then they must answer exactly as if they had read it: no write lost, no
 * conflict for a resourceVersion or precondition the store holds, no 404 for an object the cache
 * has not seen yet. The store here holds its watch events back on demand, so the cache lags it.
 */
import assert from "node:assert/strict"
import { after, afterEach, before, test } from "node:test"
import { MemoryStore, type StoreEvent } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { createApiServer, type ApiServer } from "./server.ts"

/** A memory store whose watches deliver nothing while held, and which counts reads by key prefix. */
class LaggingStore extends MemoryStore {
  #held: { promise: Promise<void>; release: () => void } | undefined
  /** The last revision a watch delivered. */
  delivered = 0
  readonly reads: string[] = []

  /** Holds every watch event back from now on, until release. */
  hold(): void {
    let release = () => {}
    const promise = new Promise<void>((r) => (release = r))
    this.#held = { promise, release }
  }

  release(): void {
    this.#held?.release()
    this.#held = undefined
  }

  override get(key: string) {
    this.reads.push(key)
    return super.get(key)
  }

  override watch(prefix: string, from: number, signal: AbortSignal): AsyncIterable<StoreEvent> {
    const inner = super.watch(prefix, from, signal)
    const gate = () => this.#held?.promise
    const seen = (revision: number) => (this.delivered = Math.max(this.delivered, revision))
    return (async function* () {
      for await (const ev of inner) {
        for (let g = gate(); g; g = gate()) await g
        yield ev
        seen(ev.entry.revision)
      }
    })()
  }
}

const store = new LaggingStore()
let api: ApiServer
const ac = new AbortController()
const clock = new FakeClock(Date.UTC(2026, 11, 1, 12, 0, 0))

before(async () => {
  api = createApiServer({ store, clock })
  void api.run(ac.signal)
  await api.ready()
})
afterEach(() => store.release()) // a test that failed while the cache lagged
after(() => ac.abort())

/** Waits until the watch cache has applied every write so far. */
async function caughtUp(): Promise<void> {
  const revision = await store.revision()
  const deadline = Date.now() + 5000
  while (store.delivered < revision) {
    if (Date.now() > deadline) throw new Error(`the watch cache did not reach revision ${revision}`)
    await new Promise((r) => setImmediate(r))
  }
  await new Promise((r) => setImmediate(r)) // the cache applies what the watch delivered
}

/** Lets the cache catch up, then holds it back: it keeps what it has while the store moves on. */
async function lag(): Promise<void> {
  await caughtUp()
  store.hold()
}

async function catchUp(): Promise<void> {
  store.release()
  await caughtUp()
}

async function call(method: string, path: string, body?: unknown, type = "application/json") {
  const res = await api.fetch(
    new Request(`http://k8ts${path}`, {
      method,
      headers: { "content-type": type, accept: "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }),
  )
  return { status: res.status, json: (await res.json()) as any }
}

async function ok(method: string, path: string, body?: unknown, type?: string) {
  const res = await call(method, path, body, type)
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`)
  return res.json
}

const PODS = "/api/v1/namespaces/default/pods"
const EVENTS = "/api/v1/namespaces/default/events"
const MERGE = "application/merge-patch+json"
const JSONPATCH = "application/json-patch+json"

const pod = (name: string) => ({
  metadata: { name, labels: { app: name } },
  spec: { containers: [{ name: "c", image: "busybox" }] },
})

const event = (name: string) => ({
  metadata: { name },
  involvedObject: { kind: "Pod", namespace: "default", name: "p" },
  reason: "Tested",
  message: "m",
  type: "Normal",
})

test("from a cache holding the stored object, updates and deletes read nothing from the store", async () => {
  await ok("POST", PODS, pod("reads"))
  await caughtUp()
  store.reads.length = 0
  await ok("POST", `${PODS}/reads/binding`, {
    target: { kind: "Node", name: "n1" },
    metadata: { name: "reads" },
  })
  await caughtUp()
  await ok("PATCH", `${PODS}/reads/status`, { status: { phase: "Running" } }, MERGE)
  await caughtUp()
  const running = await ok("PATCH", `${PODS}/reads`, { metadata: { labels: { a: "1" } } }, MERGE)
  await caughtUp()
  await ok("PUT", `${PODS}/reads`, { ...running, metadata: { ...running.metadata, labels: { b: "2" } } })
  await caughtUp()
  const terminating = await call("DELETE", `${PODS}/reads`)
  assert.equal(terminating.status, 200)
  await caughtUp()
  await ok("DELETE", `${PODS}/reads`, { gracePeriodSeconds: 0 })
  assert.deepEqual(
    store.reads.filter((k) => k.startsWith("/registry/pods/")),
    [],
  )
  assert.equal((await call("GET", `${PODS}/reads`)).status, 404)
})

test("an update from a cache behind the store loses no write", async () => {
  await ok("POST", PODS, pod("lost"))
  await lag()
  const first = await ok("PATCH", `${PODS}/lost`, { metadata: { labels: { a: "1" } } }, MERGE)
  const second = await ok("PATCH", `${PODS}/lost`, { metadata: { labels: { b: "2" } } }, MERGE)
  assert.deepEqual(second.metadata.labels, { app: "lost", a: "1", b: "2" })
  assert.ok(Number(second.metadata.resourceVersion) > Number(first.metadata.resourceVersion))
  await catchUp()
  const got = await ok("GET", `${PODS}/lost`)
  assert.deepEqual(got.metadata.labels, { app: "lost", a: "1", b: "2" })
  assert.equal(got.metadata.resourceVersion, second.metadata.resourceVersion)
})

test("a client resourceVersion the cache has not seen yet is the store's: no conflict; the cache's is stale", async () => {
  const created = await ok("POST", PODS, pod("rv"))
  await lag()
  const patched = await ok("PATCH", `${PODS}/rv`, { metadata: { labels: { a: "1" } } }, MERGE)
  // The cache still holds `created`: a PUT naming it conflicts with the store's object.
  const stale = await call("PUT", `${PODS}/rv`, {
    ...created,
    metadata: { ...created.metadata, labels: { c: "3" } },
  })
  assert.equal(stale.status, 409)
  assert.equal(stale.json.reason, "Conflict")
  // One naming the store's resourceVersion is taken.
  const put = await ok("PUT", `${PODS}/rv`, {
    ...patched,
    metadata: { ...patched.metadata, labels: { b: "2" } },
  })
  assert.deepEqual(put.metadata.labels, { b: "2" })
  // A patch setting the store's resourceVersion too.
  const merged = await ok(
    "PATCH",
    `${PODS}/rv`,
    { metadata: { resourceVersion: put.metadata.resourceVersion, labels: { d: "4" } } },
    MERGE,
  )
  assert.deepEqual(merged.metadata.labels, { b: "2", d: "4" })
  await catchUp()
})

test("a PUT without resourceVersion from a cache behind the store is tried again as sent", async () => {
  await ok("POST", EVENTS, event("unconditional"))
  await lag()
  await ok("PATCH", `${EVENTS}/unconditional`, { message: "patched" }, MERGE)
  // The first try, from the cache's object, loses its race; the next starts from the body as
  // sent, not from the one the first try filled with the cache's resourceVersion.
  const put = await ok("PUT", `${EVENTS}/unconditional`, { ...event("unconditional"), message: "put" })
  assert.equal(put.message, "put")
  await catchUp()
})

test("an update that changes nothing from the cache's object is checked against the store", async () => {
  await ok("POST", PODS, pod("noop"))
  await ok("PATCH", `${PODS}/noop`, { metadata: { labels: { a: "1" } } }, MERGE)
  await lag()
  await ok("PATCH", `${PODS}/noop`, { metadata: { labels: { a: "2" } } }, MERGE)
  // Nothing to change on the cache's object (a is 1 there), but the store's has a = 2.
  const back = await ok("PATCH", `${PODS}/noop`, { metadata: { labels: { a: "1" } } }, MERGE)
  assert.equal(back.metadata.labels.a, "1")
  await catchUp()
  assert.equal((await ok("GET", `${PODS}/noop`)).metadata.labels.a, "1")
})

test("a patch that fails on the cache's object but not on the store's is applied", async () => {
  await ok("POST", PODS, pod("test-op"))
  await lag()
  await ok("PATCH", `${PODS}/test-op`, { metadata: { labels: { a: "2" } } }, MERGE)
  // The test operation fails on the cache's object (no label a) and holds on the store's.
  const patched = await ok(
    "PATCH",
    `${PODS}/test-op`,
    [
      { op: "test", path: "/metadata/labels/a", value: "2" },
      { op: "add", path: "/metadata/labels/b", value: "3" },
    ],
    JSONPATCH,
  )
  assert.deepEqual(patched.metadata.labels, { app: "test-op", a: "2", b: "3" })
  // One failing on the store's object is refused.
  const refused = await call(
    "PATCH",
    `${PODS}/test-op`,
    [{ op: "test", path: "/metadata/labels/a", value: "1" }],
    JSONPATCH,
  )
  assert.equal(refused.status, 422)
  await catchUp()
})

test("delete preconditions are checked against the store when the cache's object fails them", async () => {
  const created = await ok("POST", PODS, pod("pre"))
  await lag()
  const patched = await ok("PATCH", `${PODS}/pre`, { metadata: { labels: { a: "1" } } }, MERGE)
  const stale = await call("DELETE", `${PODS}/pre`, {
    preconditions: { resourceVersion: created.metadata.resourceVersion },
  })
  assert.equal(stale.status, 409)
  assert.match(stale.json.message, /the ResourceVersion in the precondition \(\d+\) does not match/)
  const deleted = await ok("DELETE", `${PODS}/pre`, {
    preconditions: { uid: created.metadata.uid, resourceVersion: patched.metadata.resourceVersion },
  })
  assert.equal(deleted.metadata.uid, created.metadata.uid)
  await catchUp()
  assert.equal((await call("GET", `${PODS}/pre`)).status, 404)
})

test("a delete that changes nothing on the cache's object answers the store's", async () => {
  await ok("POST", PODS, pod("again"))
  await ok("POST", `${PODS}/again/binding`, {
    target: { kind: "Node", name: "n1" },
    metadata: { name: "again" },
  })
  await ok("PATCH", `${PODS}/again/status`, { status: { phase: "Running" } }, MERGE)
  assert.equal((await call("DELETE", `${PODS}/again`)).status, 200)
  await lag()
  const labelled = await ok("PATCH", `${PODS}/again`, { metadata: { labels: { a: "1" } } }, MERGE)
  // Terminating already with this grace period: nothing to write, on either object.
  const again = await call("DELETE", `${PODS}/again`)
  assert.equal(again.status, 200)
  assert.equal(again.json.metadata.resourceVersion, labelled.metadata.resourceVersion)
  assert.equal(again.json.metadata.labels.a, "1")
  await catchUp()
  await ok("DELETE", `${PODS}/again`, { gracePeriodSeconds: 0 })
})

test("an object the cache has not seen, or has seen in an earlier incarnation, is the store's", async () => {
  const old = await ok("POST", EVENTS, event("e"))
  await lag()
  await ok("DELETE", `${EVENTS}/e`)
  const created = await ok("POST", EVENTS, event("e"))
  await ok("POST", EVENTS, event("unseen"))
  // Not in the cache: found in the store.
  const unseen = await ok("PATCH", `${EVENTS}/unseen`, { message: "changed" }, MERGE)
  assert.equal(unseen.message, "changed")
  // The cache holds the deleted incarnation: a precondition on the new one's uid holds.
  const wrongUid = await call("DELETE", `${EVENTS}/e`, { preconditions: { uid: old.metadata.uid } })
  assert.equal(wrongUid.status, 409)
  assert.match(wrongUid.json.message, /the UID in the precondition \(.+\) does not match/)
  const gone = await ok("DELETE", `${EVENTS}/e`, { preconditions: { uid: created.metadata.uid } })
  assert.equal(gone.status, "Success")
  await ok("DELETE", `${EVENTS}/unseen`)
  await catchUp()
  assert.equal((await call("GET", `${EVENTS}/e`)).status, 404)
  assert.equal((await call("GET", `${EVENTS}/unseen`)).status, 404)
})

test("a collection delete lists as a consistent read: an object the cache has not seen is deleted", async () => {
  await lag()
  const created = await ok("POST", EVENTS, {
    ...event("collected"),
    metadata: { name: "collected", labels: { set: "dc" } },
  })
  const deleting = call("DELETE", `${EVENTS}?labelSelector=set%3Ddc`)
  await new Promise((r) => setImmediate(r))
  store.release()
  const res = await deleting
  assert.equal(res.status, 200, JSON.stringify(res.json))
  assert.deepEqual(
    res.json.items.map((o: any) => o.metadata.uid),
    [created.metadata.uid],
  )
  await caughtUp()
  assert.equal((await call("GET", `${EVENTS}/collected`)).status, 404)
})
