/**
 * Writes of a StatefulSet's pods (upstream's StatefulPodControl): create a pod after its claims,
 * bring an existing pod's identity and claims back in line, delete a pod; each recorded as an
 * Event on the set with upstream's reasons and messages.
 */
import { isAlreadyExists, isNotFound, Pods } from "../../api/index.ts"
import type { PodObject } from "../set-pods/index.ts"
import { claimsMatchRetentionPolicy, createClaims, updateClaimsForRetentionPolicy } from "./claims.ts"
import type { SetContext } from "./context.ts"
import {
  identityMatches,
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  type StatefulSetObject,
  storageMatches,
} from "./identity.ts"

type Verb = "create" | "update" | "delete"

function podEvent(ctx: SetContext, verb: Verb, set: StatefulSetObject, pod: PodObject, err?: unknown): void {
  const p = pod.metadata?.name ?? ""
  const s = set.metadata?.name ?? ""
  const title = verb[0]?.toUpperCase() + verb.slice(1)
  if (err === undefined) {
    ctx.recorder.event(set, "Normal", `Successful${title}`, `${verb} Pod ${p} in StatefulSet ${s} successful`)
  } else {
    const why = err instanceof Error ? err.message : String(err)
    ctx.recorder.event(
      set,
      "Warning",
      `Failed${title}`,
      `${verb} Pod ${p} in StatefulSet ${s} failed error: ${why}`,
    )
  }
}

/**
 * Creates the pod's claims, then the pod. Resolves false when the pod already existed (the
 * cache had not seen it yet). @throws Error when a claim or the pod cannot be created
 */
export async function createStatefulPod(
  ctx: SetContext,
  set: StatefulSetObject,
  pod: PodObject,
): Promise<boolean> {
  try {
    await createClaims(ctx, set, pod)
  } catch (err) {
    podEvent(ctx, "create", set, pod, err)
    throw err
  }
  let created: PodObject
  try {
    created = await ctx.client.resource(Pods).create(pod)
  } catch (err) {
    if (isAlreadyExists(err)) return false
    podEvent(ctx, "create", set, pod, err)
    throw err
  }
  try {
    await updateClaimsForRetentionPolicy(ctx, set, created)
  } catch (err) {
    podEvent(ctx, "update", set, created, err)
    throw err
  }
  podEvent(ctx, "create", set, created)
  return true
}

/**
 * Restores the pod's identity labels, creates claims it lacks and re-owns its claims for the
 * retention policy. Volumes of a running pod cannot change; a pod that lacks a claim's volume
 * keeps running without it, as upstream's update would be refused.
 */
export async function updateStatefulPod(
  ctx: SetContext,
  set: StatefulSetObject,
  pod: PodObject,
): Promise<void> {
  let updated = false
  try {
    if (!storageMatches(set, pod)) await createClaims(ctx, set, pod)
    if (!claimsMatchRetentionPolicy(ctx, set, pod)) {
      await updateClaimsForRetentionPolicy(ctx, set, pod)
      updated = true
    }
    if (!identityMatches(set, pod)) {
      const name = pod.metadata?.name ?? ""
      const ordinal = name.slice(name.lastIndexOf("-") + 1)
      await ctx.client
        .resource(Pods)
        .patch(
          { namespace: pod.metadata?.namespace ?? "", name },
          { metadata: { labels: { [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: ordinal } } },
          { type: "merge" },
        )
      updated = true
    }
  } catch (err) {
    if (isNotFound(err)) return // deleted meanwhile: the next pass recreates it
    podEvent(ctx, "update", set, pod, err)
    throw err
  }
  if (updated) podEvent(ctx, "update", set, pod)
}

/** Deletes the pod (already gone is fine). @throws Error when the delete fails */
export async function deleteStatefulPod(
  ctx: SetContext,
  set: StatefulSetObject,
  pod: PodObject,
): Promise<void> {
  try {
    await ctx.client
      .resource(Pods)
      .delete({ namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" })
  } catch (err) {
    if (isNotFound(err)) return
    podEvent(ctx, "delete", set, pod, err)
    throw err
  }
  podEvent(ctx, "delete", set, pod)
}
