/**
 * The binder's writes (upstream's bind, updateClaimStatus, updateVolumePhase, unbindVolume): each
 * writes only when something changes, and returns what the API server stored so the next write
 * of the same sync builds on it.
 */
import { claimRefOf, PersistentVolumeClaims, PersistentVolumes } from "../../api/index.ts"
import type { Client, EventRecorder } from "../../client/index.ts"
import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  isVolumeBoundToClaim,
  type Pv,
  type Pvc,
} from "./helpers.ts"

/** What the binder's syncs need. */
export interface BinderContext {
  readonly client: Client
  readonly recorder: EventRecorder
}

function withAnnotation<T extends Pv | Pvc>(obj: T, name: string): T {
  const meta = obj.metadata ?? {}
  return { ...obj, metadata: { ...meta, annotations: { ...(meta.annotations ?? {}), [name]: "yes" } } }
}

/** Points the volume's claimRef at `claim` (marking it bound-by-controller when the binder chose it). */
async function bindVolumeToClaim(ctx: BinderContext, pv: Pv, claim: Pvc): Promise<Pv> {
  const ref = pv.spec?.claimRef
  const m = claim.metadata ?? {}
  if (ref && ref.uid === m.uid && ref.name === m.name && ref.namespace === m.namespace) return pv
  let next: Pv = { ...structuredClone(pv), spec: { ...(pv.spec ?? {}), claimRef: claimRefOf(claim) } }
  if (!isVolumeBoundToClaim(pv, claim)) next = withAnnotation(next, ANN_BOUND_BY_CONTROLLER)
  return ctx.client.resource(PersistentVolumes).update(next)
}

/** Sets the claim's volumeName and bind-completed annotation. */
async function bindClaimToVolume(ctx: BinderContext, claim: Pvc, pv: Pv): Promise<Pvc> {
  const name = pv.metadata?.name ?? ""
  const done = claim.metadata?.annotations?.[ANN_BIND_COMPLETED] !== undefined
  if (claim.spec?.volumeName === name && done) return claim
  let next: Pvc = structuredClone(claim)
  if (next.spec?.volumeName !== name) {
    next = withAnnotation(
      { ...next, spec: { ...(next.spec ?? {}), volumeName: name } },
      ANN_BOUND_BY_CONTROLLER,
    )
  }
  next = withAnnotation(next, ANN_BIND_COMPLETED)
  return ctx.client.resource(PersistentVolumeClaims).update(next)
}

/** Sets the volume's phase (and message) when it differs; emits the event only on a change. */
export async function updateVolumePhase(
  ctx: BinderContext,
  pv: Pv,
  phase: string,
  event?: { type: "Normal" | "Warning"; reason: string; message: string },
): Promise<Pv> {
  if (pv.status?.phase === phase) return pv
  const status = { ...(pv.status ?? {}), phase, ...(event ? { message: event.message } : {}) }
  if (!event) delete status.message
  const next = await ctx.client.resource(PersistentVolumes).updateStatus({ ...pv, status })
  if (event) ctx.recorder.event(next, event.type, event.reason, event.message, PersistentVolumes)
  return next
}

/** Sets the claim's phase, and access modes and capacity from `pv` (cleared without one). */
export async function updateClaimStatus(
  ctx: BinderContext,
  claim: Pvc,
  phase: string,
  pv: Pv | undefined,
): Promise<Pvc> {
  const cur = claim.status ?? {}
  const status = { ...cur, phase }
  if (pv) {
    status.accessModes = pv.spec?.accessModes ?? []
    if (pv.spec?.capacity) status.capacity = pv.spec.capacity
  } else {
    delete status.accessModes
    delete status.capacity
  }
  if (JSON.stringify(status) === JSON.stringify(cur)) return claim
  return ctx.client.resource(PersistentVolumeClaims).updateStatus({ ...claim, status })
}

/** Like updateClaimStatus, with an event when the phase changes. */
export async function updateClaimPhaseWithEvent(
  ctx: BinderContext,
  claim: Pvc,
  phase: string,
  event: { type: "Normal" | "Warning"; reason: string; message: string },
): Promise<Pvc> {
  if (claim.status?.phase === phase) return claim
  const next = await updateClaimStatus(ctx, claim, phase, undefined)
  ctx.recorder.event(next, event.type, event.reason, event.message, PersistentVolumeClaims)
  return next
}

/** Binds volume and claim both ways and sets both phases to Bound (upstream's bind). */
export async function bind(ctx: BinderContext, pv: Pv, claim: Pvc): Promise<void> {
  const volume = await bindVolumeToClaim(ctx, pv, claim)
  await updateVolumePhase(ctx, volume, "Bound")
  const bound = await bindClaimToVolume(ctx, claim, volume)
  await updateClaimStatus(ctx, bound, "Bound", volume)
}

/**
 * Frees a volume whose claim went elsewhere: the binder's own claimRef is removed; a user's
 * pre-binding keeps the name and loses the UID. The volume becomes Available.
 */
export async function unbindVolume(ctx: BinderContext, pv: Pv): Promise<void> {
  const next: Pv = structuredClone(pv)
  const spec = (next.spec ??= {})
  const annotations = next.metadata?.annotations ?? {}
  if (annotations[ANN_BOUND_BY_CONTROLLER] !== undefined) {
    delete spec.claimRef
    delete annotations[ANN_BOUND_BY_CONTROLLER]
  } else if (spec.claimRef) {
    spec.claimRef = { ...spec.claimRef }
    delete spec.claimRef.uid
  }
  const saved = await ctx.client.resource(PersistentVolumes).update(next)
  await updateVolumePhase(ctx, saved, "Available")
}
