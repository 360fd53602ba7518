/** Upstream's equality.Semantic.DeepEqual over JSON objects, as NodeRestriction compares writes. */
import { isDeepStrictEqual } from "node:util"

/** A value with its empty lists, maps and absent fields dropped, as Go's semantic equality ignores them. */
function normalized(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(normalized) : undefined
  if (v === null || typeof v !== "object") return v ?? undefined
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) {
    const n = normalized(x)
    if (n !== undefined) out[k] = n
  }
  return Object.keys(out).length ? out : undefined
}

/** Equal but for empty or absent lists and maps (upstream's equality.Semantic.DeepEqual). */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(normalized(a), normalized(b))
}
