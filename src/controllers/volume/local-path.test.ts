import assert from "node:assert/strict"
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { PersistentVolumeClaims, StorageClasses } from "../../api/index.ts"
import { startHarness, type Harness } from "../_harness.case.ts"
import { claim, eventually, reads } from "./_volume-env.case.ts"
import { persistentVolumeBinderController } from "./binder.ts"
import { localPathProvisionerController } from "./local-path.ts"
import { pvcProtectionController, pvProtectionController } from "./protection.ts"

describe("local-path-provisioner", () => {
  let h: Harness
  let r: ReturnType<typeof reads>
  let base: string
  before(async () => {
    base = mkdtempSync(join(tmpdir(), "k8ts-local-path-"))
    h = await startHarness([
      persistentVolumeBinderController(),
      localPathProvisionerController({ baseDir: join(base, "storage") }),
      pvcProtectionController(),
      pvProtectionController(),
    ])
    r = reads(h)
  })
  after(async () => {
    await h.stop()
    rmSync(base, { recursive: true, force: true })
  })

  test("creates the default local-path StorageClass on start", async () => {
    await eventually(h, async () => (await r.sc("local-path")) !== undefined, "the StorageClass")
    const sc = await r.sc("local-path")
    assert.deepEqual(
      [sc?.provisioner, sc?.volumeBindingMode, sc?.reclaimPolicy, sc?.metadata?.annotations],
      [
        "rancher.io/local-path",
        "WaitForFirstConsumer",
        "Delete",
        { "storageclass.kubernetes.io/is-default-class": "true" },
      ],
    )
  })

  test("provisions a directory and a volume once a node is selected, and removes both with the claim", async () => {
    // GIVEN a claim of class local-path
    await eventually(h, async () => (await r.sc("local-path")) !== undefined, "the StorageClass")
    const pvcs = h.client.resource(PersistentVolumeClaims)
    const created = await pvcs.create(claim(h.ns, "data", "1Gi", { storageClassName: "local-path" }))
    await eventually(h, async () => (await r.reasons("data")).includes("WaitForFirstConsumer"), "waiting")
    const pvName = `pvc-${created.metadata?.uid}`
    assert.equal(await r.pv(pvName), undefined)
    // WHEN the scheduler selects a node
    await pvcs.patch(
      { namespace: h.ns, name: "data" },
      { metadata: { annotations: { "volume.kubernetes.io/selected-node": "node-1" } } },
      { type: "merge" },
    )
    // THEN a volume pinned to it is made, with its directory, and the claim binds to it
    await eventually(h, async () => (await r.pvc("data"))?.status?.phase === "Bound", "claim Bound")
    const pv = (await r.pv(pvName)) ?? assert.fail("no volume")
    const dir = join(base, "storage", `${pvName}_${h.ns}_data`)
    assert.deepEqual(
      [
        pv.spec?.hostPath?.path,
        pv.spec?.persistentVolumeReclaimPolicy,
        pv.metadata?.annotations?.["pv.kubernetes.io/provisioned-by"],
      ],
      [dir, "Delete", "rancher.io/local-path"],
    )
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, [
      "node-1",
    ])
    assert.equal((await r.pvc("data"))?.spec?.volumeName, pvName)
    assert.ok(existsSync(dir))
    // Events are written in the background.
    await eventually(h, async () => (await r.reasons("data")).includes("ProvisioningSucceeded"), "the event")
    // WHEN the claim is deleted THEN the volume and its directory go
    await pvcs.delete({ namespace: h.ns, name: "data" })
    await eventually(h, async () => (await r.pv(pvName)) === undefined, "the volume deleted")
    assert.equal(existsSync(dir), false)
    assert.deepEqual(readdirSync(join(base, "storage")), [])
  })

  test("fails provisioning of an Immediate claim without a node", async () => {
    await h.client.resource(StorageClasses).create({
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "local-now" },
      provisioner: "rancher.io/local-path",
      volumeBindingMode: "Immediate",
    })
    await h.client
      .resource(PersistentVolumeClaims)
      .create(claim(h.ns, "now", "1Gi", { storageClassName: "local-now" }))
    await eventually(
      h,
      async () => (await r.reasons("now")).includes("ProvisioningFailed"),
      "ProvisioningFailed",
    )
  })
})
