import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { PersistentVolumeClaims, PersistentVolumes, StorageClasses } from "../../api/index.ts"
import { startHarness, type Harness } from "../_harness.case.ts"
import { claim, eventually, reads, storageClass, volume } from "./_volume-env.case.ts"
import { persistentVolumeBinderController } from "./binder.ts"
import { pvcProtectionController, pvProtectionController } from "./protection.ts"
import { findBestMatch } from "../../api/index.ts"

describe("persistentvolume-binder", () => {
  let h: Harness
  let r: ReturnType<typeof reads>
  before(async () => {
    // The API server adds the protection finalizers: their controllers remove them, as in a cluster.
    h = await startHarness([
      persistentVolumeBinderController(),
      pvcProtectionController(),
      pvProtectionController(),
    ])
    r = reads(h)
  })
  after(() => h.stop())

  const pvs = () => h.client.resource(PersistentVolumes)
  const pvcs = () => h.client.resource(PersistentVolumeClaims)

  test("binds a claim to a static volume both ways, with phases and annotations", async () => {
    // GIVEN an Available 5Gi volume
    await pvs().create(volume("static-1", "5Gi"))
    await eventually(h, async () => (await r.pv("static-1"))?.status?.phase === "Available", "Available")
    // WHEN a 1Gi claim appears
    await pvcs().create(claim(h.ns, "data", "1Gi"))
    // THEN both are Bound to each other
    await eventually(h, async () => (await r.pvc("data"))?.status?.phase === "Bound", "claim Bound")
    await eventually(h, async () => (await r.pv("static-1"))?.status?.phase === "Bound", "volume Bound")
    const pvc = (await r.pvc("data")) ?? assert.fail("no claim")
    const pv = (await r.pv("static-1")) ?? assert.fail("no volume")
    assert.deepEqual(
      [pvc.spec?.volumeName, pvc.metadata?.annotations, pvc.status?.capacity, pvc.status?.accessModes],
      [
        "static-1",
        { "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes" },
        { storage: "5Gi" },
        ["ReadWriteOnce"],
      ],
    )
    assert.deepEqual(
      [pv.spec?.claimRef?.name, pv.spec?.claimRef?.uid, pv.metadata?.annotations],
      ["data", pvc.metadata?.uid, { "pv.kubernetes.io/bound-by-controller": "yes" }],
    )
  })

  test("picks the smallest volume that satisfies the request", async () => {
    for (const [name, size] of [
      ["small-10", "10Gi"],
      ["small-2", "2Gi"],
      ["small-1", "1Gi"],
    ] as const) {
      await pvs().create(volume(name, size, { storageClassName: "manual" }))
    }
    await eventually(h, async () => (await r.pv("small-1"))?.status?.phase === "Available", "Available")
    await pvcs().create(claim(h.ns, "smallest", "1500Mi", { storageClassName: "manual" }))
    await eventually(h, async () => (await r.pvc("smallest"))?.status?.phase === "Bound", "claim Bound")
    assert.equal((await r.pvc("smallest"))?.spec?.volumeName, "small-2")
  })

  test("a claim without a match and without a class waits with FailedBinding", async () => {
    await pvcs().create(claim(h.ns, "huge", "100Ti", { storageClassName: "" }))
    await eventually(
      h,
      async () => (await r.reasons("huge")).includes("FailedBinding"),
      "FailedBinding event",
    )
    assert.equal((await r.pvc("huge"))?.status?.phase, "Pending")
  })

  test("deleting the claim of a Retain volume leaves it Released", async () => {
    await pvs().create(volume("retained", "1Gi", { storageClassName: "retain" }))
    await pvcs().create(claim(h.ns, "keep", "1Gi", { storageClassName: "retain" }))
    await eventually(h, async () => (await r.pv("retained"))?.status?.phase === "Bound", "volume Bound")
    await pvcs().delete({ namespace: h.ns, name: "keep" })
    await eventually(h, async () => (await r.pv("retained"))?.status?.phase === "Released", "Released")
    assert.equal((await r.pv("retained"))?.spec?.claimRef?.name, "keep")
  })

  test("deleting the claim of a Delete volume deletes the volume", async () => {
    await pvs().create(
      volume("doomed", "1Gi", { storageClassName: "del", persistentVolumeReclaimPolicy: "Delete" }),
    )
    await pvcs().create(claim(h.ns, "gone", "1Gi", { storageClassName: "del" }))
    await eventually(h, async () => (await r.pv("doomed"))?.status?.phase === "Bound", "volume Bound")
    await pvcs().delete({ namespace: h.ns, name: "gone" })
    await eventually(h, async () => (await r.pv("doomed")) === undefined, "the volume deleted")
  })

  test("deleting the claim of a Recycle volume fails it with VolumeFailedRecycle", async () => {
    await pvs().create(
      volume("recycled", "1Gi", { storageClassName: "rec", persistentVolumeReclaimPolicy: "Recycle" }),
    )
    await pvcs().create(claim(h.ns, "rec", "1Gi", { storageClassName: "rec" }))
    await eventually(h, async () => (await r.pv("recycled"))?.status?.phase === "Bound", "volume Bound")
    await pvcs().delete({ namespace: h.ns, name: "rec" })
    await eventually(h, async () => (await r.pv("recycled"))?.status?.phase === "Failed", "Failed")
  })

  test("a claim naming a volume in spec.volumeName binds to it", async () => {
    await pvs().create(volume("named-big", "8Gi", { storageClassName: "named" }))
    await pvs().create(volume("named-small", "1Gi", { storageClassName: "named" }))
    await pvcs().create(
      claim(h.ns, "wants-big", "1Gi", { storageClassName: "named", volumeName: "named-big" }),
    )
    await eventually(h, async () => (await r.pvc("wants-big"))?.status?.phase === "Bound", "claim Bound")
    const pv = await r.pv("named-big")
    assert.equal(pv?.spec?.claimRef?.name, "wants-big")
    // The user chose the volume: the claim is not bound-by-controller, the volume is.
    assert.equal(
      (await r.pvc("wants-big"))?.metadata?.annotations?.["pv.kubernetes.io/bound-by-controller"],
      undefined,
    )
  })

  test("a volume pre-bound through claimRef goes to that claim only", async () => {
    await pvs().create(
      volume("reserved", "1Gi", { storageClassName: "pre", claimRef: { namespace: h.ns, name: "owner" } }),
    )
    await pvcs().create(claim(h.ns, "intruder", "1Gi", { storageClassName: "pre" }))
    await pvcs().create(claim(h.ns, "owner", "1Gi", { storageClassName: "pre" }))
    await eventually(h, async () => (await r.pvc("owner"))?.status?.phase === "Bound", "owner Bound")
    assert.equal((await r.pvc("owner"))?.spec?.volumeName, "reserved")
    assert.equal((await r.pvc("intruder"))?.spec?.volumeName, undefined)
  })

  test("a WaitForFirstConsumer claim waits, and a claim of a provisioned class gets the provisioner annotations", async () => {
    await h.client
      .resource(StorageClasses)
      .create(storageClass("wffc", "example.com/prov", { volumeBindingMode: "WaitForFirstConsumer" }))
    await h.client.resource(StorageClasses).create(storageClass("now", "example.com/prov"))
    await pvcs().create(claim(h.ns, "later", "1Gi", { storageClassName: "wffc" }))
    await pvcs().create(claim(h.ns, "soon", "1Gi", { storageClassName: "now" }))
    await eventually(
      h,
      async () => (await r.reasons("later")).includes("WaitForFirstConsumer"),
      "WaitForFirstConsumer",
    )
    await eventually(
      h,
      async () => (await r.reasons("soon")).includes("ExternalProvisioning"),
      "ExternalProvisioning",
    )
    const soon = await r.pvc("soon")
    assert.equal(
      soon?.metadata?.annotations?.["volume.kubernetes.io/storage-provisioner"],
      "example.com/prov",
    )
    assert.equal(
      soon?.metadata?.annotations?.["volume.beta.kubernetes.io/storage-provisioner"],
      "example.com/prov",
    )
    assert.equal(
      (await r.pvc("later"))?.metadata?.annotations?.["volume.kubernetes.io/storage-provisioner"],
      undefined,
    )
    // Once the scheduler picks a node, the WaitForFirstConsumer claim goes to the provisioner too.
    await pvcs().patch(
      { namespace: h.ns, name: "later" },
      { metadata: { annotations: { "volume.kubernetes.io/selected-node": "node-1" } } },
      { type: "merge" },
    )
    await eventually(
      h,
      async () => (await r.reasons("later")).includes("ExternalProvisioning"),
      "provisioning",
    )
  })

  test("a claim made before any default class gets the default class once one exists", async () => {
    await pvcs().create(claim(h.ns, "early", "1Gi"))
    await eventually(h, async () => (await r.reasons("early")).includes("FailedBinding"), "FailedBinding")
    await h.client.resource(StorageClasses).create(
      storageClass("late-default", "example.com/prov", {
        metadata: {
          name: "late-default",
          annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        },
      }),
    )
    await eventually(
      h,
      async () => (await r.pvc("early"))?.spec?.storageClassName === "late-default",
      "the class",
    )
    await eventually(
      h,
      async () => (await r.reasons("early")).includes("ExternalProvisioning"),
      "provisioning",
    )
    // An explicit empty class stays without one.
    assert.equal((await r.pvc("huge"))?.spec?.storageClassName, "")
  })

  test("a claim of a missing class fails provisioning", async () => {
    await pvcs().create(claim(h.ns, "classless", "1Gi", { storageClassName: "missing" }))
    await eventually(
      h,
      async () => (await r.reasons("classless")).includes("ProvisioningFailed"),
      "ProvisioningFailed",
    )
  })
})

describe("findBestMatch()", () => {
  const avail = (pv: ReturnType<typeof volume>) => ({ ...pv, status: { phase: "Available" } })
  const cases = [
    {
      name: "requires every requested access mode",
      volumes: [
        avail(volume("rwo", "1Gi")),
        avail(volume("rwx", "2Gi", { accessModes: ["ReadWriteOnce", "ReadWriteMany"] })),
      ],
      claim: claim("ns", "c", "1Gi", { accessModes: ["ReadWriteMany"] }),
      want: "rwx",
    },
    {
      name: "requires a matching selector",
      volumes: [
        avail(volume("plain", "1Gi")),
        { ...avail(volume("fast", "5Gi")), metadata: { name: "fast", labels: { tier: "fast" } } },
      ],
      claim: claim("ns", "c", "1Gi", { selector: { matchLabels: { tier: "fast" } } }),
      want: "fast",
    },
    {
      name: "requires the same volume mode",
      volumes: [avail(volume("fs", "1Gi")), avail(volume("blk", "1Gi", { volumeMode: "Block" }))],
      claim: claim("ns", "c", "1Gi", { volumeMode: "Block" }),
      want: "blk",
    },
    {
      name: "skips volumes that are not Available",
      volumes: [{ ...volume("released", "1Gi"), status: { phase: "Released" } }],
      claim: claim("ns", "c", "1Gi"),
      want: undefined,
    },
    {
      name: "binds no unbound volume for a delayed claim without a node",
      volumes: [avail(volume("any", "1Gi"))],
      claim: claim("ns", "c", "1Gi"),
      delayBinding: true,
      want: undefined,
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const got = findBestMatch(c.claim, c.volumes, { delayBinding: !!c.delayBinding })
      assert.equal(got?.metadata?.name, c.want)
    })
  }
})
