/**
 * Keeps the dependency graph current from informer events of every kind (upstream's
 * GraphBuilder): inserts, relinks and removes nodes, and enqueues the nodes whose fate may
 * have changed: dependents of a deleted owner, owners waiting on a dependent that went,
 * virtual owners to verify, and objects that start a foreground or orphan deletion.
 */
import type { ApiObject, OwnerReference } from "../../api/index.ts"
import { blockingOwnerRemoved, type DependencyGraph, type GraphNode, type ObjectIdentity } from "./graph.ts"

/** The finalizer that makes an owner wait for its blocking dependents. */
export const FOREGROUND_FINALIZER = "foregroundDeletion"
/** The finalizer that makes the collector orphan an owner's dependents. */
export const ORPHAN_FINALIZER = "orphan"

/** Where the graph builder sends nodes that need a look. */
export interface GcQueues {
  attemptToDelete(node: GraphNode): void
  attemptToOrphan(node: GraphNode): void
}

/** Tells whether a kind (by API group and kind) is namespaced; undefined when unknown. */
export type ScopeOf = (group: string, kind: string) => boolean | undefined

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/")
  return i < 0 ? "" : apiVersion.slice(0, i)
}

function hasFinalizer(obj: ApiObject | undefined, f: string): boolean {
  return !!obj?.metadata?.finalizers?.includes(f)
}

/** True when the object is being deleted and holds finalizer `f`. */
function waitsWith(obj: ApiObject | undefined, f: string): boolean {
  return !!obj?.metadata?.deletionTimestamp && hasFinalizer(obj, f)
}

/** Folds informer events into the graph; see the module comment. */
export class GraphBuilder {
  readonly #graph: DependencyGraph
  readonly #queues: GcQueues
  readonly #scopeOf: ScopeOf

  constructor(graph: DependencyGraph, queues: GcQueues, scopeOf: ScopeOf) {
    this.#graph = graph
    this.#queues = queues
    this.#scopeOf = scopeOf
  }

  /** The identity an owner reference names, seen from a dependent in `namespace`. */
  ownerIdentity(ref: OwnerReference, namespace: string): ObjectIdentity {
    const namespaced = this.#scopeOf(groupOf(ref.apiVersion), ref.kind) ?? true
    return {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      namespace: namespaced ? namespace : "",
      name: ref.name,
      uid: ref.uid,
    }
  }

  /** An object was added or changed (`old` is its previous state, if known). */
  observe(identity: ObjectIdentity, obj: ApiObject, old?: ApiObject): void {
    if (!identity.uid) return
    const owners = obj.metadata?.ownerReferences ?? []
    const beingDeleted = !!obj.metadata?.deletionTimestamp
    const ownerOf = (ref: OwnerReference) => this.ownerIdentity(ref, identity.namespace)
    let node = this.#graph.get(identity.uid)
    if (!node) {
      node = {
        identity,
        owners,
        dependents: new Set(),
        observed: true,
        beingDeleted,
        deletingDependents: beingDeleted && hasFinalizer(obj, FOREGROUND_FINALIZER),
      }
      for (const v of this.#graph.insert(node, ownerOf)) this.#queues.attemptToDelete(v)
      this.#checkNamespaces(node, owners)
    } else {
      node.identity = identity
      node.observed = true
      this.#updateOwners(node, owners, ownerOf)
      if (beingDeleted) node.beingDeleted = true
    }
    this.#processTransitions(node, obj, old)
  }

  /** An object was deleted, as an informer saw it or as a live read proved it. */
  remove(uid: string): void {
    const node = this.#graph.get(uid)
    if (!node) return
    this.#graph.remove(node)
    for (const dep of node.dependents) this.#queues.attemptToDelete(dep)
    for (const ref of node.owners) {
      const owner = this.#graph.get(ref.uid)
      if (owner?.deletingDependents) this.#queues.attemptToDelete(owner)
    }
  }

  #updateOwners(
    node: GraphNode,
    owners: readonly OwnerReference[],
    ownerOf: (ref: OwnerReference) => ObjectIdentity,
  ): void {
    const before = new Map(node.owners.map((r) => [r.uid, r]))
    const after = new Map(owners.map((r) => [r.uid, r]))
    const added = owners.filter((r) => !before.has(r.uid))
    const removed = node.owners.filter((r) => !after.has(r.uid))
    const unblocked = node.owners.filter((r) => blockingOwnerRemoved(r, after.get(r.uid)))
    if (!added.length && !removed.length && !unblocked.length && sameRefs(node.owners, owners)) return
    // Owners waiting in the foreground may now have nothing blocking them.
    for (const r of unblocked) {
      const owner = this.#graph.get(r.uid)
      if (owner?.deletingDependents) this.#queues.attemptToDelete(owner)
    }
    node.owners = owners
    this.#graph.unlink(node, removed)
    for (const v of this.#graph.link(node, added, ownerOf)) this.#queues.attemptToDelete(v)
    this.#checkNamespaces(node, added)
  }

  /** A dependent naming an observed owner of another namespace is wrong: look at it now. */
  #checkNamespaces(node: GraphNode, refs: readonly OwnerReference[]): void {
    for (const ref of refs) {
      const owner = this.#graph.get(ref.uid)
      const ns = owner?.identity.namespace
      if (owner?.observed && ns && ns !== node.identity.namespace) {
        this.#queues.attemptToDelete(node)
        return
      }
    }
  }

  #processTransitions(node: GraphNode, obj: ApiObject, old: ApiObject | undefined): void {
    if (waitsWith(obj, ORPHAN_FINALIZER) && !waitsWith(old, ORPHAN_FINALIZER)) {
      this.#queues.attemptToOrphan(node)
      return
    }
    if (waitsWith(obj, FOREGROUND_FINALIZER) && !waitsWith(old, FOREGROUND_FINALIZER)) {
      node.deletingDependents = true
      for (const dep of node.dependents) this.#queues.attemptToDelete(dep)
      this.#queues.attemptToDelete(node)
    }
  }
}

function sameRefs(a: readonly OwnerReference[], b: readonly OwnerReference[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
