/**
 * Creating and deleting pods towards spec.replicas: creates in slow-start batches (1, 2, 4, ...)
 * so a failing template costs one request, deletes in upstream's ActivePods order (co-located
 * pods first among equals), each write
 * recorded in the expectations and as an Event.
 */
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js"
import { type ApiObject, controllerRef, isNotFound, keyOf, Pods, type ResourceRef } from "../../api/index.ts"
import type { Client, EventRecorder } from "../../client/index.ts"
import { copyJson } from "../../util/index.ts"
import type { PodExpectations } from "./expectations.ts"
import { type PodObject, podsToDelete } from "./pods.ts"
import type { ManageFailure } from "./status.ts"

/** Upstream's BurstReplicas: at most this many creates or deletes per reconcile. */
export const BURST_REPLICAS = 500
/** Upstream's SlowStartInitialBatchSize. */
const SLOW_START_INITIAL_BATCH = 1

/** What manageReplicas works with. */
export interface ManageContext {
  readonly client: Client
  readonly recorder: EventRecorder
  readonly expectations: PodExpectations
  /** The owner's queue key. */
  readonly key: string
  readonly owner: ApiObject
  readonly ownerRef: ResourceRef
  readonly template: PodTemplateSpec | undefined
  readonly replicas: number
  /** Pods of the owner and of ReplicaSets with the same controller, to rank co-located pods. */
  related(): readonly PodObject[]
}

/** A pod for `owner` from its template (upstream's GetPodFromTemplate). */
export function podFromTemplate(
  owner: ApiObject,
  ownerRef: ResourceRef,
  template: PodTemplateSpec | undefined,
): PodObject {
  // Plain JSON from the API: a copy of it, without structuredClone's cost (1,000 pods a rollout).
  const t = copyJson(template ?? {})
  const m = t.metadata ?? {}
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${owner.metadata?.name ?? ""}-`,
      namespace: owner.metadata?.namespace ?? "",
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
      ...(m.finalizers ? { finalizers: m.finalizers } : {}),
      ownerReferences: [controllerRef(owner, ownerRef)],
    },
    ...(t.spec ? { spec: t.spec } : {}),
  } as PodObject
}

/**
 * Runs `fn` `count` times in batches that double while every call succeeds (upstream's
 * slowStartBatch). Returns how many calls succeeded and the first error.
 */
export async function slowStartBatch(
  count: number,
  initial: number,
  fn: () => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count
  let successes = 0
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()))
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected")
    successes += results.filter((r) => r.status === "fulfilled").length
    if (failed) return { successes, error: failed.reason }
    remaining -= size
  }
  return { successes }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Creates or deletes pods so that `pods` (the active pods the owner controls) reaches
 * `ctx.replicas`. Returns the failure to report, if a write failed.
 */
export async function manageReplicas(
  ctx: ManageContext,
  pods: readonly PodObject[],
): Promise<ManageFailure | undefined> {
  const diff = pods.length - ctx.replicas
  if (diff < 0) return createPods(ctx, Math.min(-diff, BURST_REPLICAS))
  if (diff > 0) return deletePods(ctx, podsToDelete(pods, ctx.related(), Math.min(diff, BURST_REPLICAS)))
  return undefined
}

async function createPods(ctx: ManageContext, n: number): Promise<ManageFailure | undefined> {
  const { client, recorder, expectations, owner, ownerRef } = ctx
  const { error } = await slowStartBatch(n, SLOW_START_INITIAL_BATCH, async () => {
    try {
      const pod = await client.resource(Pods).create(podFromTemplate(owner, ownerRef, ctx.template))
      expectations.created(ctx.key, keyOf(pod))
      recorder.event(
        owner,
        "Normal",
        "SuccessfulCreate",
        `Created pod: ${pod.metadata?.name ?? ""}`,
        ownerRef,
      )
    } catch (err) {
      recorder.event(owner, "Warning", "FailedCreate", `Error creating: ${message(err)}`, ownerRef)
      throw err
    }
  })
  return error === undefined ? undefined : { reason: "FailedCreate", message: message(error) }
}

async function deletePods(
  ctx: ManageContext,
  victims: readonly PodObject[],
): Promise<ManageFailure | undefined> {
  const { client, recorder, expectations, owner, ownerRef } = ctx
  const results = await Promise.allSettled(
    victims.map(async (pod) => {
      const name = pod.metadata?.name ?? ""
      try {
        await client
          .resource(Pods)
          .delete(
            { namespace: pod.metadata?.namespace ?? "", name },
            { preconditions: { uid: pod.metadata?.uid ?? "" } },
          )
        expectations.deleted(ctx.key, keyOf(pod), pod.metadata?.uid ?? "")
        recorder.event(owner, "Normal", "SuccessfulDelete", `Deleted pod: ${name}`, ownerRef)
      } catch (err) {
        if (isNotFound(err)) return
        recorder.event(owner, "Warning", "FailedDelete", `Error deleting: ${message(err)}`, ownerRef)
        throw err
      }
    }),
  )
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected")
  return failed ? { reason: "FailedDelete", message: message(failed.reason) } : undefined
}
