import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import { type ApiObject, type APIService, APIServices, CustomResourceDefinitions } from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { autoregisterController } from "./autoregister.ts"

type Svc = APIService & ApiObject

function crd(
  versions: { name: string; served: boolean; storage: boolean }[],
): CustomResourceDefinition & ApiObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "crontabs.stable.example.com" },
    spec: {
      group: "stable.example.com",
      scope: "Namespaced",
      names: { plural: "crontabs", singular: "crontab", kind: "CronTab" },
      versions: versions.map((v) => ({
        ...v,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      })),
    },
  }
}

describe("autoregisterController", () => {
  let t: LifecycleEnv
  before(async () => {
    t = await startLifecycleEnv([autoregisterController()])
  })
  after(() => t.stop())

  const read = (name: string) =>
    t.client
      .resource<Svc>(APIServices)
      .get({ name })
      .catch(() => undefined)
  const names = async () =>
    (await t.client.resource<Svc>(APIServices).list()).items.map((s) => s.metadata?.name)

  test("creates a local APIService per built-in group version upstream registers", async () => {
    await t.until(
      async () => (await names()).includes("v1.flowcontrol.apiserver.k8s.io"),
      "the built-in APIServices",
    )
    const all = await names()
    for (const name of [
      "v1.",
      "v1.apps",
      "v1.autoscaling",
      "v2.autoscaling",
      "v1.storage.k8s.io",
      "v1.events.k8s.io",
    ])
      assert.ok(all.includes(name), `${name} in ${all.join(", ")}`)
    // Upstream registers neither its own group nor groups it has no priority for
    assert.ok(!all.includes("v1.apiregistration.k8s.io"))
    assert.ok(!all.includes("v1beta1.metrics.k8s.io"))
    const core = await read("v1.")
    assert.deepEqual(core?.spec, { version: "v1", groupPriorityMinimum: 18000, versionPriority: 1 })
    assert.equal(core?.metadata?.labels?.["kube-aggregator.kubernetes.io/automanaged"], "onstart")
    assert.equal(core?.status?.conditions?.[0]?.reason, "Local")
    const hpa = await read("v2.autoscaling")
    assert.deepEqual(hpa?.spec, {
      group: "autoscaling",
      version: "v2",
      groupPriorityMinimum: 17500,
      versionPriority: 30,
    })
  })

  test("a built-in APIService is synced once: a deletion stays", async () => {
    await t.until(async () => !!(await read("v1.node.k8s.io")), "v1.node.k8s.io")
    await t.client.resource<Svc>(APIServices).delete({ name: "v1.node.k8s.io" })
    await t.settle()
    assert.equal(await read("v1.node.k8s.io"), undefined)
  })

  test("follows a CRD's served versions, restores their spec, and deletes them with the CRD", async () => {
    const crds = t.client.resource(CustomResourceDefinitions)
    await crds.create(
      crd([
        { name: "v1", served: true, storage: true },
        { name: "v2", served: false, storage: false },
      ]),
    )
    await t.until(async () => !!(await read("v1.stable.example.com")), "v1.stable.example.com")
    const svc = await read("v1.stable.example.com")
    assert.deepEqual(svc?.spec, {
      group: "stable.example.com",
      version: "v1",
      groupPriorityMinimum: 1000,
      versionPriority: 100,
    })
    assert.equal(svc?.metadata?.labels?.["kube-aggregator.kubernetes.io/automanaged"], "true")
    assert.equal(await read("v2.stable.example.com"), undefined)

    assert.ok(svc)
    await t.client
      .resource<Svc>(APIServices)
      .update({ ...svc, spec: { ...svc.spec, versionPriority: 5 } as Svc["spec"] })
    await t.until(
      async () => (await read("v1.stable.example.com"))?.spec?.versionPriority === 100,
      "the restored spec",
    )

    const cur = await crds.get({ name: "crontabs.stable.example.com" })
    await crds.update({
      ...cur,
      spec: { ...cur.spec, versions: cur.spec.versions.map((v) => ({ ...v, served: true })) },
    })
    await t.until(async () => !!(await read("v2.stable.example.com")), "v2.stable.example.com")

    await crds.delete({ name: "crontabs.stable.example.com" })
    await t.until(
      async () => !(await read("v1.stable.example.com")) && !(await read("v2.stable.example.com")),
      "the CRD's APIServices gone",
    )
  })

  test("leaves an APIService it does not manage alone", async () => {
    const mine: Svc = {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name: "v1beta1.metrics.k8s.io" },
      spec: {
        group: "metrics.k8s.io",
        version: "v1beta1",
        service: { namespace: "kube-system", name: "metrics-server" },
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    }
    await t.client.resource<Svc>(APIServices).create(mine)
    await t.settle()
    assert.equal((await read("v1beta1.metrics.k8s.io"))?.spec?.service?.name, "metrics-server")
  })
})
