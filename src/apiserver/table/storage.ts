/** Printers of PersistentVolumes, PersistentVolumeClaims and StorageClasses. */
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js"
import type { StorageClass } from "kubernetes-types/storage/v1.js"
import { DOCS } from "./descriptions.ts"
import { age, quantity } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, wide, type Printer } from "./types.ts"

const BETA_CLASS = "volume.beta.kubernetes.io/storage-class"
const MODES: [string, string][] = [
  ["ReadWriteOnce", "RWO"],
  ["ReadOnlyMany", "ROX"],
  ["ReadWriteMany", "RWX"],
  ["ReadWriteOncePod", "RWOP"],
]

/** `RWO,ROX,RWX,RWOP` in that order, each once. */
export function accessModes(modes: readonly string[] | undefined): string {
  const set = new Set(modes ?? [])
  return MODES.filter(([m]) => set.has(m))
    .map(([, short]) => short)
    .join(",")
}

function storageClass(obj: PersistentVolume | PersistentVolumeClaim): string {
  const beta = obj.metadata?.annotations?.[BETA_CLASS]
  return beta !== undefined ? beta : (obj.spec?.storageClassName ?? "")
}

function phaseOf(obj: PersistentVolume | PersistentVolumeClaim): string {
  return obj.metadata?.deletionTimestamp ? "Terminating" : (obj.status?.phase ?? "")
}

/** PersistentVolumes: NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE | VOLUMEMODE. */
export const persistentVolumePrinter: Printer<PersistentVolume> = {
  columns: [
    NAME_COLUMN,
    column("Capacity", "string", DOCS.pvCapacity),
    column("Access Modes", "string", DOCS.pvAccessModes),
    column("Reclaim Policy", "string", DOCS.pvReclaimPolicy),
    column("Status", "string", DOCS.pvPhase),
    column("Claim", "string", DOCS.pvClaimRef),
    column("StorageClass", "string", "StorageClass of the pv"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
    column("Reason", "string", DOCS.pvReason),
    AGE_COLUMN,
    wide("VolumeMode", DOCS.pvVolumeMode),
  ],
  cells(pv, { now }) {
    const claim = pv.spec?.claimRef
    return [
      pv.metadata?.name ?? "",
      quantity(pv.spec?.capacity?.["storage"]),
      accessModes(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? "",
      phaseOf(pv),
      claim ? `${claim.namespace ?? ""}/${claim.name ?? ""}` : "",
      storageClass(pv),
      pv.spec?.volumeAttributesClassName ?? "<unset>",
      pv.status?.reason ?? "",
      age(pv, now),
      pv.spec?.volumeMode ?? "<unset>",
    ]
  },
}

/** PersistentVolumeClaims: NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE | VOLUMEMODE. */
export const persistentVolumeClaimPrinter: Printer<PersistentVolumeClaim> = {
  columns: [
    NAME_COLUMN,
    column("Status", "string", DOCS.pvcPhase),
    column("Volume", "string", DOCS.pvcVolumeName),
    column("Capacity", "string", DOCS.pvcCapacity),
    column("Access Modes", "string", DOCS.pvcAccessModes),
    column("StorageClass", "string", "StorageClass of the pvc"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
    AGE_COLUMN,
    wide("VolumeMode", DOCS.pvcVolumeMode),
  ],
  cells(pvc, { now }) {
    // Capacity and modes are the bound volume's, so they show only once bound
    const bound = !!pvc.spec?.volumeName
    return [
      pvc.metadata?.name ?? "",
      phaseOf(pvc),
      pvc.spec?.volumeName ?? "",
      bound ? quantity(pvc.status?.capacity?.["storage"]) : "",
      bound ? accessModes(pvc.status?.accessModes) : "",
      storageClass(pvc),
      pvc.spec?.volumeAttributesClassName ?? "<unset>",
      age(pvc, now),
      pvc.spec?.volumeMode ?? "<unset>",
    ]
  },
}

const DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
const BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class"

/** StorageClasses: NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE; "(default)" after the default's name. */
export const storageClassPrinter: Printer<StorageClass> = {
  columns: [
    NAME_COLUMN,
    column("Provisioner", "string", "Provisioner indicates the type of the provisioner."),
    column(
      "ReclaimPolicy",
      "string",
      "ReclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.",
    ),
    column(
      "VolumeBindingMode",
      "string",
      "VolumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.",
    ),
    column(
      "AllowVolumeExpansion",
      "string",
      "AllowVolumeExpansion shows whether the storage class allow volume expand.",
    ),
    AGE_COLUMN,
  ],
  cells: (sc, { now }) => {
    const a = sc.metadata?.annotations ?? {}
    const isDefault = a[DEFAULT_CLASS] === "true" || a[BETA_DEFAULT_CLASS] === "true"
    return [
      `${sc.metadata?.name ?? ""}${isDefault ? " (default)" : ""}`,
      sc.provisioner,
      sc.reclaimPolicy ?? "Delete",
      sc.volumeBindingMode ?? "Immediate",
      String(sc.allowVolumeExpansion ?? false),
      age(sc, now),
    ]
  },
}
