/**
 * A write's steps in upstream's order: mutating admission sees the object as its client wrote
 * it (defaulted, with its managedFields), before the registry prepares it (a create's name, uid
 * and creationTimestamp, the strategy's status and generation); validating admission sees the
 * prepared object.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import {
  CRDS,
  DEPLOYMENTS,
  deployment,
  JOBS,
  NAMESPACES,
  NOW,
  type Obj,
  PODS,
  podBody,
  registry,
} from "./write-order.case.ts"

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
