/**
 * Revisions of a Deployment's rollouts: the deployment.kubernetes.io/revision annotation (int64,
 * parsed as BigInt), the revision history of a ReplicaSet rolled back to, and which Deployment
 * annotations its ReplicaSets copy.
 */
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js"
import {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  maxSurge,
  setReplicasAnnotations,
  specReplicas,
} from "./replicas.ts"

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
/** Upstream's limit on the revision-history annotation's length. */
const MAX_REV_HISTORY_CHARS = 2000
const INT64_MAX = (1n << 63n) - 1n

/** Annotations a Deployment keeps to itself (not copied to its ReplicaSets, nor back on rollback). */
export const ANNOTATIONS_TO_SKIP: ReadonlySet<string> = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  "deprecated.deployment.rollback.to",
])

/** Parses an int64 revision; undefined when it is not one. */
export function parseRevision(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined
  const v = BigInt(s)
  return v > INT64_MAX || v < -INT64_MAX - 1n ? undefined : v
}

/** The object's revision: 0 without the annotation, undefined when it does not parse. */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): bigint | undefined {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION]
  return v === undefined ? 0n : parseRevision(v)
}

/** The highest revision among the ReplicaSets (those that do not parse are skipped). */
export function maxRevision(sets: readonly ReplicaSet[]): bigint {
  let max = 0n
  for (const rs of sets) {
    const v = revisionOf(rs)
    if (v !== undefined && v > max) max = v
  }
  return max
}

type Annotated = { metadata?: { annotations?: Record<string, string> } }

function annotationsOf(obj: Annotated): Record<string, string> {
  const meta = ((obj as { metadata?: object }).metadata ??= {}) as { annotations?: Record<string, string> }
  return (meta.annotations ??= {})
}

/** Copies the Deployment's own annotations onto `rs`; true when that changed it. Mutates `rs`. */
function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const into = annotationsOf(rs as Annotated)
  let changed = false
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || into[k] === v) continue
    into[k] = v
    changed = true
  }
  return changed
}

/** Appends `old` to the revision history, dropping the oldest entries past the length limit. */
function appendHistory(history: string | undefined, old: string): string | undefined {
  if (!history) return old
  const parts = history.split(",")
  let total = history.length + old.length + 1
  let start = 0
  while (total > MAX_REV_HISTORY_CHARS && start < parts.length) {
    total -= (parts[start] as string).length + 1
    start++
  }
  return total <= MAX_REV_HISTORY_CHARS ? [...parts.slice(start), old].join(",") : undefined
}

/**
 * Brings the new ReplicaSet's annotations up to date (upstream's SetNewReplicaSetAnnotations):
 * the Deployment's annotations, `newRevision` when higher than its own (a rollback to it records
 * its previous revision in the history), and, for a ReplicaSet about to be created, the replica
 * annotations. Returns true when anything changed. Mutates `rs`.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: bigint,
  exists: boolean,
): boolean {
  let changed = copyDeploymentAnnotations(d, rs)
  const a = annotationsOf(rs as Annotated)
  const old = a[REVISION_ANNOTATION]
  const oldValue = old === undefined || old === "" ? 0n : parseRevision(old)
  if (oldValue === undefined) return changed // unparsable: leave it for a human
  if (oldValue < newRevision) {
    a[REVISION_ANNOTATION] = newRevision.toString()
    changed = true
    if (old !== undefined) {
      const history = appendHistory(a[REVISION_HISTORY_ANNOTATION], old)
      if (history !== undefined) a[REVISION_HISTORY_ANNOTATION] = history
    }
  }
  const replicas = specReplicas(d)
  if (!exists && setReplicasAnnotations(rs, replicas, replicas + maxSurge(d))) changed = true
  return changed
}
