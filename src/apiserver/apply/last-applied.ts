/**
 * kubectl's last-applied-configuration annotation under server-side apply (upstream's
 * lastAppliedManager and lastAppliedUpdater): kubectl may take over fields whose live value is
 * still the one it last applied client-side, and its server-side applies keep the annotation
 * current so that client-side apply still diffs right.
 */
import type { ApiObject } from "../../api/index.ts"
import { goJsonEscape, setKey } from "../../util/index.ts"
import type { Shape } from "../shapes.ts"
import type { FieldSet } from "./field-set.ts"
import { type Obj, comparable, compare, isObj, toFieldSet } from "./typed.ts"

/** The annotation client-side apply keeps its configuration in. */
export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

/** kubectl's conflicts with fields whose live value is still its last-applied one are allowed. */
export function allowedByLastApplied(
  live: ApiObject | undefined,
  conflicts: Map<string, FieldSet>,
  kind: { readonly shape: Shape; readonly apiVersion: string },
): boolean {
  const raw = live?.metadata?.annotations?.[LAST_APPLIED]
  if (!raw) return false
  let lastApplied: unknown
  try {
    lastApplied = JSON.parse(raw)
  } catch {
    return false
  }
  if (!isObj(lastApplied) || lastApplied.apiVersion !== kind.apiVersion) return false
  const c = compare(lastApplied, comparable(live), kind.shape)
  const allowed = toFieldSet(lastApplied, kind.shape)
    .difference(c.modified)
    .difference(c.added)
    .difference(c.removed)
  for (const set of conflicts.values()) if (!set.difference(allowed).isEmpty()) return false
  return true
}

/** Keeps kubectl's last-applied annotation in step with what it applies server-side. */
export function updateLastApplied(merged: Obj, config: Obj): void {
  const annotations = (merged.metadata as Obj | undefined)?.annotations as Record<string, string> | undefined
  if (!annotations?.[LAST_APPLIED]) return
  const copy = structuredClone(config) as { metadata?: { annotations?: Record<string, string> } }
  if (copy.metadata?.annotations) {
    delete copy.metadata.annotations[LAST_APPLIED]
  }
  // Encoded as upstream's lastAppliedUpdater encodes it: a json.Encoder's line (HTML-escaped,
  // with its newline), so kubectl's later client-side diffs see the same text.
  annotations[LAST_APPLIED] = `${goJsonEscape(JSON.stringify(sortedKeys(copy)))}\n`
}

/** A JSON value with its object keys sorted, as Go encodes maps. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys)
  if (!isObj(v)) return v
  const out: Obj = {}
  for (const k of Object.keys(v).sort()) setKey(out, k, sortedKeys(v[k]))
  return out
}
