import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { isNotFound, ServiceAccounts } from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { serviceAccountController } from "./serviceaccount.ts"

describe("serviceAccountController", () => {
  let t: LifecycleEnv
  before(async () => {
    t = await startLifecycleEnv([serviceAccountController])
  })
  after(() => t.stop())

  async function hasDefault(ns: string): Promise<boolean> {
    return t.client
      .resource(ServiceAccounts)
      .get({ namespace: ns, name: "default" })
      .then(
        () => true,
        (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)),
      )
  }

  test("creates a default ServiceAccount in each namespace, existing and new", async () => {
    await t.until(() => hasDefault("default"), "default/default")
    const ns = await t.namespace("sa-new")
    await t.until(() => hasDefault(ns), `${ns}/default`)
  })

  test("recreates the default ServiceAccount after it is deleted", async () => {
    // GIVEN a namespace with its default ServiceAccount
    const ns = await t.namespace("sa-deleted")
    await t.until(() => hasDefault(ns), `${ns}/default`)
    const first = await t.client.resource(ServiceAccounts).get({ namespace: ns, name: "default" })
    // WHEN it is deleted
    await t.client.resource(ServiceAccounts).delete({ namespace: ns, name: "default" })
    // THEN a new one takes its place
    await t.until(async () => {
      const sa = await t.client
        .resource(ServiceAccounts)
        .get({ namespace: ns, name: "default" })
        .catch(() => undefined)
      return !!sa && sa.metadata?.uid !== first.metadata?.uid
    }, "a new default ServiceAccount")
  })

  test("leaves other ServiceAccounts alone", async () => {
    const ns = await t.namespace("sa-other")
    await t.client
      .resource(ServiceAccounts)
      .create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "builder", namespace: ns } })
    await t.until(() => hasDefault(ns), `${ns}/default`)
    const list = await t.client.resource(ServiceAccounts).list({ namespace: ns })
    assert.deepEqual(list.items.map((s) => s.metadata?.name).sort(), ["builder", "default"])
  })
})
