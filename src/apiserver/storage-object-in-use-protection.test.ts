import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { PersistentVolumeClaims, PersistentVolumes } from "../api/index.ts"
import { startClientEnv, type ClientEnv } from "../testing/index.ts"

describe("StorageObjectInUseProtection admission", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
  })
  after(() => env.stop())

  test("a new claim gets kubernetes.io/pvc-protection, once", async () => {
    const pvc = await env.inProcess.resource(PersistentVolumeClaims).create({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "c", namespace: "default", finalizers: ["example.com/keep"] },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    })
    assert.deepEqual(pvc.metadata?.finalizers, ["example.com/keep", "kubernetes.io/pvc-protection"])
    const again = await env.inProcess.resource(PersistentVolumeClaims).create({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "d", namespace: "default", finalizers: ["kubernetes.io/pvc-protection"] },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    })
    assert.deepEqual(again.metadata?.finalizers, ["kubernetes.io/pvc-protection"])
  })

  test("a new volume gets kubernetes.io/pv-protection", async () => {
    const pv = await env.inProcess.resource(PersistentVolumes).create({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "v" },
      spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/v" } },
    })
    assert.deepEqual(pv.metadata?.finalizers, ["kubernetes.io/pv-protection"])
  })

  test("an update that drops the finalizer keeps it dropped (only creates are mutated)", async () => {
    const pvcs = env.inProcess.resource(PersistentVolumeClaims)
    const cur = await pvcs.get({ namespace: "default", name: "d" })
    const next = await pvcs.update({ ...cur, metadata: { ...cur.metadata, finalizers: [] } })
    assert.deepEqual(next.metadata?.finalizers ?? [], [])
  })
})
