/**
 * Printers of the storage.k8s.io/v1 kinds around CSI drivers: CSIDrivers, CSINodes,
 * CSIStorageCapacities, VolumeAttachments and VolumeAttributesClasses.
 */
import type { CSIDriver, CSINode, CSIStorageCapacity, VolumeAttachment } from "kubernetes-types/storage/v1.js"
import type { VolumeAttributesClass } from "kubernetes-types/storage/v1alpha1.js"
import { DOCS } from "./descriptions.ts"
import { age, quantity } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, type Printer } from "./types.ts"

/** CSIDrivers: NAME ATTACHREQUIRED PODINFOONMOUNT STORAGECAPACITY TOKENREQUESTS REQUIRESREPUBLISH MODES AGE. */
export const csiDriverPrinter: Printer<CSIDriver> = {
  columns: [
    NAME_COLUMN,
    column("AttachRequired", "boolean", DOCS.csiAttachRequired),
    column("PodInfoOnMount", "boolean", DOCS.csiPodInfoOnMount),
    column("StorageCapacity", "boolean", DOCS.csiStorageCapacity),
    column("TokenRequests", "string", DOCS.csiTokenRequests),
    column("RequiresRepublish", "boolean", DOCS.csiRequiresRepublish),
    column("Modes", "string", DOCS.csiVolumeLifecycleModes),
    AGE_COLUMN,
  ],
  cells(d, { now }) {
    const s = d.spec ?? {}
    const tokens = s.tokenRequests ? s.tokenRequests.map((t) => t.audience).join(",") : "<unset>"
    const modes = (s.volumeLifecycleModes ?? []).join(",")
    return [
      d.metadata?.name ?? "",
      s.attachRequired ?? true,
      s.podInfoOnMount ?? false,
      s.storageCapacity ?? false,
      tokens,
      s.requiresRepublish ?? false,
      modes || "<none>",
      age(d, now),
    ]
  },
}

/** CSINodes: NAME DRIVERS AGE. */
export const csiNodePrinter: Printer<CSINode> = {
  columns: [
    NAME_COLUMN,
    column("Drivers", "integer", "Drivers indicates the number of CSI drivers registered on the node"),
    AGE_COLUMN,
  ],
  cells: (n, { now }) => [n.metadata?.name ?? "", (n.spec?.drivers ?? []).length, age(n, now)],
}

/** CSIStorageCapacities: NAME STORAGECLASSNAME CAPACITY (no age). */
export const csiStorageCapacityPrinter: Printer<CSIStorageCapacity> = {
  columns: [
    NAME_COLUMN,
    column("StorageClassName", "string", DOCS.cscStorageClassName),
    column("Capacity", "string", DOCS.cscCapacity),
  ],
  cells: (c) => [
    c.metadata?.name ?? "",
    c.storageClassName ?? "",
    c.capacity === undefined || c.capacity === null ? "<unset>" : quantity(c.capacity),
  ],
}

/** VolumeAttachments: NAME ATTACHER PV NODE ATTACHED AGE. */
export const volumeAttachmentPrinter: Printer<VolumeAttachment> = {
  columns: [
    NAME_COLUMN,
    column("Attacher", "string", DOCS.vaAttacher, { format: "name" }),
    column("PV", "string", DOCS.vaPersistentVolumeName),
    column("Node", "string", DOCS.vaNodeName),
    column("Attached", "boolean", DOCS.vaAttached),
    AGE_COLUMN,
  ],
  cells: (va, { now }) => [
    va.metadata?.name ?? "",
    va.spec?.attacher ?? "",
    va.spec?.source?.persistentVolumeName ?? "",
    va.spec?.nodeName ?? "",
    va.status?.attached ?? false,
    age(va, now),
  ],
}

const DEFAULT_VAC = "volumeattributesclass.alpha.kubernetes.io/is-default-class"

/** VolumeAttributesClasses: NAME DRIVERNAME AGE; the default class's name ends in ` (default)`. */
export const volumeAttributesClassPrinter: Printer<VolumeAttributesClass> = {
  columns: [NAME_COLUMN, column("DriverName", "string", DOCS.vacDriverName), AGE_COLUMN],
  cells(vac, { now }) {
    const name = vac.metadata?.name ?? ""
    const isDefault = vac.metadata?.annotations?.[DEFAULT_VAC] === "true"
    return [isDefault ? `${name} (default)` : name, vac.driverName ?? "", age(vac, now)]
  },
}
