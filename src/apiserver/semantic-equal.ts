/**
 * Upstream's equality.Semantic.DeepEqual over JSON values, as NodeRestriction compares a node's
 * writes and the APF config producer compares specs.
 */

/**
 * Equal as Go's semantic equality: an absent, null or empty list equals another (a nil slice
 * equals an empty one). An empty object is not an absent one: JSON cannot tell an empty map from
 * a pointer to an empty struct, and such a pointer is not nil (a node's `configSource: {}` is a
 * new one).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmptyList(a) && isEmptyList(b)) return true
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((x, i) => semanticEqual(x, bb[i]))
  }
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    if (!semanticEqual(ao[k], bo[k])) return false
  }
  return true
}

function isEmptyList(v: unknown): boolean {
  if (v === undefined || v === null) return true
  if (Array.isArray(v)) return v.length === 0
  return false
}
