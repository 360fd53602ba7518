/**
 * Whether two JSON values encode the same data whatever the order of their objects' keys: what
 * comparing their encodings means where the encoder's key order is fixed (Go's is a struct's
 * field order), as upstream's no-op update check compares them. A key set to undefined counts
 * as absent, as JSON.stringify leaves it out.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  let n = 0
  for (const k of Object.keys(ao)) {
    const v = ao[k]
    if (v === undefined) continue
    n++
    if (!Object.hasOwn(bo, k) || !jsonEqual(v, bo[k])) return false
  }
  for (const k of Object.keys(bo)) if (bo[k] !== undefined) n--
  return n === 0
}
