/** @kubernetes/client-node against the API server: typed calls, errors, watches and informers. */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import * as k8s from "@kubernetes/client-node"
import { startTestApiServer, type TestApiServer } from "../../src/testing/index.ts"

let srv: TestApiServer
let kc: k8s.KubeConfig

before(async () => {
  srv = await startTestApiServer()
  kc = new k8s.KubeConfig()
  kc.loadFromFile(srv.kubeconfig)
})
after(async () => {
  await srv?.stop()
})

describe("@kubernetes/client-node", () => {
  test("creates, reads, lists by label and deletes config maps", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api)
    const created = await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "cn-a", labels: { app: "cn" } }, data: { k: "v" } },
    })
    assert.ok(created.metadata?.uid)
    const read = await core.readNamespacedConfigMap({ namespace: "default", name: "cn-a" })
    assert.equal(read.data?.k, "v")
    const list = await core.listNamespacedConfigMap({ namespace: "default", labelSelector: "app=cn" })
    assert.deepEqual(
      list.items.map((c) => c.metadata?.name),
      ["cn-a"],
    )
    await core.deleteNamespacedConfigMap({ namespace: "default", name: "cn-a" })
    await assert.rejects(
      core.readNamespacedConfigMap({ namespace: "default", name: "cn-a" }),
      (err: any) => err.code === 404,
    )
  })

  test("a stale replace is rejected with 409", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api)
    const c = await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "cn-stale" }, data: { v: "1" } },
    })
    await core.replaceNamespacedConfigMap({
      namespace: "default",
      name: "cn-stale",
      body: { ...c, data: { v: "2" } },
    })
    await assert.rejects(
      core.replaceNamespacedConfigMap({
        namespace: "default",
        name: "cn-stale",
        body: { ...c, data: { v: "3" } },
      }),
      (err: any) => err.code === 409 && /the object has been modified/.test(String(err.body)),
    )
  })

  test("lists every namespace and reads the default one", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api)
    const ns = await core.listNamespace()
    assert.ok(ns.items.some((n) => n.metadata?.name === "kube-system"))
    const d = await core.readNamespace({ name: "default" })
    assert.equal(d.status?.phase, "Active")
  })

  test("creates a deployment and scales it through /scale", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api)
    await apps.createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: { name: "cn-web" },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "cn-web" } },
          template: {
            metadata: { labels: { app: "cn-web" } },
            spec: { containers: [{ name: "web", image: "nginx" }] },
          },
        },
      },
    })
    const scale = await apps.readNamespacedDeploymentScale({ namespace: "default", name: "cn-web" })
    assert.equal(scale.spec?.replicas, 1)
    scale.spec = { replicas: 4 }
    await apps.replaceNamespacedDeploymentScale({ namespace: "default", name: "cn-web", body: scale })
    const d = await apps.readNamespacedDeployment({ namespace: "default", name: "cn-web" })
    assert.equal(d.spec?.replicas, 4)
  })

  test("KubernetesObjectApi creates, reads, patches (merge, server-side apply), lists and deletes any kind", async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc)
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cn-obj", namespace: "default" } }
    const created: k8s.V1ConfigMap = await objects.create({ ...cm, data: { a: "1" } })
    assert.ok(created.metadata?.uid)
    assert.equal(((await objects.read(cm)) as k8s.V1ConfigMap).data?.a, "1")
    const merged = await objects.patch(
      { ...cm, data: { a: "2" } },
      undefined,
      undefined,
      undefined,
      undefined,
      k8s.PatchStrategy.MergePatch,
    )
    assert.equal((merged as k8s.V1ConfigMap).data?.a, "2")
    const applied: k8s.V1ConfigMap = await objects.patch(
      { ...cm, data: { a: "3", b: "x" } },
      undefined,
      undefined,
      "cn-test",
      true,
      k8s.PatchStrategy.ServerSideApply,
    )
    assert.deepEqual(applied.data, { a: "3", b: "x" })
    assert.ok(
      applied.metadata?.managedFields?.some((m) => m.manager === "cn-test" && m.operation === "Apply"),
    )
    const deployments = await objects.list("apps/v1", "Deployment", "default")
    assert.ok(Array.isArray(deployments.items))
    const names = (await objects.list("v1", "ConfigMap", "default")).items.map((o) => o.metadata?.name)
    assert.ok(names.includes("cn-obj"), String(names))
    assert.equal((await objects.delete(cm)).status, "Success")
    await assert.rejects(objects.read(cm), (err: any) => err.code === 404)
  })

  test("an informer lists, then sees adds, updates and deletes through its watch", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api)
    await core.createNamespace({ body: { metadata: { name: "informed" } } })
    await core.createNamespacedConfigMap({ namespace: "informed", body: { metadata: { name: "before" } } })
    const informer = k8s.makeInformer(kc, "/api/v1/namespaces/informed/configmaps", () =>
      core.listNamespacedConfigMap({ namespace: "informed" }),
    )
    const seen: string[] = []
    const done = new Promise<void>((resolve) => {
      informer.on("add", (o) => seen.push(`add:${o.metadata?.name}`))
      informer.on("update", (o) => seen.push(`update:${o.metadata?.name}`))
      informer.on("delete", (o) => {
        seen.push(`delete:${o.metadata?.name}`)
        resolve()
      })
    })
    await informer.start()
    await core.createNamespacedConfigMap({ namespace: "informed", body: { metadata: { name: "after" } } })
    await core.replaceNamespacedConfigMap({
      namespace: "informed",
      name: "after",
      body: { metadata: { name: "after" }, data: { x: "1" } },
    })
    await core.deleteNamespacedConfigMap({ namespace: "informed", name: "after" })
    await done
    await informer.stop()
    assert.deepEqual(seen, ["add:before", "add:after", "update:after", "delete:after"])
  })
})
