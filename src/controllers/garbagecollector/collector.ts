/**
 * What the garbage collector does to one node (upstream's attemptToDeleteItem and
 * attemptToOrphanWorker): verify it live, classify its owners as solid, dangling or waiting
 * for dependents, then delete it, drop references, or release its owner's finalizer.
 */
import {
  ApiError,
  type ApiObject,
  isNotFound,
  type OwnerReference,
  type ResourceRef,
} from "../../api/index.ts"
import { type Client, type DeleteOptions, type EventRecorder, QuietRetryError } from "../../client/index.ts"
import type { Logger } from "../../util/index.ts"
import { blockingDependents, type GraphNode, type ObjectIdentity } from "./graph.ts"
import { FOREGROUND_FINALIZER, type GraphBuilder, ORPHAN_FINALIZER } from "./graph-builder.ts"

/** Finds the resource of a kind (by API group and kind). */
export type ResourceOf = (group: string, kind: string) => ResourceRef | undefined

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/")
  return i < 0 ? "" : apiVersion.slice(0, i)
}

/** How many times a read-modify-write is retried on a Conflict before giving up. */
const CONFLICT_RETRIES = 5
/** How many owner uids known to be gone are remembered (uids are never reused). */
const ABSENT_OWNERS = 1000

interface Classified {
  readonly solid: OwnerReference[]
  readonly dangling: OwnerReference[]
  readonly waiting: OwnerReference[]
}

/** Acts on graph nodes through the API; see the module comment. */
export class Collector {
  readonly #client: Client
  readonly #builder: GraphBuilder
  readonly #resourceOf: ResourceOf
  readonly #enqueue: (node: GraphNode) => void
  readonly #log: Logger
  readonly #recorder: EventRecorder
  /** Owners (`namespace/uid`) a live read found gone: no further reads of them are needed. */
  readonly #absent = new Set<string>()

  constructor(opts: {
    readonly client: Client
    readonly builder: GraphBuilder
    readonly resourceOf: ResourceOf
    /** Queues a node for attemptToDelete. */
    readonly enqueue: (node: GraphNode) => void
    readonly log: Logger
    readonly recorder: EventRecorder
  }) {
    this.#client = opts.client
    this.#builder = opts.builder
    this.#resourceOf = opts.resourceOf
    this.#enqueue = opts.enqueue
    this.#log = opts.log
    this.#recorder = opts.recorder
  }

  /** Deletes `item` if every owner is gone, or drops references to owners that are going. */
  async attemptToDelete(item: GraphNode): Promise<void> {
    // Being deleted is a one-way trip: its dependents are handled when it is gone.
    if (item.beingDeleted && !item.deletingDependents) return
    const latest = await this.#get(item.identity)
    if (!latest || latest.metadata?.uid !== item.identity.uid) {
      this.#builder.remove(item.identity.uid)
      return
    }
    if (item.deletingDependents) return this.#processDeletingDependents(item)
    const owners = latest.metadata?.ownerReferences ?? []
    if (owners.length === 0) return
    const { solid, dangling, waiting } = await this.#classify(item, latest, owners)
    if (solid.length) {
      if (!dangling.length && !waiting.length) return
      // References to owners waiting on their dependents would keep those owners forever.
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid))
      await this.#updateOwnerRefs(item, (refs) => refs.filter((r) => !drop.has(r.uid)))
      return
    }
    if (waiting.length && item.dependents.size) {
      // A dependent of ours also waits on its dependents: unblock our references to break a cycle.
      if ([...item.dependents].some((d) => d.deletingDependents)) {
        await this.#updateOwnerRefs(item, (refs) => refs.map((r) => ({ ...r, blockOwnerDeletion: false })))
      }
      await this.#delete(item, "Foreground")
      return
    }
    const finalizers = latest.metadata?.finalizers ?? []
    const policy = finalizers.includes(ORPHAN_FINALIZER)
      ? "Orphan"
      : finalizers.includes(FOREGROUND_FINALIZER)
        ? "Foreground"
        : "Background"
    await this.#delete(item, policy)
  }

  /** Removes `owner` from its dependents' references, then its orphan finalizer. */
  async attemptToOrphan(owner: GraphNode): Promise<void> {
    const failures: string[] = []
    await Promise.all(
      [...owner.dependents].map((dep) =>
        this.#updateOwnerRefs(dep, (refs) => refs.filter((r) => r.uid !== owner.identity.uid)).catch(
          (err: unknown) => {
            failures.push(`orphaning ${describe(dep.identity)} failed, ${String(err)}`)
          },
        ),
      ),
    )
    if (failures.length) {
      throw new Error(
        `failed to orphan dependents of owner ${describe(owner.identity)}, got errors: ${failures.join(", ")}`,
      )
    }
    await this.#removeFinalizer(owner, ORPHAN_FINALIZER)
  }

  async #processDeletingDependents(item: GraphNode): Promise<void> {
    const blocking = blockingDependents(item)
    if (blocking.length === 0) {
      await this.#removeFinalizer(item, FOREGROUND_FINALIZER)
      return
    }
    for (const dep of blocking) if (!dep.deletingDependents) this.#enqueue(dep)
  }

  async #classify(item: GraphNode, latest: ApiObject, refs: readonly OwnerReference[]): Promise<Classified> {
    const out: Classified = { solid: [], dangling: [], waiting: [] }
    for (const ref of refs) {
      const id = this.#builder.ownerIdentity(ref, item.identity.namespace)
      // A cluster-scoped object cannot be owned by a namespaced one.
      const invalid =
        !item.identity.namespace && !!this.#resourceOf(groupOf(ref.apiVersion), ref.kind)?.namespaced
      if (invalid) {
        const message = `ownerRef ${describe({ ...id, namespace: "" })} does not exist in namespace ""`
        this.#recorder.event(latest, "Warning", "OwnerRefInvalidNamespace", message, this.#ref(item.identity))
      }
      // Absence is remembered by uid and place: a reference from another namespace may be wrong.
      const absentKey = `${id.namespace}/${ref.uid}`
      const owner = invalid || this.#absent.has(absentKey) ? undefined : await this.#get(id)
      if (!owner || owner.metadata?.uid !== ref.uid) {
        out.dangling.push(ref)
        if (!invalid) this.#rememberAbsent(absentKey)
      } else if (
        owner.metadata?.deletionTimestamp &&
        owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER)
      ) {
        out.waiting.push(ref)
      } else out.solid.push(ref)
    }
    return out
  }

  #rememberAbsent(key: string): void {
    this.#absent.add(key)
    if (this.#absent.size > ABSENT_OWNERS) this.#absent.delete(this.#absent.values().next().value as string)
  }

  #ref(id: ObjectIdentity): ResourceRef {
    const ref = this.#resourceOf(groupOf(id.apiVersion), id.kind)
    // A kind discovery does not know (yet: a CRD being added, or never): retried, quietly.
    if (!ref) throw new QuietRetryError(`Cannot find the resource of kind "${id.kind}" in "${id.apiVersion}"`)
    return ref
  }

  /** The live object, or undefined when it is absent. */
  async #get(id: ObjectIdentity): Promise<ApiObject | undefined> {
    const ref = this.#ref(id)
    try {
      return await this.#client
        .resource(ref)
        .get({ ...(ref.namespaced ? { namespace: id.namespace } : {}), name: id.name })
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  async #delete(item: GraphNode, policy: NonNullable<DeleteOptions["propagationPolicy"]>): Promise<void> {
    const id = item.identity
    const ref = this.#ref(id)
    this.#log.info({ item: describe(id), propagationPolicy: policy }, "Deleting item")
    try {
      await this.#client
        .resource(ref)
        .delete(
          { ...(ref.namespaced ? { namespace: id.namespace } : {}), name: id.name },
          { propagationPolicy: policy, preconditions: { uid: id.uid } },
        )
    } catch (err) {
      // Gone already, or replaced by a namesake (the uid precondition failed): nothing to delete.
      if (isNotFound(err) || (err instanceof ApiError && err.reason === "Conflict")) return
      throw err
    }
  }

  /** Rewrites the live object's ownerReferences with `edit`, retrying on conflicts. */
  async #updateOwnerRefs(
    node: GraphNode,
    edit: (refs: readonly OwnerReference[]) => OwnerReference[],
  ): Promise<void> {
    await this.#readModifyWrite(node, (obj) => {
      const refs = obj.metadata?.ownerReferences ?? []
      const next = edit(refs)
      if (JSON.stringify(next) === JSON.stringify(refs)) return undefined
      const { ownerReferences: _old, ...rest } = obj.metadata ?? {}
      // An emptied list is omitted, as upstream's patch leaves it.
      return { ...obj, metadata: next.length ? { ...rest, ownerReferences: next } : rest }
    })
  }

  async #removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    await this.#readModifyWrite(node, (obj) => {
      const fs = obj.metadata?.finalizers ?? []
      if (!fs.includes(finalizer)) return undefined
      return { ...obj, metadata: { ...obj.metadata, finalizers: fs.filter((f) => f !== finalizer) } }
    })
  }

  async #readModifyWrite(node: GraphNode, change: (obj: ApiObject) => ApiObject | undefined): Promise<void> {
    const ref = this.#ref(node.identity)
    for (let attempt = 0; ; attempt++) {
      const obj = await this.#get(node.identity)
      if (!obj || obj.metadata?.uid !== node.identity.uid) return
      const next = change(obj)
      if (!next) return
      try {
        await this.#client.resource(ref).update(next)
        return
      } catch (err) {
        if (isNotFound(err)) return
        if (!(err instanceof ApiError && err.reason === "Conflict") || attempt >= CONFLICT_RETRIES) throw err
      }
    }
  }
}

/** `[apiVersion/kind, namespace: ns, name: n, uid: u]`, upstream's objectReference format. */
export function describe(id: ObjectIdentity): string {
  return `[${id.apiVersion}/${id.kind}, namespace: ${id.namespace}, name: ${id.name}, uid: ${id.uid}]`
}
