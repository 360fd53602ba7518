/**
 * The ReplicaSet controller: keeps spec.replicas active pods matching the selector, adopting
 * orphans and releasing pods that stop matching, and reports their counts in status. The same
 * logic serves ReplicationControllers through a small ReplicaSetKind adapter, as upstream does.
 */
import type { ReplicaSetStatus } from "kubernetes-types/apps/v1.js"
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  controllerOf,
  isConflict,
  keyOf,
  type Labels,
  parseKey,
  Pods,
  ReplicaSets,
  type ResourceRef,
  selectorMatcher,
} from "../../api/index.ts"
import {
  BY_OWNER,
  type Cache,
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  type Informer,
  MutationCache,
  ownerKeyOf,
  type Reconciler,
  type Result,
} from "../../client/index.ts"
import { claim } from "./claim.ts"
import { PodExpectations } from "./expectations.ts"
import { manageReplicas } from "./manage.ts"
import { podFacts } from "./pod-facts.ts"
import type { PodObject } from "./pods.ts"
import { calculateStatus, nextAvailableIn, statusChanged } from "./status.ts"

/** The fields a ReplicaSet and a ReplicationController share. */
export interface ReplicaSetLike extends ApiObject {
  spec?: {
    replicas?: number
    minReadySeconds?: number
    template?: PodTemplateSpec
    selector?: unknown
  }
  status?: ReplicaSetStatus
}

/** What differs between the kinds this controller serves. */
export interface ReplicaSetKind {
  /** The controller's name, e.g. "replicaset". */
  readonly name: string
  /** The Events' source component, e.g. "replicaset-controller". */
  readonly component: string
  readonly ref: ResourceRef<ReplicaSetLike>
  /** Compiles the object's selector. */
  matcher(obj: ReplicaSetLike): (labels: Labels | undefined) => boolean
}

/** ReplicaSets: apps/v1, a LabelSelector. */
export const REPLICA_SET_KIND: ReplicaSetKind = {
  name: "replicaset",
  component: "replicaset-controller",
  ref: ReplicaSets as ResourceRef<ReplicaSetLike>,
  matcher: (rs) => selectorMatcher(rs.spec?.selector as Parameters<typeof selectorMatcher>[0]),
}

/** A pod cache index: pods without a controller, by namespace (the ones a ReplicaSet may adopt). */
export const ORPHANS_BY_NAMESPACE = "k8ts.io/orphans-by-namespace"

function orphansByNamespace(obj: ApiObject): string[] {
  return controllerOf(obj) ? [] : [obj.metadata?.namespace ?? ""]
}

/** The keys of the controllers of `kind` whose selector matches an orphan pod. */
function orphanOwners(
  kind: ReplicaSetKind,
  cache: Cache<ReplicaSetLike> | undefined,
  obj: ApiObject,
): string[] {
  if (!cache || controllerOf(obj)) return []
  const labels = obj.metadata?.labels
  return cache
    .list(obj.metadata?.namespace)
    .filter((rs) => kind.matcher(rs)(labels))
    .map((rs) => keyOf(rs))
}

/**
 * The ControllerSpec of `kind`: reconciles its objects, owns pods, watches orphan pods. Build one
 * per controller that runs (its pod watch reads the owners' cache of the last `create`).
 */
export function replicaSetControllerFor(kind: ReplicaSetKind): ControllerSpec {
  let owners: Cache<ReplicaSetLike> | undefined
  let expectations: PodExpectations | undefined
  let watched: Informer<ApiObject> | undefined
  return {
    name: kind.name,
    workers: 5,
    for: kind.ref,
    owns: [Pods],
    watches: [{ ref: Pods, map: (pod) => orphanOwners(kind, owners, pod) }],
    create(deps) {
      owners = deps.informers.get(kind.ref).cache
      const current = new PodExpectations(deps.clock)
      expectations = current
      const pods = deps.informers.get<ApiObject>(Pods)
      pods.addIndexer(ORPHANS_BY_NAMESPACE, orphansByNamespace)
      // One handler per informer, feeding whichever expectations the latest reconciler uses.
      if (watched !== pods) {
        watched = pods
        pods.addHandler({
          onDelete(pod) {
            const owner = ownerKeyOf(kind.ref, pod)
            if (owner) expectations?.observeDeleted(owner, keyOf(pod))
          },
        })
      }
      return new ReplicaSetReconciler(kind, deps, current)
    },
  }
}

/** The pods of one reconcile, sorted in one pass over those filed under the owner's uid. */
interface SortedPods {
  /** Active pods the owner controls whose labels match its selector: claimed as they are. */
  readonly claimed: PodObject[]
  /** Active pods claim() must look at: orphans it may adopt, owned ones it may release. */
  readonly others: PodObject[]
  /** The owner's own pods that are terminating (deleted, not yet finished). */
  readonly terminating: number
}

/**
 * Sorts the pods filed under the owner's uid, then the active orphans it may adopt (a pod can be
 * in both, through a non-controller reference). The pods it controls that match need no more
 * from claim(): during a rollout those are nearly all, so only the few others go through it.
 */
function sortPods(
  uid: string,
  matches: (labels: Labels | undefined) => boolean,
  owned: readonly PodObject[],
  orphans: readonly PodObject[],
): SortedPods {
  const claimed: PodObject[] = []
  const others: PodObject[] = []
  let terminating = 0
  for (let i = 0; i < owned.length; i++) {
    const p = owned[i] as PodObject
    const f = podFacts(p)
    const mine = f.controllerUid === uid
    if (!f.active) {
      if (mine && f.terminating) terminating++
    } else if (mine && matches(p.metadata?.labels)) claimed.push(p)
    else others.push(p)
  }
  if (orphans.length === 0) return { claimed, others, terminating }
  const seen = new Set(owned)
  for (const p of orphans) if (!seen.has(p) && podFacts(p).active) others.push(p)
  return { claimed, others, terminating }
}

/** Reconciles one ReplicaSet (or ReplicationController) key. */
class ReplicaSetReconciler implements Reconciler {
  readonly #kind: ReplicaSetKind
  readonly #deps: ControllerDeps
  readonly #expectations: PodExpectations
  readonly #recorder: ClientEventRecorder
  /** The informer's cache, overlaid with the statuses this controller wrote until it sees them. */
  readonly #owners: MutationCache<ReplicaSetLike>

  constructor(kind: ReplicaSetKind, deps: ControllerDeps, expectations: PodExpectations) {
    this.#kind = kind
    this.#deps = deps
    this.#expectations = expectations
    this.#owners = new MutationCache(deps.informers.get(kind.ref).cache)
    this.#recorder = new ClientEventRecorder(deps.client, {
      component: kind.component,
      clock: deps.clock,
      log: deps.log,
    })
  }

  async reconcile(key: string): Promise<Result | void> {
    const { informers, client, clock } = this.#deps
    const rs = this.#owners.get(key)
    const podCache = informers.get(Pods).cache // indexed by create()
    if (!rs) {
      this.#expectations.forget(key) // gone: nothing to converge
      return
    }
    const ns = parseKey(key).namespace
    const needsSync = this.#expectations.satisfied(key, podCache)
    const uid = rs.metadata?.uid ?? ""
    const matches = this.#kind.matcher(rs)
    const { claimed, others, terminating } = sortPods(
      uid,
      matches,
      podCache.byIndex(BY_OWNER, uid) as PodObject[],
      podCache.byIndex(ORPHANS_BY_NAMESPACE, ns ?? "") as PodObject[],
    )
    const pods = others.length
      ? claimed.concat(
          await claim<PodObject>({ client, owner: rs, ownerRef: this.#kind.ref, ref: Pods, matches }, others),
        )
      : claimed
    const spec = rs.spec ?? {}
    const failure =
      needsSync && !rs.metadata?.deletionTimestamp
        ? await manageReplicas(
            {
              client,
              recorder: this.#recorder,
              expectations: this.#expectations,
              key,
              owner: rs,
              ownerRef: this.#kind.ref,
              template: spec.template,
              replicas: spec.replicas ?? 1,
              related: () => this.#relatedPods(rs, pods),
            },
            pods,
          )
        : undefined
    const minReady = spec.minReadySeconds ?? 0
    const now = clock.now()
    const status = calculateStatus(
      {
        status: rs.status,
        generation: rs.metadata?.generation,
        minReadySeconds: minReady,
        templateLabels: spec.template?.metadata?.labels ?? {},
        terminatingReplicas: this.#kind.ref.kind === "ReplicaSet" ? terminating : undefined,
      },
      pods,
      failure,
      now,
    )
    await this.#writeStatus(rs, status)
    if (failure) throw new Error(`Cannot sync ${this.#kind.ref.kind} "${key}": ${failure.message}`)
    const wait = nextAvailableIn(pods, minReady, now)
    return wait === undefined ? undefined : { requeueAfterMs: wait }
  }

  /** The active pods of `rs` and of the ReplicaSets that share its controller (upstream's related pods). */
  #relatedPods(rs: ReplicaSetLike, own: readonly PodObject[]): PodObject[] {
    const owner = controllerOf(rs)
    if (!owner) return [...own]
    const { informers } = this.#deps
    const siblings = informers
      .get(this.#kind.ref)
      .cache.list(rs.metadata?.namespace)
      .filter((x) => controllerOf(x)?.uid === owner.uid)
    const pods = informers.get(Pods).cache
    const out: PodObject[] = []
    for (const x of siblings) {
      const uid = x.metadata?.uid
      for (const p of pods.byIndex(BY_OWNER, uid ?? "") as PodObject[]) {
        const f = podFacts(p)
        if (f.active && f.controllerUid === uid) out.push(p)
      }
    }
    return out
  }

  /**
   * Writes `status` when it changed. A Conflict means the cache is behind: the newer version's
   * event brings the key back, and that reconcile writes the status then.
   */
  async #writeStatus(rs: ReplicaSetLike, status: ReplicaSetStatus): Promise<void> {
    if (!statusChanged(rs.status, status)) return
    try {
      this.#owners.mutated(await this.#deps.client.resource(this.#kind.ref).updateStatus({ ...rs, status }))
    } catch (err) {
      if (!isConflict(err)) throw err
      this.#deps.log.debug({ key: keyOf(rs) }, "Conflict writing status, waiting for the cache to catch up")
    }
  }
}

/** A new ReplicaSet controller ("replicaset"). */
export function newReplicaSetController(): ControllerSpec {
  return replicaSetControllerFor(REPLICA_SET_KIND)
}
