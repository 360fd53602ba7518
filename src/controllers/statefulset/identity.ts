/**
 * The stable identity of a StatefulSet's pods (upstream's stateful_set_utils): names
 * `<set>-<ordinal>`, hostname and subdomain, the pod-name, pod-index and revision labels, and
 * the claims `<template>-<set>-<ordinal>` mounted in place of the template's volumes.
 */
import type { StatefulSet } from "kubernetes-types/apps/v1.js"
import type { PersistentVolumeClaim, Volume } from "kubernetes-types/core/v1.js"
import { type ApiObject, controllerRef, StatefulSets } from "../../api/index.ts"
import { podFromTemplate, type PodObject } from "../set-pods/index.ts"

/** A StatefulSet as the controller reads it. */
export type StatefulSetObject = StatefulSet & ApiObject
/** A PersistentVolumeClaim as the controller reads and writes it. */
export type ClaimObject = PersistentVolumeClaim & ApiObject

/** The label holding a stateful pod's own name (a per-pod Service selects on it). */
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
/** The label holding a stateful pod's ordinal. */
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
/** The label holding the name of the revision a pod was made from. */
export const REVISION_LABEL = "controller-revision-hash"

const POD_NAME = /^(.*)-([0-9]+)$/

/** The parent set's name and the ordinal in a stateful pod's name (-1 when it has none). */
export function parentAndOrdinal(name: string): { parent: string; ordinal: number } {
  const m = POD_NAME.exec(name)
  if (!m) return { parent: "", ordinal: -1 }
  const ordinal = Number(m[2])
  return { parent: m[1] as string, ordinal: ordinal <= 0x7fffffff ? ordinal : -1 }
}

/** The ordinal of a stateful pod (-1 when its name has none). */
export function ordinalOf(pod: ApiObject): number {
  return parentAndOrdinal(pod.metadata?.name ?? "").ordinal
}

/** The first ordinal of the set (spec.ordinals.start, default 0). */
export function startOrdinal(set: StatefulSetObject): number {
  return set.spec?.ordinals?.start ?? 0
}

/** The number of pods the set wants. */
export function replicasOf(set: StatefulSetObject): number {
  return set.spec?.replicas ?? 1
}

/** True when the pod's ordinal is one the set wants now. */
export function inOrdinalRange(pod: ApiObject, set: StatefulSetObject): boolean {
  const o = ordinalOf(pod)
  const start = startOrdinal(set)
  return o >= start && o < start + replicasOf(set)
}

/** The name of the set's pod with ordinal `ordinal`. */
export function podName(set: StatefulSetObject, ordinal: number): string {
  return `${set.metadata?.name ?? ""}-${ordinal}`
}

/** The name of the claim of template `template` for the pod with ordinal `ordinal`. */
export function claimName(set: StatefulSetObject, template: string, ordinal: number): string {
  return `${template}-${set.metadata?.name ?? ""}-${ordinal}`
}

/** True when the pod's name makes it a member of the set. */
export function isMemberOf(set: StatefulSetObject, pod: ApiObject): boolean {
  return parentAndOrdinal(pod.metadata?.name ?? "").parent === set.metadata?.name
}

/** True when the pod has the name, namespace and pod-name label of a member of the set. */
export function identityMatches(set: StatefulSetObject, pod: PodObject): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata?.name ?? "")
  return (
    ordinal >= 0 &&
    parent === set.metadata?.name &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    pod.metadata?.labels?.[POD_NAME_LABEL] === pod.metadata?.name
  )
}

/** True when the pod mounts every claim of the set's templates under the template's name. */
export function storageMatches(set: StatefulSetObject, pod: PodObject): boolean {
  const ordinal = ordinalOf(pod)
  if (ordinal < 0) return false
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]))
  return (set.spec?.volumeClaimTemplates ?? []).every((t) => {
    const v = volumes.get(t.metadata?.name ?? "")
    return v?.persistentVolumeClaim?.claimName === claimName(set, t.metadata?.name ?? "", ordinal)
  })
}

/** The claims the pod with ordinal `ordinal` needs, keyed by template name. */
export function claimsFor(set: StatefulSetObject, ordinal: number): Map<string, ClaimObject> {
  const out = new Map<string, ClaimObject>()
  const selectorLabels = set.spec?.selector?.matchLabels ?? {}
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const template = t.metadata?.name ?? ""
    const claim = structuredClone(t) as ClaimObject
    claim.apiVersion = "v1"
    claim.kind = "PersistentVolumeClaim"
    claim.metadata = {
      ...(claim.metadata ?? {}),
      name: claimName(set, template, ordinal),
      namespace: set.metadata?.namespace ?? "",
      labels: { ...(t.metadata?.labels ?? {}), ...selectorLabels },
    }
    delete (claim as { status?: unknown }).status
    out.set(template, claim)
  }
  return out
}

/** Replaces the pod's volumes named like a claim template with that claim. */
function updateStorage(set: StatefulSetObject, pod: PodObject): void {
  const claims = claimsFor(set, ordinalOf(pod))
  const volumes: Volume[] = [...claims].map(([name, claim]) => ({
    name,
    persistentVolumeClaim: { claimName: claim.metadata?.name ?? "" },
  }))
  for (const v of pod.spec?.volumes ?? []) if (!claims.has(v.name)) volumes.push(v)
  ;(pod.spec as { volumes?: Volume[] }).volumes = volumes
}

/** Sets the pod's name, namespace, pod-name and pod-index labels from its ordinal. */
export function updateIdentity(set: StatefulSetObject, pod: PodObject): void {
  const ordinal = ordinalOf(pod)
  const meta = pod.metadata ?? (pod.metadata = {})
  meta.name = podName(set, ordinal)
  meta.namespace = set.metadata?.namespace ?? ""
  meta.labels = { ...(meta.labels ?? {}), [POD_NAME_LABEL]: meta.name, [POD_INDEX_LABEL]: String(ordinal) }
}

/** The revision label of a pod ("" when it has none). */
export function podRevision(pod: ApiObject): string {
  return pod.metadata?.labels?.[REVISION_LABEL] ?? ""
}

/** A new pod of the set with ordinal `ordinal`, made from the set's template. */
export function newStatefulSetPod(set: StatefulSetObject, ordinal: number): PodObject {
  const name = podName(set, ordinal)
  const pod = podFromTemplate(set.spec?.template, set.metadata?.name ?? "", controllerRef(set, StatefulSets))
  const meta = pod.metadata as NonNullable<PodObject["metadata"]>
  delete meta.generateName
  meta.name = name
  updateIdentity(set, pod)
  const spec = pod.spec as { hostname?: string; subdomain?: string }
  // Hostname and subdomain are immutable: set only when the pod is created.
  spec.hostname = name
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName
  updateStorage(set, pod)
  return pod
}

/**
 * A new pod with ordinal `ordinal` at the revision the update strategy gives it: ordinals below
 * the partition stay at the current revision, the others get the update revision.
 */
export function newVersionedPod(
  currentSet: StatefulSetObject,
  updateSet: StatefulSetObject,
  revisions: { readonly current: string; readonly update: string },
  ordinal: number,
): PodObject {
  const strategy = currentSet.spec?.updateStrategy
  const start = startOrdinal(currentSet)
  const isRolling = (strategy?.type ?? "RollingUpdate") === "RollingUpdate"
  const partition = strategy?.rollingUpdate?.partition
  const keepCurrent =
    (isRolling && partition === undefined && ordinal < start + (currentSet.status?.currentReplicas ?? 0)) ||
    (partition !== undefined && ordinal < start + partition)
  const pod = newStatefulSetPod(keepCurrent ? currentSet : updateSet, ordinal)
  const meta = pod.metadata as NonNullable<PodObject["metadata"]>
  meta.labels = {
    ...(meta.labels ?? {}),
    [REVISION_LABEL]: keepCurrent ? revisions.current : revisions.update,
  }
  return pod
}
