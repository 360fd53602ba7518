import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { PersistentVolumeClaims, PersistentVolumes, StorageClasses } from "../../api/index.ts"
import { startHarness, type Harness } from "../_harness.case.ts"
import { claim, eventually, reads, storageClass, volume } from "./_volume-env.case.ts"
import { persistentVolumeBinderController } from "./binder.ts"
import { persistentVolumeExpanderController } from "./expand.ts"
import { pvcProtectionController, pvProtectionController } from "./protection.ts"

describe("persistentvolume-expander", () => {
  let h: Harness
  let r: ReturnType<typeof reads>
  before(async () => {
    h = await startHarness([
      persistentVolumeBinderController(),
      persistentVolumeExpanderController(),
      pvcProtectionController(),
      pvProtectionController(),
    ])
    r = reads(h)
    await h.client
      .resource(StorageClasses)
      .create(storageClass("grow", "kubernetes.io/no-provisioner", { allowVolumeExpansion: true }))
  })
  after(() => h.stop())

  test("a bound hostPath claim that asks for more grows its volume and its capacity", async () => {
    await h.client.resource(PersistentVolumes).create(volume("disk", "1Gi", { storageClassName: "grow" }))
    await h.client
      .resource(PersistentVolumeClaims)
      .create(claim(h.ns, "data", "1Gi", { storageClassName: "grow" }))
    await eventually(h, async () => (await r.pvc("data"))?.status?.phase === "Bound", "the claim Bound")
    await h.client
      .resource(PersistentVolumeClaims)
      .patch(
        { namespace: h.ns, name: "data" },
        { spec: { resources: { requests: { storage: "3Gi" } } } },
        { type: "merge" },
      )
    await eventually(
      h,
      async () => (await r.pvc("data"))?.status?.capacity?.storage === "3Gi",
      "the claim's capacity grown",
    )
    const pvc = await r.pvc("data")
    assert.equal(pvc?.status?.conditions, undefined, "no Resizing condition left")
    assert.deepEqual(pvc?.status?.allocatedResources, { storage: "3Gi" })
    assert.equal((await r.pv("disk"))?.spec?.capacity?.storage, "3Gi")
    await eventually(
      h,
      async () => (await r.reasons("data")).includes("VolumeResizeSuccessful"),
      "the VolumeResizeSuccessful event",
    )
    assert.ok((await r.reasons("data")).includes("Resizing"))
  })
})
