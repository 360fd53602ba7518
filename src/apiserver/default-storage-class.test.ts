import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { PersistentVolumeClaims, StorageClasses } from "../api/index.ts"
import { startClientEnv, type ClientEnv } from "../testing/index.ts"
import { defaultClassOf } from "./default-storage-class.ts"

describe("DefaultStorageClass admission", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
    await env.inProcess.resource(StorageClasses).create({
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: {
        name: "local-path",
        annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
      },
      provisioner: "rancher.io/local-path",
      volumeBindingMode: "WaitForFirstConsumer",
    })
  })
  after(() => env.stop())

  const create = (name: string, storageClassName?: string) =>
    env.inProcess.resource(PersistentVolumeClaims).create({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name, namespace: "default" },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
        ...(storageClassName !== undefined ? { storageClassName } : {}),
      },
    })

  test("a claim without a class gets the default class", async () => {
    assert.equal((await create("plain")).spec?.storageClassName, "local-path")
  })

  test("an explicit empty class and a named class are kept", async () => {
    assert.equal((await create("none", "")).spec?.storageClassName, "")
    assert.equal((await create("named", "fast")).spec?.storageClassName, "fast")
  })

  test("the StorageClass is defaulted to Delete and Immediate", async () => {
    const sc = await env.inProcess.resource(StorageClasses).create({
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "plain" },
      provisioner: "example.com/p",
    })
    assert.deepEqual([sc.reclaimPolicy, sc.volumeBindingMode], ["Delete", "Immediate"])
  })
})

test("defaultClassOf() picks the newest default class", () => {
  const sc = (name: string, at: string, isDefault: boolean) => ({
    metadata: {
      name,
      creationTimestamp: at,
      annotations: { "storageclass.kubernetes.io/is-default-class": String(isDefault) },
    },
    provisioner: "p",
  })
  const got = defaultClassOf([
    sc("old", "2026-01-01T00:00:00Z", true),
    sc("new", "2026-02-01T00:00:00Z", true),
    sc("newest", "2026-03-01T00:00:00Z", false),
  ])
  assert.equal(got?.metadata?.name, "new")
})
