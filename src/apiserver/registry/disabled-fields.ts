/**
 * Fields of the served v1.35 schema behind feature gates that upstream leaves off by default,
 * dropped on write as its strategies drop them: a pod spec's workloadRef (GenericWorkload, alpha),
 * in a pod and in every pod template, unless the stored object already has one (a field in use
 * stays, as upstream keeps it when the gate was on once).
 */
import { type ApiObject, isPlainObject } from "../../api/index.ts"

/** Where each kind keeps its pod spec, key by key. */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  "/Pod": ["spec"],
  "/PodTemplate": ["template", "spec"],
  "/ReplicationController": ["spec", "template", "spec"],
  "apps/Deployment": ["spec", "template", "spec"],
  "apps/ReplicaSet": ["spec", "template", "spec"],
  "apps/StatefulSet": ["spec", "template", "spec"],
  "apps/DaemonSet": ["spec", "template", "spec"],
  "batch/Job": ["spec", "template", "spec"],
  "batch/CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

/** The gated fields of a pod spec. */
const GATED_POD_SPEC_FIELDS = ["workloadRef"]

type Json = Record<string, unknown>

function at(obj: unknown, path: readonly string[]): Json | undefined {
  let cur = obj
  for (const key of path) cur = isPlainObject(cur) ? cur[key] : undefined
  return isPlainObject(cur) ? cur : undefined
}

/**
 * Drops the gated fields `next` sets that `old` (the stored object, on update) does not use.
 * Copies each level it changes, so what `next` shares with a stored object is never changed.
 */
export function dropDisabledFields(kindKey: string, next: ApiObject, old?: ApiObject): void {
  const path = POD_SPEC_PATHS[kindKey]
  if (!path) return
  const spec = at(next, path)
  if (!spec) return
  const inUse = at(old, path)
  const drop = GATED_POD_SPEC_FIELDS.filter((f) => f in spec && !(inUse && inUse[f] !== undefined))
  if (drop.length === 0) return
  let parent = next as unknown as Json
  for (const key of path) {
    const copy = { ...(parent[key] as Json) }
    parent[key] = copy
    parent = copy
  }
  for (const f of drop) delete parent[f]
}
