/**
 * A StatefulSet's revisions: the patch each stores (the pod template, replacing whatever the
 * set has), restoring a set at a revision, and finding or making the current and update
 * revisions (a template seen before is a rollback: its revision gets the next number).
 */
import { StatefulSets } from "../../api/index.ts"
import {
  createControllerRevision,
  findEqualRevisions,
  equalRevision,
  newControllerRevision,
  nextRevision,
  type Revision,
  updateRevisionNumber,
} from "../history/index.ts"
import type { Client } from "../../client/index.ts"
import type { StatefulSetObject } from "./identity.ts"

/** The data of a revision of `set`: a patch that puts its pod template back. */
export function revisionData(set: StatefulSetObject): unknown {
  return { spec: { template: { ...structuredClone(set.spec?.template ?? {}), $patch: "replace" } } }
}

/** `set` with the pod template stored in `rev`. */
export function applyRevision(set: StatefulSetObject, rev: Revision): StatefulSetObject {
  const clone = structuredClone(set) as StatefulSetObject
  const stored = (rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template
  if (stored && clone.spec) {
    const { $patch: _replace, ...template } = stored
    ;(clone.spec as { template: unknown }).template = structuredClone(template)
  }
  return clone
}

function revisionOptions(set: StatefulSetObject, revision: number) {
  return {
    owner: set,
    ownerRef: StatefulSets,
    labels: set.spec?.template?.metadata?.labels ?? {},
    annotations: set.metadata?.annotations ?? {},
    data: revisionData(set),
    revision,
  }
}

/** The current and update revisions of a set, and the collision count they were named with. */
export interface SetRevisions {
  readonly current: Revision
  readonly update: Revision
  readonly collisionCount: number
}

/**
 * Finds (or creates) the revision of the set's template, and the current revision named in its
 * status (the update revision when none is). `sorted` is the set's history, oldest first.
 */
export async function statefulSetRevisions(
  client: Client,
  set: StatefulSetObject,
  sorted: readonly Revision[],
): Promise<SetRevisions> {
  let collisionCount = set.status?.collisionCount ?? 0
  const opts = revisionOptions(set, nextRevision(sorted))
  const candidate = newControllerRevision(opts, collisionCount)
  const equal = findEqualRevisions(sorted, candidate)
  const last = sorted[sorted.length - 1]
  const newestEqual = equal[equal.length - 1]
  let update: Revision
  if (newestEqual && equalRevision(last, newestEqual)) {
    // The newest revision already holds this template: nothing changed.
    update = last as Revision
  } else if (newestEqual) {
    // An older revision holds it: a rollback, which renumbers that revision.
    update = await updateRevisionNumber(client, newestEqual, candidate.revision)
  } else {
    const created = await createControllerRevision(client, { ...opts, collisionCount })
    update = created.revision
    collisionCount = created.collisionCount
  }
  const currentName = set.status?.currentRevision
  const current = sorted.find((r) => r.metadata?.name === currentName) ?? update
  return { current, update, collisionCount }
}
