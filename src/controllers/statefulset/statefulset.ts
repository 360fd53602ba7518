/**
 * The StatefulSet controller: stable, ordered pods `<set>-<ordinal>` with their own claims,
 * rolled to new templates through ControllerRevisions (upstream's StatefulSetController and
 * defaultStatefulSetControl). Watches StatefulSets, their pods, revisions and claims.
 */
import {
  controllerRef,
  ControllerRevisions,
  Pods,
  selectorMatcher,
  StatefulSets,
  type ApiObject,
} from "../../api/index.ts"
import {
  ClientEventRecorder,
  ownerKeyOf,
  type ControllerDeps,
  type ControllerSpec,
  type Reconciler,
  type Result,
} from "../../client/index.ts"
import { type Revision, sortRevisions, truncateHistory } from "../history/index.ts"
import { claimObjects, type PodObject } from "../set-pods/index.ts"
import { PersistentVolumeClaims } from "./claims.ts"
import type { SetContext } from "./context.ts"
import { updateStatefulSet } from "./control.ts"
import { isMemberOf, podRevision, type StatefulSetObject } from "./identity.ts"
import { statefulSetRevisions } from "./revisions.ts"
import { completeRollingUpdate, isStatusChanged, type SetStatus } from "./status.ts"

/** The pods and revisions the set controls, after adopting orphans and releasing strays. */
async function controlled(
  deps: ControllerDeps,
  set: StatefulSetObject,
): Promise<{ pods: PodObject[]; revisions: Revision[] }> {
  const ns = set.metadata?.namespace ?? ""
  const selects = selectorMatcher(set.spec?.selector)
  const base = {
    client: deps.client,
    controllerRef: controllerRef(set, StatefulSets),
    canAdopt: !set.metadata?.deletionTimestamp,
  }
  const pods = await claimObjects(deps.informers.get(Pods).cache.list(ns) as PodObject[], {
    ...base,
    ref: Pods,
    matches: (pod: ApiObject) => selects(pod.metadata?.labels) && isMemberOf(set, pod),
  })
  const revisions = await claimObjects(deps.informers.get(ControllerRevisions).cache.list(ns) as Revision[], {
    ...base,
    ref: ControllerRevisions,
    matches: (rev: ApiObject) => selects(rev.metadata?.labels),
  })
  return { pods, revisions }
}

/** Writes the status when it changed (a merge patch: no conflict with spec writes). */
async function writeStatus(deps: ControllerDeps, set: StatefulSetObject, status: SetStatus): Promise<void> {
  completeRollingUpdate(set, status)
  if (!isStatusChanged(set, status)) return
  await deps.client
    .resource(StatefulSets)
    .patch(
      { namespace: set.metadata?.namespace ?? "", name: set.metadata?.name ?? "" },
      { status },
      { type: "merge", subresource: "status" },
    )
}

/** Deletes history beyond revisionHistoryLimit, keeping revisions in use by the status or a pod. */
async function trimHistory(
  deps: ControllerDeps,
  set: StatefulSetObject,
  sorted: readonly Revision[],
  live: readonly string[],
): Promise<void> {
  const inUse = new Set(live)
  const history = sorted.filter((r) => !inUse.has(r.metadata?.name ?? ""))
  await truncateHistory(deps.client, history, set.spec?.revisionHistoryLimit ?? 10)
}

function newReconciler(deps: ControllerDeps): Reconciler {
  const recorder = new ClientEventRecorder(deps.client, {
    component: "statefulset-controller",
    clock: deps.clock,
    log: deps.log,
  })
  return {
    async reconcile(key): Promise<Result | void> {
      const set = deps.informers.get(StatefulSets).cache.get(key) as StatefulSetObject | undefined
      if (!set) return
      const { pods, revisions } = await controlled(deps, set)
      const sorted = sortRevisions(revisions)
      const revs = await statefulSetRevisions(deps.client, set, sorted)
      const ctx: SetContext = {
        client: deps.client,
        recorder,
        claims: deps.informers.get(PersistentVolumeClaims).cache,
        now: deps.clock.now(),
      }
      const result = await updateStatefulSet(ctx, set, revs, pods)
      await writeStatus(deps, set, result.status)
      const live = [revs.current, revs.update].map((r) => r.metadata?.name ?? "")
      await trimHistory(deps, set, sorted, [...live, ...pods.map(podRevision)])
      if (result.error !== undefined) throw result.error
      return result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : undefined
    },
  }
}

/** The StatefulSet controller, as the controller manager runs it ("statefulset"). */
export const statefulSetController: ControllerSpec = {
  name: "statefulset",
  workers: 5,
  for: StatefulSets,
  owns: [Pods, ControllerRevisions],
  // Claims are read from their cache; those the set owns (whenDeleted: Delete) wake it.
  watches: [
    {
      ref: PersistentVolumeClaims,
      map: (claim: ApiObject) => [ownerKeyOf(StatefulSets, claim) ?? ""].filter(Boolean),
    },
  ],
  create: newReconciler,
}
