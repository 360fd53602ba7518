import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { PersistentVolumeClaims, PersistentVolumes, Pods } from "../../api/index.ts"
import { startHarness, type Harness } from "../_harness.case.ts"
import { claim, eventually, reads, volume } from "./_volume-env.case.ts"
import { persistentVolumeBinderController } from "./binder.ts"
import { pvcProtectionController, pvProtectionController } from "./protection.ts"

describe("pvc-protection and pv-protection", () => {
  let h: Harness
  let r: ReturnType<typeof reads>
  before(async () => {
    h = await startHarness([
      persistentVolumeBinderController(),
      pvcProtectionController(),
      pvProtectionController(),
    ])
    r = reads(h)
  })
  after(() => h.stop())

  test("a claim in use by a pod outlives its deletion until the pod goes", async () => {
    const pvcs = h.client.resource(PersistentVolumeClaims)
    await pvcs.create(claim(h.ns, "used", "1Gi", { storageClassName: "" }))
    await eventually(
      h,
      async () =>
        (await r.pvc("used"))?.metadata?.finalizers?.includes("kubernetes.io/pvc-protection") ?? false,
      "the pvc-protection finalizer",
    )
    await h.client.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "user", namespace: h.ns },
      spec: {
        containers: [{ name: "c", image: "busybox" }],
        volumes: [{ name: "v", persistentVolumeClaim: { claimName: "used" } }],
      },
    })
    await pvcs.delete({ namespace: h.ns, name: "used" })
    await h.clock.advance(1000)
    const held = await r.pvc("used")
    assert.ok(held?.metadata?.deletionTimestamp, "the claim is terminating, not gone")
    await h.client.resource(Pods).delete({ namespace: h.ns, name: "user" })
    await eventually(h, async () => (await r.pvc("used")) === undefined, "the claim gone")
  })

  test("a Bound volume outlives its deletion until it is released", async () => {
    await h.client.resource(PersistentVolumes).create(volume("kept", "1Gi", { storageClassName: "prot" }))
    await h.client
      .resource(PersistentVolumeClaims)
      .create(claim(h.ns, "holder", "1Gi", { storageClassName: "prot" }))
    await eventually(h, async () => (await r.pv("kept"))?.status?.phase === "Bound", "volume Bound")
    await eventually(
      h,
      async () =>
        (await r.pv("kept"))?.metadata?.finalizers?.includes("kubernetes.io/pv-protection") ?? false,
      "the pv-protection finalizer",
    )
    await h.client.resource(PersistentVolumes).delete({ name: "kept" })
    await h.clock.advance(1000)
    assert.ok((await r.pv("kept"))?.metadata?.deletionTimestamp, "the volume is terminating, not gone")
    await h.client.resource(PersistentVolumeClaims).delete({ namespace: h.ns, name: "holder" })
    await eventually(h, async () => (await r.pv("kept")) === undefined, "the volume gone")
  })
})
