/**
 * What an update's mutating admission sees of the resourceVersion, uid and creationTimestamp (as
 * the client wrote them), and what becomes of a resourceVersion on a create (the storage refuses
 * it, after both admission phases, unless an update creates it: then it is dropped), as upstream's
 * handlers and Store order them.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { KeyExistsError } from "../../storage/index.ts"
import { DEPLOYMENTS, deployment, NOW, type Obj, PODS, podBody, registry } from "./write-order.case.ts"

describe("an update's mutating admission sees the resourceVersion, uid and creationTimestamp as written", () => {
  const written = (replicas: number, meta: Record<string, unknown> = {}) => {
    const d = deployment()
    return { ...d, metadata: { ...d.metadata, ...meta }, spec: { ...d.spec, replicas } }
  }

  test("a replace without them reaches mutating admission without them; validation sees the stored ones", async () => {
    const { reg, seen } = registry()
    const created = await reg.create(DEPLOYMENTS, "default", deployment())
    const { object } = await reg.update(DEPLOYMENTS, { namespace: "default", name: "web" }, () => written(2))
    const m = seen.mutating?.metadata
    assert.deepEqual([m?.resourceVersion, m?.uid, m?.creationTimestamp], [undefined, undefined, undefined])
    const v = seen.validating?.metadata
    assert.deepEqual(
      [v?.resourceVersion, v?.uid, v?.creationTimestamp],
      [created.metadata?.resourceVersion, created.metadata?.uid, NOW],
    )
    assert.equal((object as Obj).spec.replicas, 2)
  })

  test("the resourceVersion mutating admission leaves is the one checked: stale is a Conflict, none or 0 is none", async () => {
    let rv: string | undefined
    const { reg, seen } = registry((req) => {
      if (req.operation === "UPDATE") (req.object as Obj).metadata!.resourceVersion = rv
    })
    const created = await reg.create(DEPLOYMENTS, "default", deployment())
    const ref = { namespace: "default", name: "web" }
    const stale = created.metadata?.resourceVersion as string
    const { object } = await reg.update(DEPLOYMENTS, ref, () => written(2, { resourceVersion: stale }))
    assert.equal(seen.mutating?.metadata?.resourceVersion, stale)
    // The client's stale resourceVersion, removed by mutating admission: an unconditional update.
    rv = undefined
    const unconditional = await reg.update(DEPLOYMENTS, ref, () => written(3, { resourceVersion: stale }))
    assert.equal((unconditional.object as Obj).spec.replicas, 3)
    // A stale one set by mutating admission on a write that named none.
    rv = stale
    await assert.rejects(
      reg.update(DEPLOYMENTS, ref, () => written(4)),
      { reason: "Conflict" },
    )
    // "0" names none, as upstream's versioner reads it.
    rv = "0"
    const zero = await reg.update(DEPLOYMENTS, ref, () => written(5))
    assert.equal((zero.object as Obj).spec.replicas, 5)
    assert.notEqual(object.metadata?.resourceVersion, zero.object.metadata?.resourceVersion)
  })

  test("the Conflict of a stale resourceVersion names the object of the URL, not one mutating admission renamed it to", async () => {
    const { reg } = registry((req) => {
      if (req.operation === "UPDATE") (req.object as Obj).metadata!.name = "renamed"
    })
    const created = await reg.create(DEPLOYMENTS, "default", deployment())
    const ref = { namespace: "default", name: "web" }
    const stale = created.metadata?.resourceVersion as string
    // Written past it without mutating admission (admitted already, as a Scale is).
    await reg.update(DEPLOYMENTS, ref, () => written(2), { admitted: true })
    await assert.rejects(
      reg.update(DEPLOYMENTS, ref, () => written(3, { resourceVersion: stale })),
      (err: any) => err.reason === "Conflict" && /"web": the object has been modified/.test(err.message),
    )
  })

  test("a uid mutating admission leaves that is not the stored one is refused by validation", async () => {
    const { reg } = registry((req) => {
      if (req.operation === "UPDATE") (req.object as Obj).metadata!.uid = "from-admission"
    })
    await reg.create(DEPLOYMENTS, "default", deployment())
    await assert.rejects(
      reg.update(DEPLOYMENTS, { namespace: "default", name: "web" }, () => written(2)),
      (err: any) => err.reason === "Invalid" && /metadata\.uid: Invalid value/.test(err.message),
    )
  })
  test("a deletionTimestamp written on an object not being deleted is refused as immutable, not dropped", async () => {
    const { reg } = registry()
    await reg.create(DEPLOYMENTS, "default", deployment())
    await assert.rejects(
      reg.update(DEPLOYMENTS, { namespace: "default", name: "web" }, () =>
        written(2, { deletionTimestamp: NOW }),
      ),
      (err: any) =>
        err.reason === "Invalid" && /metadata\.deletionTimestamp: Invalid value/.test(err.message),
    )
  })
})

describe("a create's resourceVersion is the storage's to refuse, after admission", () => {
  const refused = (err: any) =>
    err.code === 500 &&
    err.toStatus().reason === undefined &&
    err.message === "resourceVersion should not be set on objects to be created"

  test("the client's reaches both admission phases, then the create is a 500 without reason; nothing is stored", async () => {
    const { reg, seen } = registry()
    const body = { ...podBody(), metadata: { name: "p", resourceVersion: "7" } }
    await assert.rejects(reg.create(PODS, "default", body), refused)
    assert.equal(seen.mutating?.metadata?.resourceVersion, "7")
    assert.equal(seen.validating?.metadata?.resourceVersion, "7")
    await assert.rejects(reg.get(PODS, "default", "p"), { reason: "NotFound" })
  })

  test('one mutating admission removes is no more; one it sets is refused; "0" is none', async () => {
    let rv: string | undefined
    const { reg } = registry((req) => {
      ;(req.object as Obj).metadata!.resourceVersion = rv
    })
    const created = await reg.create(PODS, "default", {
      ...podBody(),
      metadata: { name: "a", resourceVersion: "7" },
    })
    assert.notEqual(created.metadata?.resourceVersion, "7")
    rv = "12"
    await assert.rejects(reg.create(PODS, "default", { ...podBody(), metadata: { name: "b" } }), refused)
    rv = "0"
    const zero = await reg.create(PODS, "default", { ...podBody(), metadata: { name: "c" } })
    assert.notEqual(zero.metadata?.resourceVersion, "0")
  })

  test("a dry run answers with the one sent, as upstream's dry-run storage copies the object", async () => {
    const { reg } = registry()
    const body = { ...podBody(), metadata: { name: "p", resourceVersion: "7" } }
    const answered = await reg.create(PODS, "default", body, { dryRun: true })
    assert.equal(answered.metadata?.resourceVersion, "7")
  })
})

describe("a create an update makes of a missing object drops its resourceVersion, as upstream's GuaranteedUpdate", () => {
  const ref = { namespace: "default", name: "p" }

  test("one the client sent (a PUT or an apply creating the object) is dropped: created, not a 500", async () => {
    const { reg, seen } = registry()
    const body = { ...podBody(), metadata: { name: "p", resourceVersion: "7" } }
    const { object, created } = await reg.update(PODS, ref, () => body, { createIfMissing: true })
    assert.equal(created, true)
    assert.equal(seen.validating?.metadata?.resourceVersion, "7")
    const stored = await reg.get(PODS, "default", "p")
    assert.equal(stored.metadata?.resourceVersion, object.metadata?.resourceVersion)
    assert.notEqual(object.metadata?.resourceVersion, "7")
  })

  test("one that does not parse is the versioner's error, a 500 without reason; nothing is stored", async () => {
    const { reg } = registry()
    const body = { ...podBody(), metadata: { name: "p", resourceVersion: "x7" } }
    await assert.rejects(
      reg.update(PODS, ref, () => body, { createIfMissing: true }),
      (err: any) => err.code === 500 && err.toStatus().reason === undefined && /x7/.test(err.message),
    )
    await assert.rejects(reg.get(PODS, "default", "p"), { reason: "NotFound" })
  })

  test("one that does not parse is refused after mutating admission, before validation", async () => {
    const { reg, seen } = registry()
    // Invalid too (no containers): upstream's Store.Update reads the resourceVersion first.
    const body = { ...podBody(), metadata: { name: "p", resourceVersion: "x7" }, spec: { containers: [] } }
    await assert.rejects(
      reg.update(PODS, ref, () => body, { createIfMissing: true }),
      (err: any) => err.code === 500 && err.message === 'strconv.ParseUint: parsing "x7": invalid syntax',
    )
    assert.equal(seen.mutating?.metadata?.resourceVersion, "x7")
    assert.equal(seen.validating, undefined)
  })
})

test("a generated name taken when stored: a pod is stored again under another generated name", async () => {
  const { reg } = registry()
  const store = reg.deps.store
  const create = store.create.bind(store)
  let taken: string | undefined
  store.create = async (key, value) => {
    if (taken === undefined) {
      taken = key
      throw new KeyExistsError(key)
    }
    return create(key, value)
  }
  const { metadata: _, ...rest } = podBody()
  const created = (await reg.create(PODS, "default", { ...rest, metadata: { generateName: "web-" } })) as Obj
  const name = created.metadata?.name as string
  assert.match(name, /^web-[a-z0-9]{5}$/)
  assert.notEqual(taken, `${PODS.prefix}default/${name}`)
  assert.equal((await reg.get(PODS, "default", name)).metadata?.uid, created.metadata?.uid)
})

test("a dry-run create of a name already taken is AlreadyExists, as upstream's dry-run storage answers", async () => {
  const { reg } = registry()
  const named = (name: string): Obj => ({ ...podBody(), metadata: { name } })
  await reg.create(PODS, "default", named("web"))
  await assert.rejects(reg.create(PODS, "default", named("web"), { dryRun: true }), {
    reason: "AlreadyExists",
    message: 'pods "web" already exists',
  })
  assert.equal((await reg.create(PODS, "default", named("other"), { dryRun: true })).metadata?.name, "other")
  await assert.rejects(reg.get(PODS, "default", "other"), { reason: "NotFound" })
})
