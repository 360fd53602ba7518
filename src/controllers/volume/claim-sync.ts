/**
 * The binder's claim side (upstream's syncClaim): an unbound claim gets its best matching volume,
 * waits for its first consumer, is handed to its class's provisioner, or waits with an event;
 * a bound claim keeps its phase, or turns Lost when its volume is gone or bound elsewhere.
 */
import { PersistentVolumeClaims } from "../../api/index.ts"
import {
  ANN_BETA_STORAGE_CLASS,
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  classOf,
  isDelayBinding,
  type Pv,
  type Pvc,
  type Sc,
} from "./helpers.ts"
import { findBestMatch, volumeMismatch } from "../../api/index.ts"
import { bind, type BinderContext, updateClaimPhaseWithEvent, updateClaimStatus } from "./writes.ts"

/** What claim syncs read: the binder's caches. */
export interface ClaimView {
  readonly volumes: () => readonly Pv[]
  readonly volume: (name: string) => Pv | undefined
  readonly storageClass: (name: string) => Sc | undefined
  /** The default StorageClass, if one is marked. */
  readonly defaultClass: () => Sc | undefined
}

/** Syncs one claim. */
export async function syncClaim(ctx: BinderContext, view: ClaimView, claim: Pvc): Promise<void> {
  if (claim.metadata?.annotations?.[ANN_BIND_COMPLETED] === undefined) {
    await syncUnboundClaim(ctx, view, claim)
  } else {
    await syncBoundClaim(ctx, view, claim)
  }
}

async function syncUnboundClaim(ctx: BinderContext, view: ClaimView, claim: Pvc): Promise<void> {
  const name = claim.spec?.volumeName
  if (!name) return syncClaimWithoutVolume(ctx, view, claim)
  const pv = view.volume(name)
  // The user asked for a volume that does not exist (yet): wait for it.
  if (!pv) return void (await updateClaimStatus(ctx, claim, "Pending", undefined))
  const ref = pv.spec?.claimRef
  if (!ref || (ref.name === claim.metadata?.name && ref.namespace === claim.metadata?.namespace)) {
    if (ref?.uid && ref.uid !== claim.metadata?.uid) return pending(ctx, claim, alreadyBound(name))
    const why = volumeMismatch(pv, claim)
    if (why) {
      ctx.recorder.event(
        claim,
        "Warning",
        "VolumeMismatch",
        `Cannot bind to requested volume "${name}": ${why}`,
        PersistentVolumeClaims,
      )
      return void (await updateClaimStatus(ctx, claim, "Pending", undefined))
    }
    return bind(ctx, pv, claim)
  }
  return pending(ctx, claim, alreadyBound(name))
}

function alreadyBound(name: string) {
  return { reason: "FailedBinding", message: `volume "${name}" already bound to a different claim.` }
}

async function pending(ctx: BinderContext, claim: Pvc, e: { reason: string; message: string }) {
  ctx.recorder.event(claim, "Warning", e.reason, e.message, PersistentVolumeClaims)
  await updateClaimStatus(ctx, claim, "Pending", undefined)
}

/** True when the claim names no class at all (an empty string is an explicit "no class"). */
export function hasNoClass(claim: Pvc): boolean {
  const beta = claim.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS]
  return (claim.spec?.storageClassName ?? null) === null && beta === undefined
}

async function syncClaimWithoutVolume(ctx: BinderContext, view: ClaimView, claim: Pvc): Promise<void> {
  const sc = hasNoClass(claim) ? view.defaultClass() : undefined
  if (sc?.metadata?.name) {
    // Retroactive default class: a claim made before the default class existed gets it now.
    const next: Pvc = structuredClone(claim)
    next.spec = { ...(next.spec ?? {}), storageClassName: sc.metadata.name }
    await ctx.client.resource(PersistentVolumeClaims).update(next)
    return
  }
  const delayBinding = isDelayBinding(claim, view.storageClass)
  const pv = findBestMatch(claim, view.volumes(), { delayBinding })
  if (pv) return bind(ctx, pv, claim)
  const selected = claim.metadata?.annotations?.[ANN_SELECTED_NODE] !== undefined
  if (delayBinding && !selected) {
    ctx.recorder.event(
      claim,
      "Normal",
      "WaitForFirstConsumer",
      "waiting for first consumer to be created before binding",
      PersistentVolumeClaims,
    )
    return void (await updateClaimStatus(ctx, claim, "Pending", undefined))
  }
  if (classOf(claim)) return provisionClaim(ctx, view, claim)
  ctx.recorder.event(
    claim,
    "Normal",
    "FailedBinding",
    "no persistent volumes available for this claim and no storage class is set",
    PersistentVolumeClaims,
  )
  await updateClaimStatus(ctx, claim, "Pending", undefined)
}

/** Hands the claim to its class's provisioner through the storage-provisioner annotations. */
async function provisionClaim(ctx: BinderContext, view: ClaimView, claim: Pvc): Promise<void> {
  const className = classOf(claim)
  const sc = view.storageClass(className)
  if (!sc) {
    const message = `storageclass.storage.k8s.io "${className}" not found`
    ctx.recorder.event(claim, "Warning", "ProvisioningFailed", message, PersistentVolumeClaims)
    return void (await updateClaimStatus(ctx, claim, "Pending", undefined))
  }
  const provisioner = sc.provisioner
  let cur = claim
  const a = claim.metadata?.annotations ?? {}
  if (a[ANN_STORAGE_PROVISIONER] !== provisioner || a[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
    const next: Pvc = structuredClone(claim)
    const meta = (next.metadata ??= {})
    meta.annotations = {
      ...(meta.annotations ?? {}),
      [ANN_STORAGE_PROVISIONER]: provisioner,
      [ANN_BETA_STORAGE_PROVISIONER]: provisioner,
    }
    cur = await ctx.client.resource(PersistentVolumeClaims).update(next)
  }
  ctx.recorder.event(
    cur,
    "Normal",
    "ExternalProvisioning",
    `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that your external provisioner is running and correctly registered.`,
    PersistentVolumeClaims,
  )
  await updateClaimStatus(ctx, cur, "Pending", undefined)
}

async function syncBoundClaim(ctx: BinderContext, view: ClaimView, claim: Pvc): Promise<void> {
  const name = claim.spec?.volumeName
  if (!name) {
    return void (await updateClaimPhaseWithEvent(ctx, claim, "Lost", {
      type: "Warning",
      reason: "ClaimLost",
      message: "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
    }))
  }
  const pv = view.volume(name)
  if (!pv) {
    return void (await updateClaimPhaseWithEvent(ctx, claim, "Lost", {
      type: "Warning",
      reason: "ClaimLost",
      message: "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
    }))
  }
  const ref = pv.spec?.claimRef
  if (!ref || ref.uid === claim.metadata?.uid) return bind(ctx, pv, claim)
  await updateClaimPhaseWithEvent(ctx, claim, "Lost", {
    type: "Warning",
    reason: "ClaimMisbound",
    message: "Two claims are bound to the same volume, this one is bound incorrectly",
  })
}
