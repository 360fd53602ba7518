/**
 * Template hashes as upstream's controller.ComputeHash makes them: FNV-32a over the template
 * (here its canonical JSON) and the collision count, written in the "safe" alphabet that never
 * spells words (rand.SafeEncodeString).
 */

/** The alphabet of upstream's SafeEncodeString: no vowels, no look-alike digits. */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"

const OFFSET_32 = 0x811c9dc5
const PRIME_32 = 0x01000193

/** The 32-bit FNV-1a hash of `bytes`, continuing from `seed`. */
export function fnv32a(bytes: Uint8Array, seed = OFFSET_32): number {
  let h = seed >>> 0
  for (const b of bytes) {
    h ^= b
    h = Math.imul(h, PRIME_32) >>> 0
  }
  return h >>> 0
}

/** Maps each character of `s` into the safe alphabet (upstream's rand.SafeEncodeString). */
export function safeEncodeString(s: string): string {
  let out = ""
  for (const ch of s) out += ALPHANUMS[(ch.codePointAt(0) as number) % ALPHANUMS.length]
  return out
}

/** JSON with object keys sorted, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k]
      if (v !== undefined) out[k] = sortKeys(v)
    }
    return out
  }
  return value
}

const encoder = new TextEncoder()

/**
 * The hash of a pod template with an optional collision count, as upstream's
 * controller.ComputeHash: the `controller-revision-hash` / `pod-template-hash` value.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(encoder.encode(canonicalJson(template ?? {})))
  if (collisionCount !== undefined && collisionCount !== null) {
    // Upstream appends the count as a little-endian uint32 in an 8-byte buffer.
    const b = new Uint8Array(8)
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true)
    h = fnv32a(b, h)
  }
  return safeEncodeString(String(h))
}
