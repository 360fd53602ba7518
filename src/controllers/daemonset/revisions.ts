/**
 * A DaemonSet's history (upstream's constructHistory and cleanupHistory): the revision whose
 * stored template matches the set is current (made when missing, renumbered to the newest
 * when an old template returns, duplicates merged); old revisions no pod uses are trimmed to
 * revisionHistoryLimit.
 */
import { ControllerRevisions, DaemonSets, Pods } from "../../api/index.ts"
import type { Client } from "../../client/index.ts"
import {
  canonicalJson,
  createControllerRevision,
  type Revision,
  sortRevisions,
  truncateHistory,
  updateRevisionNumber,
} from "../history/index.ts"
import type { PodObject } from "../set-pods/index.ts"
import type { DaemonSetObject } from "./placement.ts"
import { HASH_LABEL } from "./pods.ts"

/** The data of a revision of `ds`: a patch that puts its pod template back. */
export function revisionData(ds: DaemonSetObject): unknown {
  return { spec: { template: { ...structuredClone(ds.spec?.template ?? {}), $patch: "replace" } } }
}

/** True when the revision stores the set's current template. */
export function matchesRevision(ds: DaemonSetObject, rev: Revision): boolean {
  return canonicalJson(rev.data ?? null) === canonicalJson(revisionData(ds))
}

/** The current revision, the older ones, and the collision count the current one was named with. */
export interface DaemonHistory {
  readonly cur: Revision
  readonly old: Revision[]
  readonly collisionCount: number
}

async function labelled(client: Client, rev: Revision): Promise<Revision> {
  if (rev.metadata?.labels?.[HASH_LABEL]) return rev
  const next = structuredClone(rev) as Revision
  const meta = next.metadata as NonNullable<Revision["metadata"]>
  // The name's suffix stands in for the hash, so collisions need no thought.
  meta.labels = { ...(meta.labels ?? {}), [HASH_LABEL]: meta.name ?? "" }
  return client.resource(ControllerRevisions).update(next)
}

/** Keeps the newest of several revisions of the current template; relabels pods of the others. */
async function dedup(
  client: Client,
  current: readonly Revision[],
  pods: readonly PodObject[],
): Promise<Revision> {
  const sorted = sortRevisions(current)
  const keep = sorted[sorted.length - 1] as Revision
  if (sorted.length === 1) return keep
  const hash = keep.metadata?.labels?.[HASH_LABEL] ?? ""
  for (const pod of pods) {
    if (pod.metadata?.labels?.[HASH_LABEL] === hash) continue
    await client
      .resource(Pods)
      .patch(
        { namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" },
        { metadata: { labels: { [HASH_LABEL]: hash } } },
        { type: "merge" },
      )
  }
  await truncateHistory(client, sorted.slice(0, -1), 0)
  return keep
}

/** Finds or makes the current revision of `ds` among `revisions` (those it controls). */
export async function constructHistory(
  client: Client,
  ds: DaemonSetObject,
  revisions: readonly Revision[],
  pods: readonly PodObject[],
): Promise<DaemonHistory> {
  const current: Revision[] = []
  const old: Revision[] = []
  for (const r of revisions) {
    const rev = await labelled(client, r)
    ;(matchesRevision(ds, rev) ? current : old).push(rev)
  }
  const next = Math.max(0, ...old.map((r) => r.revision)) + 1
  let collisionCount = ds.status?.collisionCount ?? 0
  let cur: Revision
  if (!current.length) {
    const created = await createControllerRevision(client, {
      owner: ds,
      ownerRef: DaemonSets,
      labels: ds.spec?.template?.metadata?.labels ?? {},
      annotations: ds.metadata?.annotations ?? {},
      data: revisionData(ds),
      hashOf: ds.spec?.template ?? {},
      hashLabel: HASH_LABEL,
      revision: next,
      collisionCount,
    })
    cur = created.revision
    collisionCount = created.collisionCount
  } else {
    cur = await dedup(client, current, pods)
    if (cur.revision < next) cur = await updateRevisionNumber(client, cur, next)
  }
  return { cur, old, collisionCount }
}

/** Deletes the oldest revisions no pod runs until at most revisionHistoryLimit old ones remain. */
export async function cleanupHistory(
  client: Client,
  ds: DaemonSetObject,
  old: readonly Revision[],
  pods: readonly PodObject[],
): Promise<void> {
  let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10)
  if (toKill <= 0) return
  const live = new Set(pods.map((p) => p.metadata?.labels?.[HASH_LABEL]).filter(Boolean))
  const doomed: Revision[] = []
  for (const rev of sortRevisions(old)) {
    if (toKill <= 0) break
    if (live.has(rev.metadata?.labels?.[HASH_LABEL])) continue
    doomed.push(rev)
    toKill--
  }
  await truncateHistory(client, doomed, 0)
}
