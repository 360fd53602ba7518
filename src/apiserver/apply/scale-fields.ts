/**
 * The managedFields of a /scale write (upstream's ScaleHandler): the scaled object's entries
 * that own its replicas field are shown to the Scale's field manager as owning spec.replicas,
 * and the Scale's entries are mapped back onto the object after the write.
 */
import type { ApiObject } from "../../api/index.ts"
import { UNKNOWN_OBJECT, kindShape } from "../shapes.ts"
import { timestamp } from "../registry/context.ts"
import { zeroNulls } from "../decode-nulls.ts"
import { withoutOmittedZeros } from "../omit-zero.ts"
import { type ApplyOptions, type WriteContext, applyConfig, recordUpdate } from "./field-manager.ts"
import { FieldSet, fieldPE } from "./field-set.ts"
import {
  type ManagedFieldsEntry,
  type Managers,
  decodeManagedFields,
  encodeManagedFields,
  withSet,
} from "./managed-fields.ts"

/** The apiVersion of the Scale every /scale subresource serves. */
export const SCALE_API_VERSION = "autoscaling/v1"

const REPLICAS_IN_SCALE = [fieldPE("spec"), fieldPE("replicas")]

/**
 * Where each apiVersion of a scalable kind keeps its replicas, as field names
 * (`["spec", "replicas"]`); null for a version without a scale subresource (a custom
 * resource's). An entry of an apiVersion not listed is not the kind's.
 */
export type ReplicasPaths = ReadonlyMap<string, readonly string[] | null>

function asPath(names: readonly string[]): string[] {
  return names.map(fieldPE)
}

function setOf(path: readonly string[]): FieldSet {
  return new FieldSet().insert(path)
}

/**
 * The Scale's managedFields: every entry of the object (`parentEntries`) that owns its version's
 * replicas path, as owning spec.replicas at autoscaling/v1 (its manager, operation, subresource
 * and time kept); the others are left out.
 */
export function scaleManagedFields(
  parentEntries: unknown,
  paths: ReplicasPaths,
): ManagedFieldsEntry[] | undefined {
  const out: Managers = new Map()
  for (const [id, e] of decodeManagedFields(parentEntries, true)) {
    const names = paths.get(e.apiVersion)
    if (!names || !e.set.has(asPath(names))) continue
    out.set(id, withSet({ ...e, apiVersion: SCALE_API_VERSION }, setOf(REPLICAS_IN_SCALE)))
  }
  return encodeManagedFields(out)
}

/**
 * The object's managedFields after a /scale write left the Scale with `scaleEntries`: its
 * entries of unknown apiVersions are dropped; one that owns the replicas path keeps it only if
 * the Scale still has that manager, else loses it (and goes when it owned nothing else); each
 * other Scale entry owning spec.replicas becomes an entry owning `apiVersion`'s replicas path,
 * with the time the object's entry of that manager had (none for a new one), as upstream's.
 */
export function parentManagedFields(
  parentEntries: unknown,
  scaleEntries: unknown,
  paths: ReplicasPaths,
  apiVersion: string,
): ManagedFieldsEntry[] | undefined {
  const parents = decodeManagedFields(parentEntries, true)
  const scales = decodeManagedFields(scaleEntries)
  const out: Managers = new Map()
  for (const [id, e] of parents) {
    if (!paths.has(e.apiVersion)) continue
    const names = paths.get(e.apiVersion)
    const path = names ? asPath(names) : undefined
    if (!path || !e.set.has(path)) {
      out.set(id, e)
    } else if (scales.has(id)) {
      out.set(id, e)
      scales.delete(id)
    } else {
      const rest = e.set.difference(setOf(path))
      if (!rest.isEmpty()) out.set(id, withSet(e, rest))
    }
  }
  const own = paths.get(apiVersion)
  for (const [id, e] of scales) {
    if (!own || !e.set.has(REPLICAS_IN_SCALE)) continue
    const entry = { manager: e.manager, operation: e.operation, apiVersion, subresource: e.subresource }
    out.set(id, withSet(entry, setOf(asPath(own)), parents.get(id)?.time))
  }
  return encodeManagedFields(out)
}

/** The replicas path of every version upstream serves each built-in scalable kind at. */
const BUILTIN_REPLICAS: Record<string, readonly string[]> = {
  Deployment: ["apps/v1beta1", "apps/v1beta2", "apps/v1"],
  ReplicaSet: ["apps/v1beta2", "apps/v1"],
  StatefulSet: ["apps/v1beta1", "apps/v1beta2", "apps/v1"],
  ReplicationController: ["v1"],
}

const SPEC_REPLICAS = ["spec", "replicas"]

/** The replicas paths of a built-in scalable kind (spec.replicas at each of its versions). */
export function builtinReplicasPaths(kind: string): ReplicasPaths {
  return new Map((BUILTIN_REPLICAS[kind] ?? []).map((v) => [v, SPEC_REPLICAS]))
}

const SCALE_TYPE = "io.k8s.api.autoscaling.v1.Scale"

/** The field manager's view of a write of a Scale at `nowMs`: its own kind, status tracked too. */
function scaleContext(nowMs: number): WriteContext {
  return {
    shape: kindShape("autoscaling", "v1", "Scale") ?? UNKNOWN_OBJECT,
    apiVersion: SCALE_API_VERSION,
    kind: "Scale",
    subresource: "scale",
    hasStatus: false,
    now: timestamp(nowMs),
  }
}

/**
 * The Scale `live` (with its scaleManagedFields) becomes when `opts.manager` applies `config`
 * to it at `nowMs`, with its managedFields. @throws ApiError as applyConfig
 */
export function appliedScale(live: ApiObject, config: unknown, opts: ApplyOptions, nowMs: number): ApiObject {
  const obj = applyConfig(live, config, opts, scaleContext(nowMs))
  zeroNulls(obj, SCALE_TYPE)
  return obj
}

/**
 * Records in `next` the update of the Scale `live` (with its scaleManagedFields) by `manager` at
 * `nowMs`. As upstream's field manager reads the Scale as its Go type, whose spec.replicas is
 * omitempty, a Scale of 0 replicas sets no replicas field: the update takes no ownership of it
 * (its manager loses it, and the object's other owners keep theirs).
 */
export function recordScaleUpdate(live: ApiObject, next: ApiObject, manager: string, nowMs: number): void {
  const typed = withoutOmittedZeros(SCALE_TYPE, next) as ApiObject
  recordUpdate(live, typed, manager, scaleContext(nowMs))
  if (typed === next) return
  const meta = (next.metadata ??= {})
  const managed = typed.metadata?.managedFields
  if (managed === undefined) delete meta.managedFields
  else meta.managedFields = managed
}
