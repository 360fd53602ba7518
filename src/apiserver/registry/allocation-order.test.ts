/**
 * A Service's addresses are allocated once it is named and before its strategy prepares it, as
 * upstream's BeginCreate and BeginUpdate come before BeforeCreate and BeforeUpdate; what was
 * reserved is given back whenever the write does not happen.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { ApiError, applyDefaults, findResource, type ResourceInfo, validateObject } from "../../api/index.ts"
import { KeyExistsError, MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import { Registry } from "./registry.ts"
import { NOW, type Obj, served } from "./write-order.case.ts"

const SERVICES = served(findResource("", "v1", "services") as ResourceInfo)

/**
 * A registry whose allocate hook hands out ClusterIPs from a pool, keeping what each call saw,
 * what is reserved, and what was given back; `deny` refuses in validating admission.
 */
function allocatingRegistry(store = new MemoryStore()) {
  const pool = { next: 10, reserved: new Set<string>(), seen: [] as Obj[], deny: false }
  const validated: Obj[] = []
  const reg = new Registry({
    store,
    clock: new FakeClock(Date.parse(NOW)),
    admission: {
      async mutate() {},
      async validate(req) {
        validated.push(structuredClone(req.object) as Obj)
        if (pool.deny) throw new ApiError("Forbidden", "denied")
      },
    },
    defaults: (info, obj) => applyDefaults(info, obj),
    validate: (info, obj, old, sub) => validateObject(info, obj, old, sub),
    convert: (obj) => obj,
    async allocate(_s, obj, old, dryRun) {
      pool.seen.push(structuredClone(obj) as Obj)
      const spec = (obj as Obj).spec
      if (spec.type === "ExternalName") return undefined
      const held = (old as Obj | undefined)?.spec?.clusterIP
      if (spec.clusterIP || held) {
        spec.clusterIP ??= held
        spec.clusterIPs ??= [spec.clusterIP]
        return undefined
      }
      const ip = `10.0.0.${pool.next++}`
      spec.clusterIP = ip
      spec.clusterIPs = [ip]
      if (dryRun) return undefined
      pool.reserved.add(ip)
      return async () => void pool.reserved.delete(ip)
    },
  })
  return { reg, pool, validated }
}

const service = (name: string, extra: Record<string, unknown> = {}): Obj => ({
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...extra },
  status: { loadBalancer: { ingress: [{ ip: "192.0.2.1" }] } },
})

describe("a Service's addresses are allocated before the strategy prepares it, and given back on failure", () => {
  test("a create: allocation sees it named, its status as sent; validation and validating admission see the address", async () => {
    const { reg, pool, validated } = allocatingRegistry()
    const created = (await reg.create(SERVICES, "default", service("web"))) as Obj
    const seen = pool.seen[0] as Obj
    assert.equal(seen.metadata?.name, "web")
    assert.ok(seen.metadata?.uid)
    assert.deepEqual(seen.status, { loadBalancer: { ingress: [{ ip: "192.0.2.1" }] } })
    assert.equal(validated[0]?.spec.clusterIP, "10.0.0.10")
    assert.equal(created.spec.clusterIP, "10.0.0.10")
    assert.deepEqual(created.status, { loadBalancer: {} })
    assert.deepEqual([...pool.reserved], ["10.0.0.10"])
  })

  test("an update: allocation sees the written status, before the strategy keeps the stored one", async () => {
    const { reg, pool } = allocatingRegistry()
    await reg.create(SERVICES, "default", service("web"))
    await reg.update(SERVICES, { namespace: "default", name: "web" }, (cur) => ({
      ...(cur as Obj),
      status: { loadBalancer: { ingress: [{ ip: "192.0.2.2" }] } },
    }))
    assert.deepEqual(pool.seen[1]?.status, { loadBalancer: { ingress: [{ ip: "192.0.2.2" }] } })
  })

  test("nothing stays reserved after a validation error, a denial, a name taken or a lost race", async () => {
    const store = new MemoryStore()
    const { reg, pool } = allocatingRegistry(store)
    await assert.rejects(reg.create(SERVICES, "default", service("bad", { ports: [{ port: 0 }] })), {
      reason: "Invalid",
    })
    pool.deny = true
    await assert.rejects(reg.create(SERVICES, "default", service("denied")), { reason: "Forbidden" })
    pool.deny = false
    await reg.create(SERVICES, "default", service("web"))
    await assert.rejects(reg.create(SERVICES, "default", service("web")), { reason: "AlreadyExists" })
    assert.deepEqual([...pool.reserved], ["10.0.0.12"])
    // An ExternalName Service turned back into a ClusterIP one gets an address; a concurrent
    // write makes the first try lose its race: its address is given back, the next one's kept.
    await reg.create(SERVICES, "default", service("ext", { type: "ExternalName", externalName: "a.example" }))
    const update = store.update.bind(store)
    let raced = false
    store.update = async (key, value, revision) => {
      if (!raced && key.endsWith("/ext")) {
        raced = true
        const e = (await store.get(key))!
        await update(key, e.value, e.revision)
      }
      return update(key, value, revision)
    }
    const { object } = await reg.update(SERVICES, { namespace: "default", name: "ext" }, (cur) => {
      const { externalName: _, ...spec } = (cur as Obj).spec
      return { ...(cur as Obj), spec: { ...spec, type: "ClusterIP" } }
    })
    assert.equal(raced, true)
    assert.deepEqual([...pool.reserved].sort(), ["10.0.0.12", (object as Obj).spec.clusterIP].sort())
    assert.equal(pool.reserved.size, 2)
  })

  test("a generated name taken when stored: the create runs again under a new name, allocating for it and giving back the first", async () => {
    // GIVEN a store on which the first generated name is taken when the Service is stored
    const store = new MemoryStore()
    const create = store.create.bind(store)
    let taken: string | undefined
    store.create = async (key, value) => {
      if (taken === undefined && key.startsWith(SERVICES.prefix)) {
        taken = key
        throw new KeyExistsError(key)
      }
      return create(key, value)
    }
    const { reg, pool, validated } = allocatingRegistry(store)
    const { metadata: _, ...rest } = service("web")
    const created = (await reg.create(SERVICES, "default", {
      ...rest,
      metadata: { generateName: "web-" },
    })) as Obj
    // THEN each name got its own allocation, validation and validating admission; the first's
    // address is given back, the Service keeps the second's
    const names = pool.seen.map((o) => o.metadata?.name)
    assert.equal(names.length, 2)
    assert.notEqual(names[0], names[1])
    assert.equal(taken, `${SERVICES.prefix}default/${names[0]}`)
    assert.equal(created.metadata?.name, names[1])
    assert.deepEqual(
      validated.map((o) => [o.metadata?.name, o.spec.clusterIP]),
      [
        [names[0], "10.0.0.10"],
        [names[1], "10.0.0.11"],
      ],
    )
    assert.equal(created.spec.clusterIP, "10.0.0.11")
    assert.deepEqual([...pool.reserved], ["10.0.0.11"])
    assert.notEqual(validated[0]!.metadata?.uid, created.metadata?.uid, "a new uid for the new attempt")
  })
})
