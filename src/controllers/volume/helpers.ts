/**
 * What the volume controllers share: upstream's annotation and finalizer names, the object types,
 * and small predicates over claims, volumes and classes (component-helpers/storage/volume).
 */
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js"
import type { StorageClass } from "kubernetes-types/storage/v1.js"
import { type ApiObject, classOf } from "../../api/index.ts"

export { classOf, isVolumeBoundToClaim, volumeFitsNode } from "../../api/index.ts"

export type Pv = PersistentVolume & ApiObject
export type Pvc = PersistentVolumeClaim & ApiObject
export type Sc = StorageClass & ApiObject

/** Set on a claim once the binder finished binding it. */
export const ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
/** Set on a claim or volume whose binding the binder made (not the user). */
export const ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
/** The provisioner that created a volume. */
export const ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
/** The provisioner asked to provision a claim. */
export const ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
/** The deprecated beta form of ANN_STORAGE_PROVISIONER, still written. */
export const ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
/** The node the scheduler picked for a WaitForFirstConsumer claim. */
export const ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
/** The deprecated class annotation, which wins over spec.storageClassName. */
export const ANN_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
/** The annotation that marks the default StorageClass. */
export const ANN_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
/** Its beta form. */
export const ANN_BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class"
/** Holds a claim while a pod uses it. */
export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
/** Holds a volume while it is bound. */
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection"
/** The binder's component name in Events. */
export const BINDER_COMPONENT = "persistentvolume-controller"

/** True when `obj` carries annotation `name` (any value). */
export function hasAnnotation(obj: ApiObject, name: string): boolean {
  return obj.metadata?.annotations?.[name] !== undefined
}

/** "ns/name" of the claim a volume's claimRef names. */
export function claimRefKey(pv: Pv): string | undefined {
  const ref = pv.spec?.claimRef
  return ref?.name ? `${ref.namespace ?? ""}/${ref.name}` : undefined
}

/** True when the class exists and delays binding until a pod uses the claim. */
export function isDelayBinding(claim: Pvc, classes: (name: string) => Sc | undefined): boolean {
  const name = classOf(claim)
  return !!name && classes(name)?.volumeBindingMode === "WaitForFirstConsumer"
}

/** True when the class is marked default (either annotation "true"). */
export function isDefaultClass(sc: Sc): boolean {
  const a = sc.metadata?.annotations ?? {}
  return a[ANN_DEFAULT_CLASS] === "true" || a[ANN_BETA_DEFAULT_CLASS] === "true"
}

/** The default class among `classes`: marked default, the newest (then the first by name) when several are. */
export function defaultClassOf(classes: readonly Sc[]): Sc | undefined {
  const marked = classes.filter(isDefaultClass)
  marked.sort((a, b) => {
    const t = (b.metadata?.creationTimestamp ?? "").localeCompare(a.metadata?.creationTimestamp ?? "")
    return t !== 0 ? t : (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "")
  })
  return marked[0]
}
