/**
 * A DaemonSet's template generation, which upstream's apps/v1 keeps in the annotation
 * `deprecated.daemonset.template.generation` (its internal spec.templateGeneration): 1 on create
 * (or the creator's, when a positive number), one more on each update that changes
 * spec.template, else as stored; a client cannot change or remove it. The DaemonSet controller
 * labels its pods with it (pod-template-generation).
 */
import type { ApiObject } from "../../api/index.ts"
import { jsonEqual } from "../../util/index.ts"

const ANNOTATION = "deprecated.daemonset.template.generation"

type DaemonSetLike = ApiObject & { spec?: { template?: unknown } }

function generationOf(obj: ApiObject): number | undefined {
  const raw = obj.metadata?.annotations?.[ANNOTATION]
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return undefined
  return Number(raw)
}

function setGeneration(obj: ApiObject, generation: number): void {
  const meta = obj.metadata ?? (obj.metadata = {})
  // The annotations may be shared with a stored object: replaced, never changed in place.
  meta.annotations = { ...meta.annotations, [ANNOTATION]: String(generation) }
}

/** On create. Mutates `obj`. */
export function templateGenerationOnCreate(obj: ApiObject): void {
  const given = generationOf(obj)
  setGeneration(obj, given !== undefined && given >= 1 ? given : 1)
}

/** On an update of the main resource, `old` the stored object. Mutates `next`. */
export function templateGenerationOnUpdate(next: DaemonSetLike, old: DaemonSetLike): void {
  // A set stored without it (written before k8ts kept it) counts as created at 1.
  const was = generationOf(old) ?? 1
  setGeneration(next, jsonEqual(next.spec?.template, old.spec?.template) ? was : was + 1)
}
