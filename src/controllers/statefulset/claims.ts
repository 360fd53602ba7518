/**
 * The PersistentVolumeClaims of a StatefulSet's pods: created from volumeClaimTemplates before
 * the pod, and owned according to persistentVolumeClaimRetentionPolicy (upstream's rules: the
 * set owns them when whenDeleted is Delete, a scaled-away pod owns them when whenScaled is
 * Delete, so the garbage collector removes them with their owner).
 */
import {
  type ApiObject,
  controllerRef,
  findResource,
  groupVersion,
  isAlreadyExists,
  type OwnerReference,
  Pods,
  type ResourceRef,
  StatefulSets,
} from "../../api/index.ts"
import type { PodObject } from "../set-pods/index.ts"
import type { SetContext } from "./context.ts"
import { type ClaimObject, claimsFor, inOrdinalRange, ordinalOf, type StatefulSetObject } from "./identity.ts"

/** The persistentvolumeclaims resource. */
export const PersistentVolumeClaims = findResource(
  "",
  "v1",
  "persistentvolumeclaims",
) as ResourceRef<ClaimObject>

type Policy = "Retain" | "Delete"

function policyOf(set: StatefulSetObject): { whenDeleted: Policy; whenScaled: Policy } {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy
  return {
    whenDeleted: p?.whenDeleted === "Delete" ? "Delete" : "Retain",
    whenScaled: p?.whenScaled === "Delete" ? "Delete" : "Retain",
  }
}

function keyOfClaim(claim: ClaimObject): string {
  return `${claim.metadata?.namespace ?? ""}/${claim.metadata?.name ?? ""}`
}

function claimEvent(
  ctx: SetContext,
  set: StatefulSetObject,
  pod: PodObject,
  claim: ClaimObject,
  err?: unknown,
): void {
  const c = claim.metadata?.name ?? ""
  const p = pod.metadata?.name ?? ""
  const s = set.metadata?.name ?? ""
  if (err === undefined) {
    ctx.recorder.event(
      set,
      "Normal",
      "SuccessfulCreate",
      `create Claim ${c} Pod ${p} in StatefulSet ${s} success`,
    )
  } else {
    const why = err instanceof Error ? err.message : String(err)
    ctx.recorder.event(
      set,
      "Warning",
      "FailedCreate",
      `create Claim ${c} for Pod ${p} in StatefulSet ${s} failed error: ${why}`,
    )
  }
}

/** Creates the claims the pod needs that do not exist yet. @throws Error when one cannot be */
export async function createClaims(ctx: SetContext, set: StatefulSetObject, pod: PodObject): Promise<void> {
  const errors: string[] = []
  for (const claim of claimsFor(set, ordinalOf(pod)).values()) {
    const cached = ctx.claims.get(keyOfClaim(claim))
    if (cached) {
      if (cached.metadata?.deletionTimestamp)
        errors.push(`pvc ${claim.metadata?.name ?? ""} is being deleted`)
      continue
    }
    try {
      await ctx.client.resource(PersistentVolumeClaims).create(claim)
      claimEvent(ctx, set, pod, claim)
    } catch (err) {
      // Already there: the cache had not seen it yet.
      if (isAlreadyExists(err)) continue
      claimEvent(ctx, set, pod, claim, err)
      errors.push(`failed to create PVC ${claim.metadata?.name ?? ""}: ${String(err)}`)
    }
  }
  if (errors.length) throw new Error(errors.join("; "))
}

/** True when `ref` names `obj`, an object of resource `of`, by name (whatever its uid). */
function matchesRef(ref: OwnerReference, obj: ApiObject, of: ResourceRef): boolean {
  return ref.apiVersion === groupVersion(of) && ref.kind === of.kind && ref.name === obj.metadata?.name
}

function hasOwnerRef(claim: ClaimObject, owner: ApiObject): boolean {
  const uid = owner.metadata?.uid
  return !!uid && (claim.metadata?.ownerReferences ?? []).some((r) => r.uid === uid)
}

/** True when the claim refers to an earlier object of the same name (a stale reference). */
function hasStaleOwnerRef(claim: ClaimObject, obj: ApiObject, of: ResourceRef): boolean {
  const ref = (claim.metadata?.ownerReferences ?? []).find((r) => matchesRef(r, obj, of))
  return !!ref && ref.uid !== obj.metadata?.uid
}

/** True when some other controller manages the claim while the policy would have us do it. */
function hasUnexpectedController(claim: ClaimObject, set: StatefulSetObject, pod: PodObject): boolean {
  const policy = policyOf(set)
  if (policy.whenDeleted === "Retain" && policy.whenScaled === "Retain") return false
  for (const ref of claim.metadata?.ownerReferences ?? []) {
    if (matchesRef(ref, set, StatefulSets)) {
      if (ref.uid !== set.metadata?.uid) return true
      continue
    }
    if (matchesRef(ref, pod, Pods)) {
      if (ref.uid !== pod.metadata?.uid) return true
      continue
    }
    if (ref.controller) return true
  }
  return false
}

function hasNonControllerOwner(claim: ClaimObject, set: StatefulSetObject, pod: PodObject): boolean {
  return (claim.metadata?.ownerReferences ?? []).some(
    (r) => (r.uid === set.metadata?.uid || r.uid === pod.metadata?.uid) && !r.controller,
  )
}

/** The owners the policy wants on a claim of `pod`: the set, the pod, both or neither. */
function wantedOwners(set: StatefulSetObject, pod: PodObject): { set: boolean; pod: boolean } {
  const policy = policyOf(set)
  const scaledDown = !inOrdinalRange(pod, set)
  return {
    set: policy.whenDeleted === "Delete" && (policy.whenScaled === "Retain" || !scaledDown),
    pod: policy.whenScaled === "Delete" && scaledDown,
  }
}

/** True when the claim's owner references agree with the set's retention policy. */
function isClaimOwnerUpToDate(claim: ClaimObject, set: StatefulSetObject, pod: PodObject): boolean {
  // Owned by an earlier set or pod of the same name: leave it to the garbage collector.
  if (hasStaleOwnerRef(claim, set, StatefulSets) || hasStaleOwnerRef(claim, pod, Pods)) return true
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod))
  if (hasNonControllerOwner(claim, set, pod)) return false
  const want = wantedOwners(set, pod)
  return hasOwnerRef(claim, set) === want.set && hasOwnerRef(claim, pod) === want.pod
}

/** The claim's owner references rewritten for the set's retention policy. */
function ownersForPolicy(claim: ClaimObject, set: StatefulSetObject, pod: PodObject): OwnerReference[] {
  const unexpected = hasUnexpectedController(claim, set, pod)
  const refs = (claim.metadata?.ownerReferences ?? []).filter(
    (r) => !matchesRef(r, set, StatefulSets) && !matchesRef(r, pod, Pods),
  )
  if (unexpected) return refs
  const want = wantedOwners(set, pod)
  if (want.set) refs.push(controllerRef(set, StatefulSets))
  if (want.pod && pod.metadata?.uid) refs.push(controllerRef(pod, Pods))
  return refs
}

function podClaims(ctx: SetContext, set: StatefulSetObject, pod: PodObject): ClaimObject[] {
  const out: ClaimObject[] = []
  for (const claim of claimsFor(set, ordinalOf(pod)).values()) {
    const cached = ctx.claims.get(keyOfClaim(claim))
    if (cached) out.push(cached)
  }
  return out
}

/** True when every existing claim of the pod is owned as the retention policy says. */
export function claimsMatchRetentionPolicy(ctx: SetContext, set: StatefulSetObject, pod: PodObject): boolean {
  return podClaims(ctx, set, pod).every((c) => isClaimOwnerUpToDate(c, set, pod))
}

/** Rewrites the owner references of the pod's claims that disagree with the retention policy. */
export async function updateClaimsForRetentionPolicy(
  ctx: SetContext,
  set: StatefulSetObject,
  pod: PodObject,
): Promise<void> {
  for (const claim of podClaims(ctx, set, pod)) {
    if (hasUnexpectedController(claim, set, pod)) {
      ctx.recorder.event(
        set,
        "Warning",
        "ConflictingController",
        `PersistentVolumeClaim ${claim.metadata?.name ?? ""} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`,
      )
    }
    if (isClaimOwnerUpToDate(claim, set, pod)) continue
    const next = structuredClone(claim) as ClaimObject
    ;(next.metadata as NonNullable<ClaimObject["metadata"]>).ownerReferences = ownersForPolicy(
      claim,
      set,
      pod,
    )
    await ctx.client.resource(PersistentVolumeClaims).update(next)
  }
}

/**
 * True when a claim of a pod about to be created still belongs to an earlier pod of that name
 * (whenScaled Delete): the garbage collector will remove it, and the pod must wait for that.
 */
export function podClaimIsStale(ctx: SetContext, set: StatefulSetObject, pod: PodObject): boolean {
  if (policyOf(set).whenScaled === "Retain") return false
  return podClaims(ctx, set, pod).some((c) => hasStaleOwnerRef(c, pod, Pods))
}
