import assert from "node:assert/strict"
import { test } from "node:test"
import { persistentVolumeClaimPrinter, persistentVolumePrinter } from "./storage.ts"
import { ago, headers, meta, printerCases } from "./testdata.ts"

printerCases("persistentVolumePrinter", persistentVolumePrinter, [
  {
    name: "bound",
    input: {
      metadata: meta("pv1"),
      spec: {
        capacity: { storage: "1024Mi" },
        accessModes: ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        claimRef: { namespace: "default", name: "data" },
        storageClassName: "standard",
        volumeMode: "Filesystem",
      },
      status: { phase: "Bound" },
    },
    want: [
      "pv1",
      "1Gi",
      "RWO,RWX",
      "Retain",
      "Bound",
      "default/data",
      "standard",
      "<unset>",
      "",
      "5m",
      "Filesystem",
    ],
  },
  {
    name: "deleting, with the beta class annotation",
    input: {
      metadata: meta("pv2", {
        deletionTimestamp: ago(0),
        annotations: { "volume.beta.kubernetes.io/storage-class": "old" },
      }),
      spec: { storageClassName: "new", accessModes: ["ReadWriteOncePod"] },
      status: { phase: "Released", reason: "Gone" },
    },
    want: ["pv2", "0", "RWOP", "", "Terminating", "", "old", "<unset>", "Gone", "5m", "<unset>"],
  },
])

printerCases("persistentVolumeClaimPrinter", persistentVolumeClaimPrinter, [
  {
    name: "pending shows no capacity",
    input: {
      metadata: meta("data"),
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
        storageClassName: "standard",
      },
      status: { phase: "Pending" },
    },
    want: ["data", "Pending", "", "", "", "standard", "<unset>", "5m", "<unset>"],
  },
  {
    name: "bound shows the volume's capacity and modes",
    input: {
      metadata: meta("data"),
      spec: { volumeName: "pv1", volumeMode: "Filesystem", volumeAttributesClassName: "gold" },
      status: { phase: "Bound", capacity: { storage: "2Gi" }, accessModes: ["ReadWriteOnce"] },
    },
    want: ["data", "Bound", "pv1", "2Gi", "RWO", "", "gold", "5m", "Filesystem"],
  },
])

test("storage printers have upstream's headers", () => {
  assert.equal(
    headers(persistentVolumePrinter),
    "Name | Capacity | Access Modes | Reclaim Policy | Status | Claim | StorageClass | VolumeAttributesClass | Reason | Age | VolumeMode*",
  )
  assert.equal(
    headers(persistentVolumeClaimPrinter),
    "Name | Status | Volume | Capacity | Access Modes | StorageClass | VolumeAttributesClass | Age | VolumeMode*",
  )
})
