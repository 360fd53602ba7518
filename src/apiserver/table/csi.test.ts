import assert from "node:assert/strict"
import { test } from "node:test"
import {
  csiDriverPrinter,
  csiNodePrinter,
  csiStorageCapacityPrinter,
  volumeAttachmentPrinter,
  volumeAttributesClassPrinter,
} from "./csi.ts"
import { runtimeClassPrinter } from "./runtime-class.ts"
import { headers, meta, printerCases } from "./testdata.ts"

printerCases("csiDriverPrinter", csiDriverPrinter, [
  {
    name: "defaulted",
    input: {
      metadata: meta("csi.example.com"),
      spec: {
        attachRequired: true,
        podInfoOnMount: false,
        storageCapacity: false,
        requiresRepublish: false,
        volumeLifecycleModes: ["Persistent", "Ephemeral"],
      },
    },
    want: ["csi.example.com", true, false, false, "<unset>", false, "Persistent,Ephemeral", "5m"],
  },
  {
    name: "token audiences and no modes",
    input: {
      metadata: meta("d"),
      spec: { attachRequired: false, tokenRequests: [{ audience: "a" }, { audience: "b" }] },
    },
    want: ["d", false, false, false, "a,b", false, "<none>", "5m"],
  },
])

printerCases("csiNodePrinter", csiNodePrinter, [
  {
    name: "one driver",
    input: { metadata: meta("n1"), spec: { drivers: [{ name: "csi.example.com", nodeID: "n1" }] } },
    want: ["n1", 1, "5m"],
  },
])

printerCases("csiStorageCapacityPrinter", csiStorageCapacityPrinter, [
  {
    name: "with capacity",
    input: { metadata: meta("c"), storageClassName: "fast", capacity: "1024Mi" },
    want: ["c", "fast", "1Gi"],
  },
  {
    name: "unknown capacity",
    input: { metadata: meta("c"), storageClassName: "fast" },
    want: ["c", "fast", "<unset>"],
  },
])

printerCases("volumeAttachmentPrinter", volumeAttachmentPrinter, [
  {
    name: "attached",
    input: {
      metadata: meta("va"),
      spec: { attacher: "csi.example.com", nodeName: "n1", source: { persistentVolumeName: "pv1" } },
      status: { attached: true },
    },
    want: ["va", "csi.example.com", "pv1", "n1", true, "5m"],
  },
  {
    name: "inline, not attached",
    input: {
      metadata: meta("va"),
      spec: { attacher: "a", nodeName: "n1", source: { inlineVolumeSpec: {} } },
    },
    want: ["va", "a", "", "n1", false, "5m"],
  },
])

printerCases("volumeAttributesClassPrinter", volumeAttributesClassPrinter, [
  {
    name: "plain",
    input: { metadata: meta("gold"), driverName: "csi.example.com" },
    want: ["gold", "csi.example.com", "5m"],
  },
  {
    name: "default",
    input: {
      metadata: meta("gold", {
        annotations: { "volumeattributesclass.alpha.kubernetes.io/is-default-class": "true" },
      }),
      driverName: "d",
    },
    want: ["gold (default)", "d", "5m"],
  },
])

printerCases("runtimeClassPrinter", runtimeClassPrinter, [
  { name: "runc", input: { metadata: meta("runc"), handler: "runc" }, want: ["runc", "runc", "5m"] },
])

test("storage and node printers have upstream's headers", () => {
  assert.equal(
    headers(csiDriverPrinter),
    "Name | AttachRequired | PodInfoOnMount | StorageCapacity | TokenRequests | RequiresRepublish | Modes | Age",
  )
  assert.equal(headers(csiNodePrinter), "Name | Drivers | Age")
  assert.equal(headers(csiStorageCapacityPrinter), "Name | StorageClassName | Capacity")
  assert.equal(headers(volumeAttachmentPrinter), "Name | Attacher | PV | Node | Attached | Age")
  assert.equal(headers(volumeAttributesClassPrinter), "Name | DriverName | Age")
  assert.equal(headers(runtimeClassPrinter), "Name | Handler | Age")
})
