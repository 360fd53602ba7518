import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { PersistentVolumeClaim } from "kubernetes-types/core/v1.js"
import { type ApiObject, ApiError, PersistentVolumeClaims, StorageClasses } from "../api/index.ts"
import { startClientEnv, type ClientEnv } from "../testing/index.ts"

const FORBIDDEN =
  'persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize'

describe("PersistentVolumeClaimResize admission", () => {
  let env: ClientEnv
  const pvcs = () => env.inProcess.resource(PersistentVolumeClaims)
  before(async () => {
    env = await startClientEnv()
    for (const [name, allowVolumeExpansion] of [
      ["growable", true],
      ["fixed", false],
    ] as const) {
      await env.inProcess.resource(StorageClasses).create({
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name },
        provisioner: "rancher.io/local-path",
        allowVolumeExpansion,
      })
    }
  })
  after(() => env.stop())

  /** A claim of `cls` bound (as the binder would leave it) to a volume. */
  async function bound(name: string, cls: string): Promise<PersistentVolumeClaim & ApiObject> {
    const pvc = await pvcs().create({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name, namespace: "default" },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: cls,
        volumeName: `pv-${name}`,
        resources: { requests: { storage: "1Gi" } },
      },
    })
    return pvcs().updateStatus({ ...pvc, status: { phase: "Bound", capacity: { storage: "1Gi" } } })
  }
  const withStorage = (pvc: PersistentVolumeClaim & ApiObject, storage: string) =>
    ({ ...pvc, spec: { ...pvc.spec, resources: { requests: { storage } } } }) as PersistentVolumeClaim &
      ApiObject

  test("a claim of a class that allows expansion may grow", async () => {
    const pvc = await bound("growable", "growable")
    const next = await pvcs().update(withStorage(pvc, "2Gi"))
    assert.equal(next.spec?.resources?.requests?.storage, "2Gi")
  })

  test("a claim of a class without allowVolumeExpansion may not", async () => {
    const pvc = await bound("fixed", "fixed")
    await assert.rejects(pvcs().update(withStorage(pvc, "2Gi")), (err: unknown) => {
      assert.ok(err instanceof ApiError)
      assert.equal(err.reason, "Forbidden")
      assert.equal(err.message, FORBIDDEN)
      return true
    })
  })

  test("shrinking is refused by validation", async () => {
    const pvc = await pvcs().get({ namespace: "default", name: "growable" })
    await assert.rejects(pvcs().update(withStorage(pvc, "1Gi")), (err: unknown) => {
      assert.ok(err instanceof ApiError)
      assert.equal(err.reason, "Invalid")
      assert.match(
        err.message,
        /spec.resources.requests.storage: Forbidden: field can not be less than previous value/,
      )
      return true
    })
  })
})
