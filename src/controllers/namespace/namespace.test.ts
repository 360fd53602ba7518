import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import {
  ApiError,
  ConfigMaps,
  Deployments,
  Events,
  isNotFound,
  Namespaces,
  Pods,
  type ResourceRef,
  Secrets,
} from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { namespaceController } from "./namespace.ts"

function pod(ns: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1" as const,
    kind: "Pod" as const,
    metadata: { name, namespace: ns },
    spec: { containers: [{ name: "c", image: "busybox" }], ...extra },
  }
}

describe("namespaceController", () => {
  let t: LifecycleEnv
  before(async () => {
    t = await startLifecycleEnv([namespaceController])
  })
  after(() => t.stop())

  function gone(name: string) {
    return async () =>
      t.client
        .resource(Namespaces)
        .get({ name })
        .then(
          () => false,
          (err: unknown) => isNotFound(err),
        )
  }

  test("a deleted namespace loses all its content, then disappears", async () => {
    // GIVEN a namespace with pods, config maps, a secret and a deployment
    const ns = await t.namespace("ns-full")
    await t.client.resource(Pods).create(pod(ns, "a"))
    await t.client.resource(Pods).create(pod(ns, "b"))
    await t.client.resource(ConfigMaps).create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cm", namespace: ns },
      data: { k: "v" },
    })
    await t.client
      .resource(Secrets)
      .create({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: ns }, data: {} })
    await t.client.resource(Deployments).create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: ns },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
    })
    // WHEN it is deleted
    await t.client.resource(Namespaces).delete({ name: ns })
    // THEN creation in it is refused, and it goes once empty
    await assert.rejects(
      t.client
        .resource(ConfigMaps)
        .create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late", namespace: ns } }),
      (err: unknown) => err instanceof ApiError && err.reason === "Forbidden",
    )
    await t.until(gone(ns), "the namespace to go")
    for (const ref of [Pods, ConfigMaps, Secrets, Deployments] as ResourceRef[]) {
      assert.equal((await t.client.resource(ref).list({ namespace: ns })).items.length, 0, ref.resource)
    }
  })

  test("content held by a finalizer keeps the namespace Terminating with conditions that say so", async () => {
    // GIVEN a namespace with a config map held by a finalizer
    const ns = await t.namespace("ns-held")
    await t.client.resource(ConfigMaps).create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "held", namespace: ns, finalizers: ["example.com/hold"] },
    })
    // WHEN the namespace is deleted
    await t.client.resource(Namespaces).delete({ name: ns })
    // THEN it stays Terminating, saying what remains and why
    await t.until(async () => {
      const cur = await t.client.resource(Namespaces).get({ name: ns })
      return !!cur.status?.conditions?.some(
        (c) => c.type === "NamespaceFinalizersRemaining" && c.status === "True",
      )
    }, "the finalizer condition")
    const cur = await t.client.resource(Namespaces).get({ name: ns })
    assert.equal(cur.status?.phase, "Terminating")
    const byType = new Map((cur.status?.conditions ?? []).map((c) => [c.type, c]))
    assert.equal(byType.get("NamespaceContentRemaining")?.reason, "SomeResourcesRemain")
    assert.equal(
      byType.get("NamespaceContentRemaining")?.message,
      "Some resources are remaining: configmaps. has 1 resource instances",
    )
    assert.equal(
      byType.get("NamespaceFinalizersRemaining")?.message,
      "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
    )
    assert.equal(byType.get("NamespaceDeletionDiscoveryFailure")?.status, "False")
    assert.deepEqual(cur.spec?.finalizers, ["kubernetes"])
    // AND nothing new may be created in it, events included (they would keep it from going)
    const event = {
      apiVersion: "v1" as const,
      kind: "Event" as const,
      metadata: { name: "late", namespace: ns },
      involvedObject: { kind: "ConfigMap", name: "held", namespace: ns },
      reason: "Late",
    }
    const refused = await t.client
      .resource(Events)
      .create(event)
      .then(
        () => undefined,
        (err: unknown) => err,
      )
    assert.ok(refused instanceof ApiError, String(refused))
    assert.equal(refused.reason, "Forbidden")
    assert.equal(
      refused.message,
      `events "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
    )
    // WHEN the finalizer is removed
    const cm = await t.client.resource(ConfigMaps).get({ namespace: ns, name: "held" })
    await t.client.resource(ConfigMaps).update({ ...cm, metadata: { ...cm.metadata, finalizers: [] } })
    // THEN the namespace goes at the next look (the controller requeued itself)
    await t.clock.advance(8_000)
    await t.until(gone(ns), "the namespace to go")
  })

  test("pods terminating gracefully are waited for", async () => {
    // GIVEN a namespace with a pod running on a node (graceful deletion)
    const ns = await t.namespace("ns-graceful")
    await t.client
      .resource(Pods)
      .create(pod(ns, "running", { nodeName: "node-1", terminationGracePeriodSeconds: 30 }))
    // WHEN the namespace is deleted
    await t.client.resource(Namespaces).delete({ name: ns })
    await t.until(async () => {
      const p = await t.client.resource(Pods).get({ namespace: ns, name: "running" })
      return !!p.metadata?.deletionTimestamp
    }, "the pod to terminate")
    // AND the kubelet confirms the pod is gone
    await t.client.resource(Pods).delete({ namespace: ns, name: "running" }, { gracePeriodSeconds: 0 })
    await t.clock.advance(16_000)
    // THEN the namespace goes
    await t.until(gone(ns), "the namespace to go")
  })
})
