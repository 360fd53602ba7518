/**
 * The Deployment controller: rolls a Deployment's pod template out through ReplicaSets it owns
 * (RollingUpdate or Recreate), scales them, keeps revisionHistoryLimit old ones for
 * `kubectl rollout undo`, honours spec.paused, and reports progress and availability.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  controllerOf,
  Deployments,
  isConflict,
  keyOf,
  Pods,
  ReplicaSets,
  type ResourceRef,
  selectorMatcher,
} from "../../api/index.ts"
import {
  type Cache,
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  MutationCache,
  type Reconciler,
  type Result,
} from "../../client/index.ts"
import { claim } from "../replicaset/index.ts"
import { isRollingUpdate } from "./replicas.ts"
import { type PodMap, rolloutRecreate, rolloutRolling } from "./rollout.ts"
import { scale } from "./scale.ts"
import { type DeploymentObject, DeploymentSync, type ReplicaSetObject } from "./sync.ts"

/** The keys of Deployments whose selector matches an orphan ReplicaSet. */
function deploymentsForOrphan(cache: Cache<DeploymentObject> | undefined, rs: ApiObject): string[] {
  if (!cache || controllerOf(rs)) return []
  return cache
    .list(rs.metadata?.namespace)
    .filter((d) => selectorMatcher(d.spec?.selector)(rs.metadata?.labels))
    .map((d) => keyOf(d))
}

/** The key of a Recreate Deployment whose pod changed (it waits for old pods to go). */
function deploymentForPod(
  sets: Cache<ReplicaSetObject> | undefined,
  deployments: Cache<DeploymentObject> | undefined,
  pod: ApiObject,
): string[] {
  const rsRef = controllerOf(pod)
  const ns = pod.metadata?.namespace
  if (!sets || !deployments || rsRef?.kind !== "ReplicaSet" || !ns) return []
  const rs = sets.get(`${ns}/${rsRef.name}`)
  const dRef = rs && controllerOf(rs)
  if (dRef?.kind !== "Deployment") return []
  const d = deployments.get(`${ns}/${dRef.name}`)
  return d && d.metadata?.uid === dRef.uid && !isRollingUpdate(d) ? [keyOf(d)] : []
}

/** A new Deployment controller ("deployment"). */
export function newDeploymentController(): ControllerSpec {
  let deployments: Cache<DeploymentObject> | undefined
  let sets: Cache<ReplicaSetObject> | undefined
  return {
    name: "deployment",
    workers: 5,
    for: Deployments,
    owns: [ReplicaSets],
    watches: [
      { ref: ReplicaSets, map: (rs) => deploymentsForOrphan(deployments, rs) },
      { ref: Pods, map: (pod) => deploymentForPod(sets, deployments, pod) },
    ],
    create(deps) {
      deployments = deps.informers.get(Deployments).cache
      sets = deps.informers.get(ReplicaSets).cache
      return new DeploymentReconciler(deps)
    },
  }
}

/** Reconciles one Deployment key (upstream's syncDeployment). */
class DeploymentReconciler implements Reconciler {
  readonly #deps: ControllerDeps
  readonly #recorder: ClientEventRecorder
  /** The informers' caches, overlaid with what this controller wrote until they see it. */
  readonly #deployments: MutationCache<DeploymentObject>
  readonly #sets: MutationCache<ReplicaSetObject>

  constructor(deps: ControllerDeps) {
    this.#deps = deps
    this.#deployments = new MutationCache(deps.informers.get(Deployments).cache)
    this.#sets = new MutationCache(deps.informers.get(ReplicaSets).cache)
    this.#recorder = new ClientEventRecorder(deps.client, {
      component: "deployment-controller",
      clock: deps.clock,
      log: deps.log,
    })
  }

  async reconcile(key: string): Promise<Result | void> {
    try {
      const after = await this.#sync(key)
      return after === undefined ? undefined : { requeueAfterMs: after }
    } catch (err) {
      // A stale cache: the newer object is on its way and its event brings this key back.
      if (isConflict(err)) {
        this.#deps.log.debug({ key }, "Conflict, waiting for the cache to catch up")
        return
      }
      throw err
    }
  }

  async #sync(key: string): Promise<number | undefined> {
    const { client, clock } = this.#deps
    const d = this.#deployments.get(key)
    if (!d) return undefined
    if (await this.#selectsEverything(d)) return undefined
    const ns = d.metadata?.namespace ?? ""
    const matches = selectorMatcher(d.spec?.selector)
    const candidates = this.#sets.list(ns)
    const sets = await claim<ReplicaSetObject>(
      { client, owner: d, ownerRef: Deployments, ref: ReplicaSets as ResourceRef<ReplicaSetObject>, matches },
      candidates,
    )
    const s = new DeploymentSync({ client, recorder: this.#recorder, now: () => clock.now() }, d, sets)
    try {
      return await this.#syncWith(s)
    } finally {
      this.#remember(d, s, candidates)
    }
  }

  /** Records the Deployment and ReplicaSets a sync wrote, for the next sync before the caches see them. */
  #remember(d: DeploymentObject, s: DeploymentSync, read: readonly ReplicaSetObject[]): void {
    const version = (obj: ApiObject) => obj.metadata?.resourceVersion
    if (version(s.d) !== version(d)) this.#deployments.mutated(s.d)
    const before = new Map(read.map((rs) => [rs.metadata?.uid, version(rs)]))
    for (const rs of s.sets) if (before.get(rs.metadata?.uid) !== version(rs)) this.#sets.mutated(rs)
  }

  async #syncWith(s: DeploymentSync): Promise<number | undefined> {
    const d = s.d
    if (d.metadata?.deletionTimestamp) return this.#statusOnly(s)
    await s.checkPausedConditions()
    if (d.spec?.paused) return this.#scaleOnly(s)
    const { newRS, oldRSs } = await s.allReplicaSets(false)
    if (s.isScalingEvent(newRS, oldRSs)) return this.#scaleOnly(s)
    if (isRollingUpdate(d)) return rolloutRolling(s)
    return rolloutRecreate(s, this.#podMap(d, s.sets))
  }

  /** An empty selector would take every pod: refuse, as upstream does, with a Warning. */
  async #selectsEverything(d: DeploymentObject): Promise<boolean> {
    const sel = d.spec?.selector
    if (sel && (Object.keys(sel.matchLabels ?? {}).length || sel.matchExpressions?.length)) return false
    this.#recorder.event(
      d,
      "Warning",
      "SelectingAll",
      "This deployment is selecting all pods. A non-empty selector is required.",
      Deployments,
    )
    const gen = d.metadata?.generation ?? 0
    if ((d.status?.observedGeneration ?? 0) < gen) {
      await this.#deps.client
        .resource(Deployments)
        .updateStatus({ ...structuredClone(d), status: { ...d.status, observedGeneration: gen } })
    }
    return true
  }

  async #statusOnly(s: DeploymentSync): Promise<undefined> {
    const { newRS, oldRSs } = await s.allReplicaSets(false)
    await s.syncStatus([...oldRSs, newRS], newRS)
    return undefined
  }

  /** Scaling without rolling out (paused, or spec.replicas changed). */
  async #scaleOnly(s: DeploymentSync): Promise<undefined> {
    const { newRS, oldRSs } = await s.allReplicaSets(false)
    await scale(s, newRS, oldRSs)
    const current = s.sets.filter((rs) => rs.metadata?.uid !== newRS?.metadata?.uid)
    const fresh = s.sets.find((rs) => rs.metadata?.uid === newRS?.metadata?.uid)
    if (s.d.spec?.paused) await s.cleanup(current)
    await s.syncStatus([...current, fresh], fresh)
    return undefined
  }

  /** The Deployment's pods grouped by the uid of their controlling ReplicaSet. */
  #podMap(d: DeploymentObject, sets: readonly ReplicaSetObject[]): PodMap {
    const uids = new Set(sets.map((rs) => rs.metadata?.uid))
    const matches = selectorMatcher(d.spec?.selector)
    const map = new Map<string, Pod[]>()
    for (const pod of this.#deps.informers.get(Pods).cache.list(d.metadata?.namespace)) {
      const ref = controllerOf(pod)
      if (!ref || !uids.has(ref.uid) || !matches(pod.metadata?.labels)) continue
      map.set(ref.uid, [...(map.get(ref.uid) ?? []), pod])
    }
    return map
  }
}
