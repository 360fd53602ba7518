import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import {
  type ApiObject,
  ConfigMaps,
  Events,
  findResource,
  isNotFound,
  type OwnerReference,
  Pods,
  ReplicaSets,
} from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { garbageCollectorController } from "./garbagecollector.ts"

describe("garbageCollectorController", () => {
  let t: LifecycleEnv
  let ns: string
  before(async () => {
    t = await startLifecycleEnv([garbageCollectorController])
    ns = await t.namespace("gc")
  })
  after(() => t.stop())

  function ownerRef(owner: ApiObject, extra: Partial<OwnerReference> = {}): OwnerReference {
    return {
      apiVersion: owner.apiVersion ?? "v1",
      kind: owner.kind ?? "ConfigMap",
      name: owner.metadata?.name ?? "",
      uid: owner.metadata?.uid ?? "",
      ...extra,
    }
  }
  function configMap(name: string, owners: OwnerReference[] = [], finalizers: string[] = []) {
    return t.client.resource(ConfigMaps).create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name,
        namespace: ns,
        ...(owners.length ? { ownerReferences: owners } : {}),
        ...(finalizers.length ? { finalizers } : {}),
      },
    })
  }
  function read(name: string) {
    return t.client
      .resource(ConfigMaps)
      .get({ namespace: ns, name })
      .catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)))
  }
  function gone(...names: string[]) {
    return async () => (await Promise.all(names.map(read))).every((o) => o === undefined)
  }
  async function release(name: string) {
    const cm = await read(name)
    assert.ok(cm)
    await t.client.resource(ConfigMaps).update({ ...cm, metadata: { ...cm.metadata, finalizers: [] } })
  }

  test("background: dependents go after their owner", async () => {
    // GIVEN a ReplicaSet owning two pods
    const rs = await t.client.resource(ReplicaSets).create({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web", namespace: ns },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
    })
    for (const name of ["web-a", "web-b"]) {
      await t.client.resource(Pods).create({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name,
          namespace: ns,
          labels: { app: "web" },
          ownerReferences: [ownerRef(rs, { controller: true })],
        },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      })
    }
    // WHEN the ReplicaSet is deleted (background is the default)
    await t.client.resource(ReplicaSets).delete({ namespace: ns, name: "web" })
    // THEN its pods are collected
    await t.until(
      async () =>
        (await t.client.resource(Pods).list({ namespace: ns, labelSelector: "app=web" })).items.length === 0,
      "the pods to go",
    )
  })

  test("foreground: the owner waits for blocking dependents, then goes", async () => {
    // GIVEN an owner with a blocking dependent held by a finalizer, and a non-blocking one
    const owner = await configMap("fg-owner")
    await configMap("fg-held", [ownerRef(owner, { blockOwnerDeletion: true })], ["example.com/hold"])
    await configMap("fg-free", [ownerRef(owner)])
    // WHEN the owner is deleted in the foreground
    await t.client
      .resource(ConfigMaps)
      .delete({ namespace: ns, name: "fg-owner" }, { propagationPolicy: "Foreground" })
    // THEN its dependents are deleted while it stays, waiting
    await t.until(
      async () => !!(await read("fg-held"))?.metadata?.deletionTimestamp,
      "the held dependent to terminate",
    )
    await t.until(gone("fg-free"), "the free dependent to go")
    const waiting = await read("fg-owner")
    assert.ok(waiting?.metadata?.deletionTimestamp)
    assert.deepEqual(waiting.metadata.finalizers, ["foregroundDeletion"])
    // WHEN the blocking dependent finally goes
    await release("fg-held")
    // THEN the owner goes too
    await t.until(gone("fg-owner", "fg-held"), "the owner to go")
  })

  test("orphan: dependents stay and lose their reference to the owner", async () => {
    const owner = await configMap("or-owner")
    await configMap("or-dep-1", [ownerRef(owner)])
    await configMap("or-dep-2", [ownerRef(owner, { blockOwnerDeletion: true })])
    await t.client
      .resource(ConfigMaps)
      .delete({ namespace: ns, name: "or-owner" }, { propagationPolicy: "Orphan" })
    await t.until(gone("or-owner"), "the owner to go")
    for (const name of ["or-dep-1", "or-dep-2"]) {
      const dep = await read(name)
      assert.ok(dep, `${name} survives`)
      assert.equal(dep.metadata?.ownerReferences, undefined)
    }
  })

  test("an object with several owners survives until the last one goes", async () => {
    // GIVEN a dependent of two owners
    const a = await configMap("mo-a")
    const b = await configMap("mo-b")
    await configMap("mo-dep", [ownerRef(a), ownerRef(b)])
    // WHEN one owner is deleted
    await t.client.resource(ConfigMaps).delete({ namespace: ns, name: "mo-a" })
    // THEN the dependent stays, referring only to the other
    await t.until(
      async () => (await read("mo-dep"))?.metadata?.ownerReferences?.length === 1,
      "the dangling reference to go",
    )
    assert.equal((await read("mo-dep"))?.metadata?.ownerReferences?.[0]?.name, "mo-b")
    // WHEN the last owner goes, so does the dependent
    await t.client.resource(ConfigMaps).delete({ namespace: ns, name: "mo-b" })
    await t.until(gone("mo-dep"), "the dependent to go")
  })

  test("foreground deletion removes only the waiting owner's reference from a dependent with another owner", async () => {
    const a = await configMap("fm-a")
    const b = await configMap("fm-b")
    await configMap("fm-dep", [ownerRef(a, { blockOwnerDeletion: true }), ownerRef(b)])
    await t.client
      .resource(ConfigMaps)
      .delete({ namespace: ns, name: "fm-a" }, { propagationPolicy: "Foreground" })
    await t.until(gone("fm-a"), "the foreground owner to go")
    const dep = await read("fm-dep")
    assert.deepEqual(
      dep?.metadata?.ownerReferences?.map((r) => r.name),
      ["fm-b"],
    )
  })

  test("a dependency cycle does not block foreground deletion", async () => {
    // GIVEN two objects that own each other, blocking
    const x = await configMap("cy-x")
    const y = await configMap("cy-y", [ownerRef(x, { blockOwnerDeletion: true })])
    await t.client.resource(ConfigMaps).update({
      ...x,
      metadata: { ...x.metadata, ownerReferences: [ownerRef(y, { blockOwnerDeletion: true })] },
    })
    // WHEN one is deleted in the foreground
    await t.client
      .resource(ConfigMaps)
      .delete({ namespace: ns, name: "cy-x" }, { propagationPolicy: "Foreground" })
    // THEN both go
    await t.until(gone("cy-x", "cy-y"), "the cycle to go")
  })

  test("a dependency cycle is collected in the background", async () => {
    const x = await configMap("cb-x")
    const y = await configMap("cb-y", [ownerRef(x)])
    await t.client
      .resource(ConfigMaps)
      .update({ ...x, metadata: { ...x.metadata, ownerReferences: [ownerRef(y)] } })
    await t.client.resource(ConfigMaps).delete({ namespace: ns, name: "cb-x" })
    await t.until(gone("cb-x", "cb-y"), "the cycle to go")
  })

  test("an object whose owner never existed is collected", async () => {
    await configMap("dangling", [{ apiVersion: "v1", kind: "ConfigMap", name: "nobody", uid: "no-such-uid" }])
    await t.until(gone("dangling"), "the orphaned object to go")
  })

  test("a chain is deleted level by level", async () => {
    const a = await configMap("ch-a")
    const b = await configMap("ch-b", [ownerRef(a)])
    await configMap("ch-c", [ownerRef(b)])
    await t.client.resource(ConfigMaps).delete({ namespace: ns, name: "ch-a" })
    await t.until(gone("ch-a", "ch-b", "ch-c"), "the chain to go")
  })

  test("a cluster-scoped object owned by a namespaced one is collected with a warning", async () => {
    const clusterRoles = findResource("rbac.authorization.k8s.io", "v1", "clusterroles")
    assert.ok(clusterRoles)
    const owner = await configMap("ns-owner")
    await t.client.resource(clusterRoles).create({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "gc-invalid", ownerReferences: [ownerRef(owner)] },
      rules: [],
    })
    await t.until(
      () =>
        t.client
          .resource(clusterRoles)
          .get({ name: "gc-invalid" })
          .then(
            () => false,
            (err: unknown) => isNotFound(err),
          ),
      "the cluster role to go",
    )
    await t.until(
      async () =>
        (await t.client.resource(Events).list()).items.some(
          (e) => e.reason === "OwnerRefInvalidNamespace" && e.involvedObject.name === "gc-invalid",
        ),
      "the warning",
    )
    assert.ok(await read("ns-owner"), "the owner stays")
  })
})
