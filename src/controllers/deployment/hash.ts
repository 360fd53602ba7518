/**
 * The pod-template-hash of a Deployment's ReplicaSets (upstream's ComputeHash): FNV-32a over the
 * pod template, then the collision count as 8 little-endian bytes, the decimal sum encoded with
 * SafeEncodeString. Upstream hashes Go's spew dump of the struct, which has no TypeScript
 * equivalent; k8ts hashes the template's canonical JSON (sorted keys, empty maps and lists
 * dropped), so equal templates hash equally but the values differ from upstream's.
 */
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js"

/** The label (and selector key) that tells a Deployment's ReplicaSets and their pods apart. */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash"

/** rand.String's alphabet: no vowels, no confusable digits. */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** Continues an FNV-32a hash over `bytes`. */
export function fnv32a(bytes: Uint8Array, hash = FNV_OFFSET): number {
  let h = hash
  for (const b of bytes) {
    h ^= b
    h = Math.imul(h, FNV_PRIME) >>> 0
  }
  return h >>> 0
}

/** Maps each character of `s` onto rand.String's alphabet (upstream's SafeEncodeString). */
export function safeEncodeString(s: string): string {
  let out = ""
  for (const ch of s) out += ALPHANUMS[(ch.codePointAt(0) ?? 0) % ALPHANUMS.length]
  return out
}

/** Drops empty maps and lists, as upstream's semantic equality treats them like absent ones. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(normalize) : undefined
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) {
      const n = normalize((v as Record<string, unknown>)[k])
      if (n !== undefined && n !== null) out[k] = n
    }
    return Object.keys(out).length ? out : undefined
  }
  return v
}

/** JSON with sorted keys and without empty maps, lists and nulls. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(normalize(v) ?? {})
}

/** The pod-template-hash of `template` with `collisionCount`. */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template)))
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true)
    h = fnv32a(bytes, h)
  }
  return safeEncodeString(String(h))
}

function withoutHash(t: PodTemplateSpec | undefined): unknown {
  const labels = t?.metadata?.labels
  if (!t || !labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return t ?? {}
  const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...rest } = labels
  return { ...t, metadata: { ...t.metadata, labels: rest } }
}

/** Canonical JSON of frozen templates (from informer caches), which cannot change. */
const canonicalCache = new WeakMap<object, string>()

function canonicalIgnoringHash(t: PodTemplateSpec | undefined): string {
  const frozen = t !== undefined && Object.isFrozen(t)
  const cached = frozen ? canonicalCache.get(t) : undefined
  if (cached !== undefined) return cached
  const json = canonicalJson(withoutHash(t))
  if (frozen) canonicalCache.set(t, json)
  return json
}

/** True when two templates are equal once their pod-template-hash labels are ignored. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalIgnoringHash(a) === canonicalIgnoringHash(b)
}
