/**
 * The API server's start: a post-start hook whose work fails is retried each second, and one that
 * still fails after 30 s stops the server (ready() and run() reject with its error), as a failed
 * post-start hook stops upstream's kube-apiserver. The system namespaces controller's hook is not
 * one of those: it finishes at once, its controller trying again every minute.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock, silentLogger } from "../util/index.ts"
import { type ApiServer, createApiServer } from "./server.ts"

const PRIORITY_CLASSES = "/registry/scheduling.k8s.io/priorityclasses/"
const NAMESPACES = "/registry/namespaces/"

/** A store refusing to create objects under `prefix` (PriorityClasses) while `refusing`. */
class RefusingStore extends MemoryStore {
  refusing = true
  tries = 0
  constructor(readonly prefix = PRIORITY_CLASSES) {
    super()
  }
  override create(key: string, value: string) {
    if (key.startsWith(this.prefix)) {
      this.tries++
      if (this.refusing) return Promise.reject(new Error("etcdserver: request timed out"))
    }
    return super.create(key, value)
  }
}

/** Lets the clock's sleepers wake, a second at a time, until `done` settles or `max` seconds passed. */
async function runClock(clock: FakeClock, done: Promise<unknown>, max: number): Promise<void> {
  let settled = false
  void done.then(
    () => (settled = true),
    () => (settled = true),
  )
  for (let i = 0; i < max && !settled; i++) {
    await new Promise((r) => setTimeout(r, 2))
    await clock.advance(1000)
  }
}

/** A server on a RefusingStore, its clock fake, running until `check` is done. */
async function withRefusingServer(
  check: (s: {
    api: ApiServer
    store: RefusingStore
    clock: FakeClock
    running: Promise<void>
  }) => Promise<void>,
  prefix = PRIORITY_CLASSES,
): Promise<void> {
  const store = new RefusingStore(prefix)
  const clock = new FakeClock()
  const api = createApiServer({ store, clock, log: silentLogger() })
  const ac = new AbortController()
  const running = api.run(ac.signal)
  running.catch(() => {})
  try {
    await check({ api, store, clock, running })
  } finally {
    ac.abort()
  }
}

test("a post-start hook failing for 30 s stops the server: ready() and run() reject with its error", () =>
  withRefusingServer(async ({ api, store, clock, running }) => {
    await runClock(clock, api.ready(), 40)
    const expected = {
      message:
        /^PostStartHook "scheduling\/bootstrap-system-priority-classes" failed: etcdserver: request timed out$/,
    }
    await assert.rejects(api.ready(), expected)
    await assert.rejects(running, expected)
    assert.ok(store.tries >= 30, `tried each second for 30 s (${store.tries} tries)`)
    const res = await api.fetch(new Request("http://k8ts/readyz?verbose"))
    assert.equal(res.status, 500)
    assert.match(await res.text(), /\[-\]poststarthook\/scheduling\/bootstrap-system-priority-classes failed/)
  }))

test("a post-start hook whose work fails for a while is retried, and the server becomes ready", () =>
  withRefusingServer(async ({ api, store, clock }) => {
    // GIVEN the store refuses for the first 5 s
    const ready = api.ready()
    await runClock(clock, new Promise((r) => setTimeout(r, 100)), 5)
    store.refusing = false
    await runClock(clock, ready, 5)
    // THEN the server is ready, the system PriorityClasses written
    await ready
    const res = await api.fetch(
      new Request("http://k8ts/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical"),
    )
    assert.equal(res.status, 200)
  }))

test("system namespaces it cannot create neither stop nor hold up the server: its controller tries again each minute", () =>
  withRefusingServer(async ({ api, store, clock }) => {
    // GIVEN the store refuses namespaces: the server is ready all the same, the hook finished
    await runClock(clock, api.ready(), 5)
    await api.ready()
    const tried = store.tries
    assert.equal(tried, 4, "default, kube-system, kube-public and kube-node-lease tried once")
    const namespace = () => api.fetch(new Request("http://k8ts/api/v1/namespaces/kube-system"))
    assert.equal((await namespace()).status, 404)
    const readyz = await api.fetch(
      new Request("http://k8ts/readyz/poststarthook/start-system-namespaces-controller"),
    )
    assert.equal(readyz.status, 200)
    // A second later nothing is tried again: the next pass is a minute after the first.
    await clock.advance(1000)
    assert.equal(store.tries, tried)
    // WHEN the store takes them, the next pass creates them
    store.refusing = false
    await clock.advance(59_000)
    for (let i = 0; i < 1000 && (await namespace()).status !== 200; i++) await new Promise(setImmediate)
    assert.equal((await namespace()).status, 200)
    assert.equal(store.tries, tried + 4)
  }, NAMESPACES))
