/**
 * A write's steps in upstream's order: mutating admission sees the object as its client wrote
 * it (defaulted, with its managedFields), before the registry prepares it (a create's name, uid
 * and creationTimestamp, the strategy's status and generation); validating admission sees the
 * prepared object.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import {
  ApiError,
  type ApiObject,
  applyDefaults,
  findResource,
  Pods,
  type ResourceInfo,
  validateObject,
} from "../../api/index.ts"
import { MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import type { AdmissionRequest, Served } from "./context.ts"
import { Registry } from "./registry.ts"

const NOW = "2026-01-01T00:00:00Z"

function served(info: ResourceInfo): Served {
  const prefix = info.group ? `/registry/${info.group}/${info.resource}/` : `/registry/${info.resource}/`
  return { info, prefix, storageVersion: info.version, storageGroup: info.group }
}

const PODS = served(Pods)
const JOBS = served(findResource("batch", "v1", "jobs") as ResourceInfo)
const DEPLOYMENTS = served(findResource("apps", "v1", "deployments") as ResourceInfo)
const NAMESPACES = served(findResource("", "v1", "namespaces") as ResourceInfo)
const CRDS = served(findResource("apiextensions.k8s.io", "v1", "customresourcedefinitions") as ResourceInfo)

type Obj = ApiObject & { spec?: any; status?: any }

/**
 * A registry whose admission keeps a copy of the object each phase saw; `mutate` is the mutating
 * phase's one change.
 */
function registry(mutate: (req: AdmissionRequest) => void = () => {}) {
  const seen: { mutating?: Obj; mutatingName?: string; validating?: Obj; validatingName?: string } = {}
  const reg = new Registry({
    store: new MemoryStore(),
    clock: new FakeClock(Date.parse(NOW)),
    admission: {
      async mutate(req) {
        seen.mutating = structuredClone(req.object) as Obj
        seen.mutatingName = req.name
        mutate(req)
      },
      async validate(req) {
        seen.validating = structuredClone(req.object) as Obj
        seen.validatingName = req.name
      },
    },
    defaults: (info, obj) => applyDefaults(info, obj),
    validate: (info, obj, old, sub) => validateObject(info, obj, old, sub),
    convert: (obj) => obj,
  })
  return { reg, seen }
}

const podBody = (): Obj => ({
  metadata: { generateName: "web-" },
  spec: { containers: [{ name: "c", image: "busybox" }] },
  status: { phase: "Running", podIP: "10.0.0.9" },
})

describe("a create's mutating admission comes before the registry prepares it", () => {
  test("mutating admission sees no name, uid, creationTimestamp or generation, and the status as sent", async () => {
    const { reg, seen } = registry()
    const created = (await reg.create(PODS, "default", podBody(), { fieldManager: "test" })) as Obj
    const m = seen.mutating as Obj
    assert.equal(seen.mutatingName, "")
    assert.deepEqual(
      [m.metadata?.name, m.metadata?.generateName, m.metadata?.uid, m.metadata?.creationTimestamp],
      [undefined, "web-", undefined, undefined],
    )
    assert.equal(m.metadata?.generation, undefined)
    assert.deepEqual(m.status, { phase: "Running", podIP: "10.0.0.9" })
    // Defaulted and recorded in managedFields already, as upstream's decoder and field manager do.
    assert.equal(m.spec.restartPolicy, "Always")
    assert.equal(m.metadata?.managedFields?.[0]?.manager, "test")
    // Validating admission sees it prepared, under its generated name.
    const v = seen.validating as Obj
    assert.match(v.metadata?.name ?? "", /^web-[a-z0-9]{5}$/)
    assert.equal(seen.validatingName, v.metadata?.name)
    assert.equal(v.metadata?.uid, created.metadata?.uid)
    assert.equal(v.metadata?.creationTimestamp, NOW)
    assert.equal(v.metadata?.generation, 1)
    assert.deepEqual(v.status, { phase: "Pending", qosClass: "BestEffort" })
    assert.deepEqual(created.status, v.status)
  })

  test("the server's fields follow the client's in Go's order: uid, generation, creationTimestamp, managedFields", async () => {
    const { reg } = registry()
    const body = { metadata: { name: "p", labels: { a: "b" } }, spec: podBody().spec }
    const created = await reg.create(PODS, "default", body, { fieldManager: "test" })
    assert.deepEqual(Object.keys(created.metadata ?? {}), [
      "name",
      "labels",
      "namespace",
      "uid",
      "generation",
      "creationTimestamp",
      "managedFields",
      "resourceVersion",
    ])
  })

  test("a creationTimestamp or generation the client or a webhook's patch placed first is set again in order", async () => {
    // As a mutating webhook's patched object comes back: creationTimestamp null after the rest.
    const { reg } = registry((req) => {
      const meta = req.object?.metadata as Record<string, unknown>
      delete meta.creationTimestamp
      meta.creationTimestamp = null
    })
    const meta = { creationTimestamp: null, generation: 4, name: "p" } as unknown as Obj["metadata"]
    const created = await reg.create(
      PODS,
      "default",
      { metadata: meta, spec: podBody().spec },
      { fieldManager: "m" },
    )
    assert.deepEqual(Object.keys(created.metadata ?? {}), [
      "name",
      "namespace",
      "uid",
      "generation",
      "creationTimestamp",
      "managedFields",
      "resourceVersion",
    ])
    assert.deepEqual([created.metadata?.generation, created.metadata?.creationTimestamp], [1, NOW])
  })

  test("the QoS class counts the resources mutating admission set", async () => {
    const { reg } = registry((req) => {
      const c = (req.object as Obj).spec.containers[0]
      c.resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } }
    })
    const created = (await reg.create(PODS, "default", podBody())) as Obj
    assert.equal(created.status.qosClass, "Guaranteed")
  })

  test("a name mutating admission gives is kept rather than generated", async () => {
    const { reg, seen } = registry((req) => {
      ;(req.object as Obj).metadata!.name = "chosen"
    })
    const created = await reg.create(PODS, "default", podBody())
    assert.equal(created.metadata?.name, "chosen")
    assert.equal(seen.validatingName, "chosen")
  })

  test("a uid or creationTimestamp the client (or admission) sets is the server's all the same", async () => {
    const { reg, seen } = registry((req) => {
      ;(req.object as Obj).metadata!.uid = "from-admission"
    })
    const body = { ...podBody(), metadata: { name: "p", creationTimestamp: "2020-01-01T00:00:00Z" } }
    const created = await reg.create(PODS, "default", body)
    assert.equal(seen.mutating?.metadata?.creationTimestamp, "2020-01-01T00:00:00Z")
    assert.notEqual(created.metadata?.uid, "from-admission")
    assert.equal(created.metadata?.creationTimestamp, NOW)
  })

  test("a Job's selector is generated from its uid after mutating admission", async () => {
    const { reg, seen } = registry()
    const job = {
      metadata: { name: "pi" },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x" }] } } },
    }
    const created = (await reg.create(JOBS, "default", job)) as Obj
    assert.equal(seen.mutating?.spec.selector, undefined)
    assert.deepEqual(created.spec.selector, {
      matchLabels: { "batch.kubernetes.io/controller-uid": created.metadata?.uid },
    })
    assert.equal(created.spec.template.metadata.labels["controller-uid"], created.metadata?.uid)
  })
})

const deployment = (): Obj => ({
  metadata: { name: "web" },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "x" }] } },
  },
})

describe("an update's mutating admission comes before the strategy prepares it", () => {
  test("a spec write is mutated with the status and generation as written; the strategy keeps the stored status after", async () => {
    let setStatus = false
    const { reg, seen } = registry((req) => {
      if (setStatus) (req.object as Obj).status = { replicas: 7 }
    })
    await reg.create(DEPLOYMENTS, "default", deployment())
    await reg.update(DEPLOYMENTS, { namespace: "default", name: "web" }, (cur) => {
      const d = cur as Obj
      return { ...d, spec: { ...d.spec, replicas: 2 }, status: { replicas: 5 } }
    })
    assert.deepEqual(seen.mutating?.status, { replicas: 5 })
    assert.equal(seen.mutating?.metadata?.generation, 1)
    assert.deepEqual([seen.validating?.status, seen.validating?.metadata?.generation], [{}, 2])
    // What mutating admission sets in status is the strategy's to drop, as upstream's PrepareForUpdate does.
    setStatus = true
    const { object } = await reg.update(DEPLOYMENTS, { namespace: "default", name: "web" }, (cur) => cur)
    assert.deepEqual(object.status as object, {})
  })

  test("a spec change made by mutating admission counts in metadata.generation", async () => {
    const { reg } = registry((req) => {
      if (req.operation === "UPDATE") (req.object as Obj).spec.replicas = 3
    })
    await reg.create(DEPLOYMENTS, "default", deployment())
    const { object } = await reg.update(DEPLOYMENTS, { namespace: "default", name: "web" }, (cur) => cur)
    assert.deepEqual([(object as Obj).spec.replicas, object.metadata?.generation], [3, 2])
  })

  test("a status write is mutated as written; the strategy keeps the stored spec after", async () => {
    const { reg, seen } = registry((req) => {
      if (req.operation === "UPDATE") (req.object as Obj).spec.replicas = 9
    })
    await reg.create(DEPLOYMENTS, "default", deployment())
    const { object } = await reg.update(
      DEPLOYMENTS,
      { namespace: "default", name: "web" },
      (cur) => {
        const d = cur as Obj
        return { ...d, spec: { ...d.spec, replicas: 4 }, status: { replicas: 1 } }
      },
      { subresource: "status" },
    )
    assert.equal(seen.mutating?.spec.replicas, 4)
    assert.deepEqual([(object as Obj).spec.replicas, (object as Obj).status], [1, { replicas: 1 }])
  })
})

describe("a subresource write is defaulted before mutating admission", () => {
  test("an ephemeral container added through pods/ephemeralcontainers reaches admission with its defaults", async () => {
    const { reg, seen } = registry()
    await reg.create(PODS, "default", { metadata: { name: "p" }, spec: podBody().spec })
    await reg.update(
      PODS,
      { namespace: "default", name: "p" },
      (cur) => {
        const p = cur as Obj
        return { ...p, spec: { ...p.spec, ephemeralContainers: [{ name: "dbg", image: "busybox" }] } }
      },
      { subresource: "ephemeralcontainers" },
    )
    const added = seen.mutating?.spec.ephemeralContainers?.[0]
    assert.equal(added?.name, "dbg")
    assert.equal(added?.imagePullPolicy, "Always")
    assert.equal(added?.terminationMessagePath, "/dev/termination-log")
    assert.equal(added?.terminationMessagePolicy, "File")
  })
})

describe("what the Namespace and CRD strategies set comes after mutating admission", () => {
  test("a namespace with a generated name is labelled with that name", async () => {
    const { reg, seen } = registry()
    const created = await reg.create(NAMESPACES, "", { metadata: { generateName: "team-" } })
    const name = created.metadata?.name ?? ""
    assert.match(name, /^team-[a-z0-9]{5}$/)
    assert.deepEqual(created.metadata?.labels, { "kubernetes.io/metadata.name": name })
    assert.deepEqual(seen.validating?.metadata?.labels, { "kubernetes.io/metadata.name": name })
  })

  test("a new namespace's kubernetes finalizer is added after mutating admission", async () => {
    const { reg, seen } = registry()
    const body = { metadata: { name: "team-a" }, spec: { finalizers: ["example.com/cleanup"] } }
    const created = (await reg.create(NAMESPACES, "", body)) as Obj
    assert.deepEqual(seen.mutating?.spec, { finalizers: ["example.com/cleanup"] })
    assert.deepEqual(created.spec.finalizers, ["example.com/cleanup", "kubernetes"])
    const bare = (await reg.create(NAMESPACES, "", { metadata: { name: "team-b" } })) as Obj
    assert.equal(seen.mutating?.spec, undefined)
    assert.deepEqual(bare.spec.finalizers, ["kubernetes"])
  })

  test("a namespace's name label removed by mutating admission is set again", async () => {
    const { reg } = registry((req) => {
      delete (req.object as Obj).metadata!.labels
    })
    const created = await reg.create(NAMESPACES, "", { metadata: { name: "team-a" } })
    assert.deepEqual(created.metadata?.labels, { "kubernetes.io/metadata.name": "team-a" })
    const { object } = await reg.update(NAMESPACES, { namespace: "", name: "team-a" }, (cur) => cur)
    assert.deepEqual(object.metadata?.labels, { "kubernetes.io/metadata.name": "team-a" })
  })

  test("a CRD's storage version is in status.storedVersions on create and on update", async () => {
    const { reg } = registry()
    const version = (name: string, storage: boolean) => ({
      name,
      served: true,
      storage,
      schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
    })
    const crd = {
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "widgets", kind: "Widget" },
        versions: [version("v1", true)],
      },
    }
    const created = (await reg.create(CRDS, "", crd)) as Obj
    assert.deepEqual(created.status, { acceptedNames: { plural: "", kind: "" }, storedVersions: ["v1"] })
    const { object } = await reg.update(CRDS, { namespace: "", name: "widgets.example.com" }, (cur) => {
      const c = cur as Obj
      return { ...c, spec: { ...c.spec, versions: [version("v1", false), version("v2", true)] } }
    })
    assert.deepEqual((object as Obj).status.storedVersions, ["v1", "v2"])
  })
})

describe("managedFields of a write leave out what its strategy resets", () => {
  test("an ephemeral containers write records spec.ephemeralContainers alone", async () => {
    const { reg, seen } = registry()
    const pod = { metadata: { name: "p" }, spec: podBody().spec }
    await reg.create(PODS, "default", pod, { fieldManager: "creator" })
    const { object } = await reg.update(
      PODS,
      { namespace: "default", name: "p" },
      (cur) => {
        const p = cur as Obj
        const containers = [{ ...p.spec.containers[0], image: "nginx" }]
        const ephemeralContainers = [{ name: "dbg", image: "busybox" }]
        return {
          ...p,
          metadata: { ...p.metadata, labels: { a: "b" } },
          spec: { ...p.spec, containers, ephemeralContainers },
        }
      },
      { subresource: "ephemeralcontainers", fieldManager: "dbg" },
    )
    // Mutating admission still sees the write as it came.
    assert.deepEqual(seen.mutating?.metadata?.labels, { a: "b" })
    const entry = object.metadata?.managedFields?.find((m) => m.manager === "dbg")
    assert.equal(entry?.subresource, "ephemeralcontainers")
    const fields = entry?.fieldsV1 as Record<string, any>
    assert.deepEqual(Object.keys(fields), ["f:spec"])
    assert.deepEqual(Object.keys(fields["f:spec"]), ["f:ephemeralContainers"])
    assert.equal(object.metadata?.labels, undefined)
  })
})

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
})
