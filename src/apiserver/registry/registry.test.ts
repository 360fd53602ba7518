import assert from "node:assert/strict"
import { test } from "node:test"
import { type ApiObject, Pods, applyDefaults, validateObject } from "../../api/index.ts"
import { MemoryStore } from "../../storage/index.ts"
import { deepFreeze, FakeClock } from "../../util/index.ts"
import { type Served, cachedEntry, decode, keyFor } from "./context.ts"
import { Registry } from "./registry.ts"

const PODS: Served = { info: Pods, prefix: "/registry/pods/", storageVersion: "v1", storageGroup: "" }

type Pod = ApiObject & { spec?: Record<string, any>; status?: Record<string, any> }

/**
 * A registry whose watch cache stand-in holds every stored object deep-frozen, as parsed from the
 * store: a write that changed the object it was given as current would throw.
 */
function frozenCacheRegistry() {
  const store = new MemoryStore()
  let hits = 0
  const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"))
  const registry = new Registry({
    store,
    clock,
    admission: { mutate: async () => {}, validate: async () => {} },
    defaults: (info, obj) => applyDefaults(info, obj),
    validate: (info, obj, old, sub) => validateObject(info, obj, old, sub),
    convert: (obj) => obj,
    cached: (_s, key) => {
      hits++
      return frozen.get(key)
    },
  })
  const frozen = new Map<string, ApiObject>()
  /** Refreshes the stand-in from the store, as the watch cache follows it. */
  async function sync(name: string): Promise<Pod | undefined> {
    const key = keyFor(PODS, "default", name)
    const e = await store.get(key)
    if (!e) frozen.delete(key)
    else frozen.set(key, deepFreeze(decode(e.value, e.revision)))
    return frozen.get(key) as Pod | undefined
  }
  return { registry, sync, clock, hits: () => hits }
}

const pod = (name: string): Pod => ({
  metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox" }], terminationGracePeriodSeconds: 30 },
})

test("update and delete take the cached current object and change only copies of it", async () => {
  const { registry, sync, hits } = frozenCacheRegistry()
  const ref = { namespace: "default", name: "p" }
  await registry.create(PODS, "default", pod("p"), { fieldManager: "test" })
  const created = (await sync("p")) as Pod

  // pods/binding
  await registry.update(
    PODS,
    ref,
    (cur) => {
      const p = cur as Pod
      p.spec = { ...p.spec, nodeName: "n1" }
      p.status = { ...p.status, conditions: [{ type: "PodScheduled", status: "True" }] }
      return p
    },
    { subresource: "binding", shallowCurrent: true },
  )
  const bound = (await sync("p")) as Pod
  assert.equal(bound.spec?.nodeName, "n1")
  assert.equal(created.spec?.nodeName, undefined)

  // PUT pods/status, as a kubelet writes it
  const body = structuredClone(bound) as Pod
  body.status = { ...body.status, phase: "Running", podIP: "10.0.0.5" }
  const { object } = await registry.update(PODS, ref, () => body, {
    subresource: "status",
    fieldManager: "kubelet",
    shallowCurrent: true,
  })
  const running = (await sync("p")) as Pod
  assert.equal(running.status?.phase, "Running")
  assert.equal(object.metadata?.resourceVersion, running.metadata?.resourceVersion)
  assert.deepEqual(
    running.metadata?.managedFields?.map((e) => [e.manager, e.subresource ?? ""]),
    [
      ["kubelet", "status"],
      ["test", ""],
    ],
  )
  assert.equal(running.metadata?.generation, 1)

  // PUT that changes the spec: generation bumps, status kept
  const put = structuredClone(running) as Pod
  put.metadata = { ...put.metadata, labels: { a: "b" } }
  put.status = {}
  await registry.update(PODS, ref, () => put, { fieldManager: "test", shallowCurrent: true })
  const labelled = (await sync("p")) as Pod
  assert.deepEqual(labelled.metadata?.labels, { a: "b" })
  assert.equal(labelled.status?.phase, "Running")

  // Graceful delete, then the kubelet's final delete
  const graceful = await registry.delete(PODS, ref, {})
  assert.equal(graceful.finished, false)
  const terminating = (await sync("p")) as Pod
  assert.equal(terminating.metadata?.deletionGracePeriodSeconds, 30)
  const again = await registry.delete(PODS, ref, {})
  assert.equal(again.finished, false)
  assert.equal(again.object.metadata?.resourceVersion, terminating.metadata?.resourceVersion)
  const final = await registry.delete(PODS, ref, { gracePeriodSeconds: 0 })
  assert.equal(final.finished, true)
  assert.equal(final.object.metadata?.deletionGracePeriodSeconds, 0)
  assert.equal(await sync("p"), undefined)
  assert.equal(terminating.metadata?.deletionGracePeriodSeconds, 30)
  assert.ok(hits() >= 6)
})

test("a cached object at another revision is not taken", async () => {
  const { registry, sync } = frozenCacheRegistry()
  const ref = { namespace: "default", name: "q" }
  await registry.create(PODS, "default", pod("q"), {})
  const stale = (await sync("q")) as Pod
  await registry.update(PODS, ref, (cur) => ({
    ...(cur as Pod),
    metadata: { ...cur?.metadata, labels: { x: "1" } },
  }))
  // The stand-in still holds the first revision: the next update must read the store's.
  const { object } = await registry.update(
    PODS,
    ref,
    (cur) => {
      const p = cur as Pod
      p.metadata = { ...p.metadata, annotations: { y: "2" } }
      return p
    },
    { shallowCurrent: true },
  )
  assert.deepEqual(object.metadata?.labels, { x: "1" })
  assert.deepEqual(object.metadata?.annotations, { y: "2" })
  assert.equal(stale.metadata?.labels, undefined)
})

test("a pods/ephemeralcontainers write changes only a copy of the cached current object", async () => {
  const { registry, sync } = frozenCacheRegistry()
  const ref = { namespace: "default", name: "e" }
  await registry.create(PODS, "default", pod("e"), { fieldManager: "test" })
  const before = (await sync("e")) as Pod
  const body = structuredClone(before) as Pod
  body.spec = { ...body.spec, ephemeralContainers: [{ name: "debugger", image: "busybox" }] }
  const { object } = await registry.update(PODS, ref, () => body, {
    subresource: "ephemeralcontainers",
    fieldManager: "kubectl-debug",
    shallowCurrent: true,
  })
  assert.equal((object as Pod).spec?.ephemeralContainers?.[0]?.name, "debugger")
  assert.equal(before.spec?.ephemeralContainers, undefined)
  const after = (await sync("e")) as Pod
  assert.equal(after.spec?.ephemeralContainers?.length, 1)
})

test("read answers the cached object only while it is the stored revision, else parses the store's", async () => {
  const { registry, sync } = frozenCacheRegistry()
  await registry.create(PODS, "default", pod("p"), { fieldManager: "test" })
  const cached = await sync("p")
  assert.equal(await registry.read(PODS, "default", "p"), cached)
  assert.deepEqual(await registry.read(PODS, "default", "p"), await registry.get(PODS, "default", "p"))
  // A write the cache has not seen yet: the store's value, as get reads it.
  await registry.update(PODS, { namespace: "default", name: "p" }, (cur) => {
    ;(cur as Pod).metadata!.labels = { a: "b" }
    return cur
  })
  const read = (await registry.read(PODS, "default", "p")) as ApiObject
  assert.notEqual(read, cached)
  assert.deepEqual(read, await registry.get(PODS, "default", "p"))
  assert.deepEqual(read.metadata?.labels, { a: "b" })
  await assert.rejects(registry.read(PODS, "default", "q"), { reason: "NotFound" })
})

test("a status write naming another object's uid is refused; one naming none or the same is taken", async () => {
  const { registry, sync } = frozenCacheRegistry()
  const ref = { namespace: "default", name: "p" }
  await registry.create(PODS, "default", pod("p"), { fieldManager: "test" })
  const stored = (await sync("p")) as Pod
  const write = (uid: string | undefined, phase: string) =>
    registry.update(
      PODS,
      ref,
      (cur) => ({ ...cur, metadata: { ...cur?.metadata, uid }, status: { ...stored.status, phase } }),
      { subresource: "status", shallowCurrent: true },
    )
  await assert.rejects(write("another", "Running"), (err: Error) =>
    /metadata\.uid: Invalid value: "another": field is immutable/.test(err.message),
  )
  await write(undefined, "Running")
  assert.equal(((await sync("p")) as Pod).status?.phase, "Running")
  await write(stored.metadata?.uid, "Succeeded")
  const done = (await sync("p")) as Pod
  assert.equal(done.status?.phase, "Succeeded")
  assert.equal(done.metadata?.uid, stored.metadata?.uid)
})

test("a shorter grace period moves the deadline back from the first delete's (the first bumping the generation); once passed, the final delete still removes the pod", async () => {
  const { registry, sync, clock } = frozenCacheRegistry()
  const ref = { namespace: "default", name: "g" }
  await registry.create(PODS, "default", pod("g"), {})
  await registry.update(PODS, ref, (cur) => ({ ...cur, spec: { ...(cur as Pod).spec, nodeName: "n1" } }), {
    subresource: "binding",
    shallowCurrent: true,
  })
  const bound = (await sync("g")) as Pod
  const first = await registry.delete(PODS, ref, { gracePeriodSeconds: 10 }) // at 00:00:00, due 00:00:10
  // The first deletionTimestamp bumps the generation, as upstream's BeforeDelete; later ones do not.
  assert.equal(first.object.metadata?.generation, (bound.metadata?.generation as number) + 1)
  await clock.advance(4000)
  const shorter = await registry.delete(PODS, ref, { gracePeriodSeconds: 5 })
  assert.equal(shorter.finished, false)
  assert.equal(shorter.object.metadata?.generation, first.object.metadata?.generation)
  assert.equal(shorter.object.metadata?.deletionTimestamp, "2026-01-01T00:00:05Z")
  assert.equal(shorter.object.metadata?.deletionGracePeriodSeconds, 5)
  // A longer one changes nothing.
  const longer = await registry.delete(PODS, ref, { gracePeriodSeconds: 8 })
  assert.equal(longer.object.metadata?.deletionTimestamp, "2026-01-01T00:00:05Z")
  // The kubelet confirms after the deadline: the pod goes, its last deletionTimestamp the first delete's time.
  await clock.advance(3000)
  const final = await registry.delete(PODS, ref, {
    gracePeriodSeconds: 0,
    preconditions: { uid: shorter.object.metadata?.uid },
  })
  assert.equal(final.finished, true)
  assert.equal(final.object.metadata?.deletionTimestamp, "2026-01-01T00:00:00Z")
  assert.equal(final.object.metadata?.deletionGracePeriodSeconds, 0)
  assert.equal(final.object.metadata?.generation, first.object.metadata?.generation)
  assert.equal(await sync("g"), undefined)
})

test("the cache's object of each write knows the value stored for it; an object parsed back does not", async () => {
  const store = new MemoryStore()
  // A watch cache stand-in holding each object as written (as the cache takes the writes' objects).
  const objects = new Map<string, ApiObject>()
  const registry = new Registry({
    store,
    clock: new FakeClock(Date.parse("2026-01-01T00:00:00Z")),
    admission: { mutate: async () => {}, validate: async () => {} },
    defaults: (info, obj) => applyDefaults(info, obj),
    validate: (info, obj, old, sub) => validateObject(info, obj, old, sub),
    convert: (obj) => obj,
    written: (key, _value, obj, deleted) => (deleted ? objects.delete(key) : objects.set(key, obj)),
    cached: (_s, key) => objects.get(key),
  })
  const ref = { namespace: "default", name: "w" }
  const key = keyFor(PODS, "default", "w")
  async function known(): Promise<void> {
    const e = await store.get(key)
    const c = cachedEntry(registry.deps, PODS, key)
    assert.equal(c?.value, e?.value)
    assert.equal(c?.revision, e?.revision)
  }
  // Not ASCII: the JSON a create knows is UTF-8 bytes.
  const p = pod("w")
  p.metadata = { ...p.metadata, annotations: { note: "é ✓ 😀" } }
  await registry.create(PODS, "default", p, { fieldManager: "test" })
  await known()
  await registry.update(PODS, ref, (cur) => ({ ...cur, spec: { ...(cur as Pod).spec, nodeName: "n1" } }), {
    subresource: "binding",
    shallowCurrent: true,
  })
  await known()
  await registry.update(PODS, ref, (cur) => ({ ...cur, status: { phase: "Running" } }), {
    subresource: "status",
    fieldManager: "kubelet",
    shallowCurrent: true,
  })
  await known()
  await registry.update(
    PODS,
    ref,
    (cur) => ({ ...cur, metadata: { ...cur?.metadata, labels: { a: "1" } } }),
    {
      shallowCurrent: true,
    },
  )
  await known()
  // Nothing to change: nothing written.
  const revision = await store.revision()
  await registry.update(PODS, ref, (cur) => cur, { shallowCurrent: true })
  assert.equal(await store.revision(), revision)
  assert.equal((await registry.delete(PODS, ref, {})).finished, false)
  await known()
  // After a relist the cache holds objects parsed from the store: their stored value is not known.
  const e = await store.get(key)
  objects.set(key, decode(e!.value, e!.revision))
  assert.equal(cachedEntry(registry.deps, PODS, key), undefined)
  assert.equal((await registry.delete(PODS, ref, { gracePeriodSeconds: 0 })).finished, true)
  assert.equal(await store.get(key), undefined)
})
