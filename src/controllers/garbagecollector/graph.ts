/**
 * The garbage collector's dependency graph: one node per object uid, each with the owner
 * references it holds and the nodes that name it as an owner. Nodes for owners not yet seen
 * are "virtual" until an informer observes them or a live read proves them absent.
 */
import type { OwnerReference } from "../../api/index.ts"

/** Where an object lives and who it is. */
export interface ObjectIdentity {
  readonly apiVersion: string
  readonly kind: string
  /** Empty for cluster-scoped objects. */
  readonly namespace: string
  readonly name: string
  readonly uid: string
}

/** One object in the graph. */
export interface GraphNode {
  identity: ObjectIdentity
  owners: readonly OwnerReference[]
  readonly dependents: Set<GraphNode>
  /** Seen by an informer (false: only named by someone's ownerReferences). */
  observed: boolean
  /** Has a deletionTimestamp. */
  beingDeleted: boolean
  /** Being deleted with the foregroundDeletion finalizer: waits for blocking dependents. */
  deletingDependents: boolean
}

/** The dependents whose reference to `owner` blocks its deletion. */
export function blockingDependents(owner: GraphNode): GraphNode[] {
  return [...owner.dependents].filter((d) =>
    d.owners.some((r) => r.uid === owner.identity.uid && r.blockOwnerDeletion === true),
  )
}

/** A uid-indexed graph of owners and dependents. */
export class DependencyGraph {
  readonly #nodes = new Map<string, GraphNode>()

  get(uid: string): GraphNode | undefined {
    return this.#nodes.get(uid)
  }

  get size(): number {
    return this.#nodes.size
  }

  /**
   * Adds `node` and links it to its owners, creating virtual owner nodes where needed.
   * Returns the virtual nodes created (they need verifying).
   */
  insert(node: GraphNode, ownerIdentity: (ref: OwnerReference) => ObjectIdentity): GraphNode[] {
    this.#nodes.set(node.identity.uid, node)
    return this.link(node, node.owners, ownerIdentity)
  }

  /** Adds `node` to the dependents of each of `refs`; returns the virtual owners it created. */
  link(
    node: GraphNode,
    refs: readonly OwnerReference[],
    ownerIdentity: (ref: OwnerReference) => ObjectIdentity,
  ): GraphNode[] {
    const created: GraphNode[] = []
    for (const ref of refs) {
      let owner = this.#nodes.get(ref.uid)
      if (!owner) {
        owner = {
          identity: ownerIdentity(ref),
          owners: [],
          dependents: new Set(),
          observed: false,
          beingDeleted: false,
          deletingDependents: false,
        }
        this.#nodes.set(ref.uid, owner)
        created.push(owner)
      }
      owner.dependents.add(node)
    }
    return created
  }

  /** Removes `node` from the dependents of each of `refs`. */
  unlink(node: GraphNode, refs: readonly OwnerReference[]): void {
    for (const ref of refs) this.#nodes.get(ref.uid)?.dependents.delete(node)
  }

  /** Removes `node` and its links to its owners (its dependents keep their references). */
  remove(node: GraphNode): void {
    this.unlink(node, node.owners)
    this.#nodes.delete(node.identity.uid)
  }
}

/** True when a blocking reference was removed (`next` undefined) or stopped blocking. */
export function blockingOwnerRemoved(prev: OwnerReference, next: OwnerReference | undefined): boolean {
  return prev.blockOwnerDeletion === true && next?.blockOwnerDeletion !== true
}
