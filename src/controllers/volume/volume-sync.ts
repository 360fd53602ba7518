/**
 * The binder's volume side (upstream's syncVolume and reclaimVolume): a free or pre-bound volume
 * is Available, one whose claim is bound to it is Bound, and one whose claim is gone is Released
 * and reclaimed by its policy: Retain keeps it, Delete deletes it (a provisioner deletes its
 * own), Recycle is not supported and fails it.
 */
import { ignoreNotFound, PersistentVolumes } from "../../api/index.ts"
import type { KeyQueue } from "../../client/index.ts"
import { ANN_PROVISIONED_BY, claimRefKey, hasAnnotation, type Pv, type Pvc } from "./helpers.ts"
import { type BinderContext, unbindVolume, updateVolumePhase } from "./writes.ts"

/** What volume syncs read and whom they wake. */
export interface VolumeView {
  readonly claim: (key: string) => Pvc | undefined
  /** Enqueues a claim key for the claim side. */
  readonly queue: KeyQueue
}

/** Syncs one volume. */
export async function syncVolume(ctx: BinderContext, view: VolumeView, pv: Pv): Promise<void> {
  const ref = pv.spec?.claimRef
  // Unused, or reserved for a claim that has not bound yet: the claim side binds it.
  if (!ref || !ref.uid) return void (await updateVolumePhase(ctx, pv, "Available"))
  const key = claimRefKey(pv) ?? ""
  let claim = view.claim(key)
  // A claim of the same name but another UID is a new claim: the old one was deleted.
  if (claim && claim.metadata?.uid !== ref.uid) claim = undefined
  if (!claim) return releaseAndReclaim(ctx, pv)
  const volumeName = claim.spec?.volumeName
  if (!volumeName) {
    // Bound on the volume's side only (the binder's half-done bind, or a provisioned volume).
    view.queue.add(key)
    return
  }
  if (volumeName === pv.metadata?.name) return void (await updateVolumePhase(ctx, pv, "Bound"))
  // The claim is bound to another volume.
  if (hasAnnotation(pv, ANN_PROVISIONED_BY) && pv.spec?.persistentVolumeReclaimPolicy === "Delete") {
    return releaseAndReclaim(ctx, pv)
  }
  // The binder's own choice loses its claimRef; a user's pre-binding keeps the name, loses the UID.
  await unbindVolume(ctx, pv)
}

async function releaseAndReclaim(ctx: BinderContext, pv: Pv): Promise<void> {
  const phase = pv.status?.phase
  // A Failed volume stays Failed so the user sees what went wrong.
  const cur = phase === "Released" || phase === "Failed" ? pv : await updateVolumePhase(ctx, pv, "Released")
  await reclaimVolume(ctx, cur)
}

async function reclaimVolume(ctx: BinderContext, pv: Pv): Promise<void> {
  const policy = pv.spec?.persistentVolumeReclaimPolicy ?? "Retain"
  if (policy === "Retain") return // the administrator reclaims it by hand
  if (policy === "Recycle") {
    await updateVolumePhase(ctx, pv, "Failed", {
      type: "Warning",
      reason: "VolumeFailedRecycle",
      message: "No recycler plugin found for the volume!",
    })
    return
  }
  // Delete: a provisioned volume waits for its provisioner, which deletes the data and the volume.
  if (hasAnnotation(pv, ANN_PROVISIONED_BY)) return
  await ctx.client
    .resource(PersistentVolumes)
    .delete({ name: pv.metadata?.name ?? "" })
    .catch(ignoreNotFound)
}
