/**
 * ControllerRevisions, the history StatefulSets and DaemonSets keep of their pod templates
 * (upstream's controller/history): naming `<owner>-<hash>`, ordering by revision number,
 * equality of stored data, creation that resolves hash collisions, and truncation.
 */
import type { ControllerRevision } from "kubernetes-types/apps/v1.js"
import {
  type ApiObject,
  controllerRef,
  ControllerRevisions,
  isAlreadyExists,
  isControlledBy,
  isNotFound,
  type ResourceRef,
} from "../../api/index.ts"
import type { Client } from "../../client/index.ts"
import { canonicalJson, computeHash } from "./hash.ts"

/** A ControllerRevision as controllers read and write it. */
export type Revision = ControllerRevision & ApiObject

/** The label upstream's history package puts on every revision: the hash in its name. */
export const CONTROLLER_REVISION_HASH_LABEL = "controller.kubernetes.io/hash"

/** Longest owner-name prefix of a revision name (upstream's ControllerRevisionName). */
const MAX_PREFIX = 223

/** The name of the revision of `prefix` (the owner's name) with template hash `hash`. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, MAX_PREFIX)}-${hash}`
}

/** What newControllerRevision builds a revision from. */
export interface NewRevisionOptions {
  readonly owner: ApiObject
  /** The owner's resource, for its controller reference. */
  readonly ownerRef: ResourceRef
  /** Copied onto the revision (upstream copies the pod template's labels). */
  readonly labels?: Readonly<Record<string, string>>
  /** Copied onto the revision (upstream copies the owner's annotations). */
  readonly annotations?: Readonly<Record<string, string>>
  /** The stored state: a patch that restores the owner's template. */
  readonly data: unknown
  readonly revision: number
  /** Names the label the hash goes in (default controller.kubernetes.io/hash). */
  readonly hashLabel?: string
  /** What the hash is taken of (default `data`). */
  readonly hashOf?: unknown
}

/** A new (unsaved) revision named `<owner>-<hash>` for the given collision count. */
export function newControllerRevision(opts: NewRevisionOptions, collisionCount: number): Revision {
  const hash = computeHash(opts.hashOf ?? opts.data, collisionCount)
  const owner = opts.owner.metadata ?? {}
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionName(owner.name ?? "", hash),
      namespace: owner.namespace ?? "",
      labels: { ...(opts.labels ?? {}), [opts.hashLabel ?? CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(opts.annotations && Object.keys(opts.annotations).length
        ? { annotations: { ...opts.annotations } }
        : {}),
      ownerReferences: [controllerRef(opts.owner, opts.ownerRef)],
    },
    data: opts.data as never,
    revision: opts.revision,
  }
}

/** Sorts revisions oldest first: by revision number, then creation time, then name. */
export function sortRevisions(revisions: readonly Revision[]): Revision[] {
  return [...revisions].sort(
    (a, b) =>
      a.revision - b.revision ||
      (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? "") ||
      (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
  )
}

/** The revision number after the newest of `sorted` (1 for an empty history). */
export function nextRevision(sorted: readonly Revision[]): number {
  const last = sorted[sorted.length - 1]
  return last ? last.revision + 1 : 1
}

/** True when two revisions store the same data. */
export function equalRevision(a: Revision | undefined, b: Revision | undefined): boolean {
  if (!a || !b) return false
  return canonicalJson(a.data ?? null) === canonicalJson(b.data ?? null)
}

/** The revisions of `revisions` that store the same data as `needle`, in their order. */
export function findEqualRevisions(revisions: readonly Revision[], needle: Revision): Revision[] {
  return revisions.filter((r) => equalRevision(r, needle))
}

/** What createControllerRevision made, and the collision count it settled on. */
export interface Created {
  readonly revision: Revision
  readonly collisionCount: number
}

/**
 * Saves a new revision. When its name is taken by a revision with other data (a hash
 * collision) the collision count grows and a new name is tried, as upstream does; when the
 * taken name holds the same data for the same owner, that revision is the answer.
 */
export async function createControllerRevision(
  client: Client,
  opts: NewRevisionOptions & { readonly collisionCount: number },
): Promise<Created> {
  const revisions = client.resource(ControllerRevisions)
  let count = opts.collisionCount
  for (;;) {
    const rev = newControllerRevision(opts, count)
    try {
      return { revision: await revisions.create(rev), collisionCount: count }
    } catch (err) {
      if (!isAlreadyExists(err)) throw err
      const existing = await revisions.get({
        namespace: rev.metadata?.namespace ?? "",
        name: rev.metadata?.name ?? "",
      })
      if (isControlledBy(existing, opts.owner) && equalRevision(existing, rev)) {
        return { revision: existing, collisionCount: count }
      }
      count++
    }
  }
}

/** Gives `rev` a new revision number (a rollback to it, or a re-labelled current revision). */
export async function updateRevisionNumber(
  client: Client,
  rev: Revision,
  revision: number,
): Promise<Revision> {
  if (rev.revision === revision) return rev
  const next = structuredClone(rev)
  next.revision = revision
  return client.resource(ControllerRevisions).update(next)
}

/**
 * Deletes the oldest of `history` (revisions not in use, sorted oldest first) until at most
 * `limit` remain. A negative limit keeps everything.
 */
export async function truncateHistory(
  client: Client,
  history: readonly Revision[],
  limit: number,
): Promise<void> {
  if (limit < 0 || history.length <= limit) return
  const revisions = client.resource(ControllerRevisions)
  for (const rev of history.slice(0, history.length - limit)) {
    await revisions
      .delete({ namespace: rev.metadata?.namespace ?? "", name: rev.metadata?.name ?? "" })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err
      })
  }
}
