/**
 * One pass over a Deployment (upstream's sync.go): find or create its new ReplicaSet and keep
 * revisions in step, scale single ReplicaSets with events, clean up old ones past
 * revisionHistoryLimit, and write the status (progress.ts adds the Progressing condition,
 * scale.ts the proportional scaling).
 */
import type { Deployment, DeploymentStatus, ReplicaSet } from "kubernetes-types/apps/v1.js"
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js"
import {
  ApiError,
  type ApiObject,
  controllerRef,
  Deployments,
  isAlreadyExists,
  isNotFound,
  keyOf,
  type ObjectKey,
  ReplicaSets,
} from "../../api/index.ts"
import type { Client, EventRecorder } from "../../client/index.ts"
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from "./hash.ts"
import {
  DESIRED_REPLICAS_ANNOTATION,
  intAnnotation,
  MAX_REPLICAS_ANNOTATION,
  maxSurge,
  newRSNewReplicas,
  replicasAnnotationsNeedUpdate,
  specReplicas,
} from "./replicas.ts"
import { maxRevision, REVISION_ANNOTATION, revisionOf, setNewReplicaSetAnnotations } from "./revision.ts"
import {
  calculateStatus,
  getCondition,
  hasProgressDeadline,
  newCondition,
  sameStatus,
  setCondition,
} from "./status.ts"

/** A Deployment as caches and clients hand it out. */
export type DeploymentObject = Deployment & ApiObject
/** A ReplicaSet as caches and clients hand it out. */
export type ReplicaSetObject = ReplicaSet & ApiObject

/** What a sync works with. */
export interface SyncDeps {
  readonly client: Client
  readonly recorder: EventRecorder
  now(): number
}

function objKey(obj: ApiObject): ObjectKey {
  return { namespace: obj.metadata?.namespace ?? "", name: obj.metadata?.name ?? "" }
}

/** A JSON pointer token for `key` (RFC 6901). */
function pointer(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1")
}

function created(rs: ReplicaSet): number {
  return Date.parse(rs.metadata?.creationTimestamp ?? "") || 0
}

/** Oldest first; ties by name (upstream's ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "")
}

/** Only ReplicaSets that want pods. */
export function activeSets(sets: readonly (ReplicaSetObject | undefined)[]): ReplicaSetObject[] {
  return sets.filter((rs): rs is ReplicaSetObject => !!rs && specReplicas(rs) > 0)
}

/** The mutable state of one reconcile of one Deployment. */
export class DeploymentSync {
  /** The Deployment as last read or written. */
  d: DeploymentObject
  /** The ReplicaSets the Deployment controls. */
  readonly sets: ReplicaSetObject[]
  readonly #deps: SyncDeps
  /** The template as read (frozen when from the cache, so its canonical form is computed once). */
  readonly #readTemplate: PodTemplateSpec | undefined

  constructor(deps: SyncDeps, d: DeploymentObject, sets: ReplicaSetObject[]) {
    this.#deps = deps
    this.#readTemplate = d.spec?.template
    this.d = structuredClone(d)
    this.sets = sets
  }

  /** The new ReplicaSet (created when `create`) and the old ones, revisions brought in step. */
  async allReplicaSets(create: boolean): Promise<{ newRS?: ReplicaSetObject; oldRSs: ReplicaSetObject[] }> {
    const existing = [...this.sets]
      .sort(byCreation)
      .find((rs) => equalIgnoreHash(rs.spec?.template, this.#readTemplate))
    const oldRSs = this.sets.filter((rs) => rs !== existing)
    const newRS = await this.#newReplicaSet(existing, oldRSs, create)
    return newRS ? { newRS, oldRSs } : { oldRSs }
  }

  async #newReplicaSet(
    existing: ReplicaSetObject | undefined,
    oldRSs: ReplicaSetObject[],
    create: boolean,
  ): Promise<ReplicaSetObject | undefined> {
    const newRevision = maxRevision(oldRSs) + 1n
    if (existing) return this.#syncExisting(existing, newRevision)
    if (!create) return undefined
    return this.#createNew(oldRSs, newRevision)
  }

  async #syncExisting(existing: ReplicaSetObject, newRevision: bigint): Promise<ReplicaSetObject> {
    const rs = structuredClone(existing)
    const annotationsChanged = setNewReplicaSetAnnotations(this.d, rs, newRevision, true)
    const minReady = this.d.spec?.minReadySeconds ?? 0
    if (annotationsChanged || (rs.spec?.minReadySeconds ?? 0) !== minReady) {
      ;(rs.spec as { minReadySeconds?: number }).minReadySeconds = minReady
      return this.#replace(existing, await this.#deps.client.resource(ReplicaSets).update(rs))
    }
    await this.#setRevision(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? "")
    if (hasProgressDeadline(this.d) && !getCondition(this.d.status, "Progressing")) {
      const status = structuredClone(this.d.status ?? {})
      const msg = `Found new replica set "${rs.metadata?.name ?? ""}"`
      setCondition(status, newCondition("Progressing", "True", "FoundNewReplicaSet", msg, this.#deps.now()))
      await this.updateStatus(status)
    }
    return rs
  }

  /** The ReplicaSet a rollout creates for the Deployment's current template. */
  #template(): ReplicaSetObject {
    const d = this.d
    const hash = computeHash(d.spec?.template, d.status?.collisionCount)
    const template = structuredClone(d.spec?.template ?? {})
    const labels = { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash }
    ;(template as { metadata?: object }).metadata = { ...template.metadata, labels }
    const sel = d.spec?.selector ?? {}
    return {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata?.name ?? ""}-${hash}`,
        namespace: d.metadata?.namespace ?? "",
        labels,
        ownerReferences: [controllerRef(d, Deployments)],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec?.minReadySeconds ?? 0,
        selector: { ...sel, matchLabels: { ...sel.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash } },
        template,
      },
    }
  }

  async #createNew(oldRSs: ReplicaSetObject[], newRevision: bigint): Promise<ReplicaSetObject | undefined> {
    const rs = this.#template()
    const replicas = newRSNewReplicas(this.d, [...oldRSs, rs], rs)
    ;(rs.spec as { replicas: number }).replicas = replicas
    setNewReplicaSetAnnotations(this.d, rs, newRevision, false)
    const name = rs.metadata?.name ?? ""
    let made: ReplicaSetObject
    try {
      made = await this.#deps.client.resource(ReplicaSets).create(rs)
    } catch (err) {
      if (isAlreadyExists(err)) return this.#onCollision(rs)
      await this.#createFailed(name, err)
      throw err
    }
    this.sets.push(made)
    if (replicas > 0)
      this.#event("Normal", "ScalingReplicaSet", `Scaled up replica set ${name} from 0 to ${replicas}`)
    await this.#setRevision(newRevision.toString())
    if (hasProgressDeadline(this.d)) {
      const status = structuredClone(this.d.status ?? {})
      const msg = `Created new replica set "${name}"`
      setCondition(status, newCondition("Progressing", "True", "NewReplicaSetCreated", msg, this.#deps.now()))
      await this.updateStatus(status)
    }
    return made
  }

  /** A ReplicaSet of that name exists: ours with this template, or a hash collision. */
  async #onCollision(rs: ReplicaSetObject): Promise<ReplicaSetObject | undefined> {
    const found = await this.#deps.client.resource(ReplicaSets).get(objKey(rs))
    const ref = found.metadata?.ownerReferences?.find((r) => r.controller)
    if (ref?.uid === this.d.metadata?.uid && equalIgnoreHash(found.spec?.template, this.d.spec?.template)) {
      this.sets.push(found)
      return found
    }
    // A collision: the next hash includes a higher collisionCount.
    const status = structuredClone(this.d.status ?? {})
    ;(status as { collisionCount?: number }).collisionCount = (status.collisionCount ?? 0) + 1
    await this.updateStatus(status)
    throw new Error(
      `Cannot create replica set "${rs.metadata?.name ?? ""}": its name is taken; retrying with collisionCount ${status.collisionCount ?? 0}`,
    )
  }

  async #createFailed(name: string, err: unknown): Promise<void> {
    const msg = `Failed to create new replica set "${name}": ${err instanceof Error ? err.message : String(err)}`
    if (hasProgressDeadline(this.d)) {
      const status = structuredClone(this.d.status ?? {})
      setCondition(
        status,
        newCondition("Progressing", "False", "ReplicaSetCreateError", msg, this.#deps.now()),
      )
      await this.updateStatus(status).catch(() => {})
    }
    this.#event("Warning", "ReplicaSetCreateError", msg)
  }

  /** Records the Deployment's revision annotation (a metadata write; status writes keep metadata). */
  async #setRevision(revision: string): Promise<void> {
    if (!revision || this.d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return
    this.d = await this.#deps.client.resource(Deployments).patch(
      objKey(this.d),
      {
        metadata: {
          annotations: { [REVISION_ANNOTATION]: revision },
          resourceVersion: this.d.metadata?.resourceVersion,
        },
      },
      { type: "merge" },
    )
  }

  /** Writes `status` as the Deployment's status. */
  async updateStatus(status: DeploymentStatus): Promise<void> {
    this.d = await this.#deps.client.resource(Deployments).updateStatus({ ...this.d, status })
  }

  #event(type: "Normal" | "Warning", reason: string, message: string): void {
    this.#deps.recorder.event(this.d, type, reason, message, Deployments)
  }

  /** Puts the written `next` in place of its earlier version in `sets`. */
  #replace(old: ReplicaSetObject, next: ReplicaSetObject): ReplicaSetObject {
    const i = this.sets.findIndex((rs) => rs.metadata?.uid === old.metadata?.uid)
    if (i >= 0) this.sets[i] = next
    return next
  }

  /**
   * Sets `rs` to `size` replicas with up-to-date replica annotations; records a
   * ScalingReplicaSet event when the size changed. Returns the ReplicaSet as written.
   */
  async scaleReplicaSet(
    rs: ReplicaSetObject,
    size: number,
    operation: "up" | "down",
  ): Promise<ReplicaSetObject> {
    const replicas = specReplicas(this.d)
    const max = replicas + maxSurge(this.d)
    const old = specReplicas(rs)
    if (old === size && !replicasAnnotationsNeedUpdate(rs, replicas, max)) return rs
    const written = this.#replace(rs, await this.#writeScale(rs, size, replicas, max))
    if (old !== size) {
      this.#event(
        "Normal",
        "ScalingReplicaSet",
        `Scaled ${operation} replica set ${rs.metadata?.name ?? ""} from ${old} to ${size}`,
      )
    }
    return written
  }

  /**
   * Writes `size` and the replica annotations on `rs`, as long as its spec is still the one read
   * (same uid, generation and replicas): upstream's optimistic update, checked on the spec alone.
   * A full update would also fail on every status write the ReplicaSet controller made since the
   * cache was read, and during a rollout it writes one after most pod changes.
   */
  async #writeScale(
    rs: ReplicaSetObject,
    size: number,
    replicas: number,
    max: number,
  ): Promise<ReplicaSetObject> {
    const m = rs.metadata ?? {}
    const ops: object[] = [
      { op: "test", path: "/metadata/uid", value: m.uid },
      { op: "test", path: "/metadata/generation", value: m.generation },
      { op: "test", path: "/spec/replicas", value: specReplicas(rs) },
      { op: "add", path: "/spec/replicas", value: size },
    ]
    const wanted: Record<string, string> = {
      [DESIRED_REPLICAS_ANNOTATION]: String(replicas),
      [MAX_REPLICAS_ANNOTATION]: String(max),
    }
    if (!m.annotations) ops.push({ op: "add", path: "/metadata/annotations", value: wanted })
    else {
      for (const [k, v] of Object.entries(wanted)) {
        if (m.annotations[k] !== v)
          ops.push({ op: "add", path: `/metadata/annotations/${pointer(k)}`, value: v })
      }
    }
    try {
      return await this.#deps.client.resource(ReplicaSets).patch(objKey(rs), ops, { type: "json" })
    } catch (err) {
      // Only a test can fail to apply here (the API server answers any such failure with its
      // generic Invalid): someone changed the spec meanwhile; the newer version's event brings us back.
      if (err instanceof ApiError && err.reason === "Invalid") {
        throw new ApiError("Conflict", `Cannot scale replica set "${m.name ?? ""}": its spec changed`)
      }
      throw err
    }
  }

  /** scaleReplicaSet, when the size differs; returns whether it scaled and the ReplicaSet. */
  async scaleAndRecord(
    rs: ReplicaSetObject,
    size: number,
  ): Promise<{ scaled: boolean; rs: ReplicaSetObject }> {
    const old = specReplicas(rs)
    if (old === size) return { scaled: false, rs }
    return { scaled: true, rs: await this.scaleReplicaSet(rs, size, old < size ? "up" : "down") }
  }

  /** Deletes old, empty ReplicaSets beyond revisionHistoryLimit, lowest revision first. */
  async cleanup(oldRSs: readonly ReplicaSetObject[]): Promise<void> {
    const limit = this.d.spec?.revisionHistoryLimit
    if (limit === undefined || limit === null) return
    const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp)
    const diff = alive.length - limit
    if (diff <= 0) return
    alive.sort((a, b) => {
      const ra = revisionOf(a) ?? 0n
      const rb = revisionOf(b) ?? 0n
      return ra === rb ? byCreation(a, b) : ra < rb ? -1 : 1
    })
    for (const rs of alive.slice(0, diff)) {
      const s = rs.status
      if ((s?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue
      if ((rs.metadata?.generation ?? 0) > (s?.observedGeneration ?? 0)) continue
      try {
        await this.#deps.client
          .resource(ReplicaSets)
          .delete(objKey(rs), { preconditions: { uid: rs.metadata?.uid ?? "" } })
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    }
  }

  /** Writes the counters and the Available condition when they changed (upstream's syncDeploymentStatus). */
  async syncStatus(
    all: readonly (ReplicaSetObject | undefined)[],
    newRS: ReplicaSetObject | undefined,
  ): Promise<void> {
    const status = calculateStatus(this.d, all, newRS, this.#deps.now())
    if (!sameStatus(this.d.status, status)) await this.updateStatus(status)
  }

  /** True when an active ReplicaSet's desired-replicas annotation differs from spec.replicas. */
  isScalingEvent(newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[]): boolean {
    const replicas = specReplicas(this.d)
    return activeSets([...oldRSs, newRS]).some((rs) => {
      const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION)
      return desired !== undefined && desired !== replicas
    })
  }

  /** Keeps the Progressing condition in step with spec.paused (DeploymentPaused/Resumed). */
  async checkPausedConditions(): Promise<void> {
    const d = this.d
    if (!hasProgressDeadline(d)) return
    const cond = getCondition(d.status, "Progressing")
    if (cond?.reason === "ProgressDeadlineExceeded") return
    const pausedCond = cond?.reason === "DeploymentPaused"
    const paused = !!d.spec?.paused
    if (paused === pausedCond) return
    const status = structuredClone(d.status ?? {})
    const [reason, msg] = paused
      ? (["DeploymentPaused", "Deployment is paused"] as const)
      : (["DeploymentResumed", "Deployment is resumed"] as const)
    setCondition(status, newCondition("Progressing", "Unknown", reason, msg, this.#deps.now()))
    await this.updateStatus(status)
  }

  /** The current time of the controller's clock. */
  now(): number {
    return this.#deps.now()
  }

  /** The queue key of the Deployment. */
  get key(): string {
    return keyOf(this.d)
  }
}
