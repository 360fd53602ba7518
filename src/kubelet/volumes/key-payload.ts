/**
 * The files of a ConfigMap or Secret volume (or projection), as upstream's MakePayload builds
 * them: every key when there are no items, else each item's key at its path, with its own mode
 * or the volume's default mode.
 */
import type { KeyToPath } from "kubernetes-types/core/v1.js"
import type { FileProjection } from "./atomic-writer.ts"

/** Options of keysPayload. */
export interface KeysPayloadOptions {
  /** The object's data, decoded. */
  readonly data: ReadonlyMap<string, Buffer>
  readonly items?: readonly KeyToPath[]
  readonly defaultMode: number
  /** Missing keys are skipped instead of failing. */
  readonly optional: boolean
  /** Upstream's message for a missing key, e.g. "configmap references non-existent config key". */
  readonly missingKey: string
}

/** The files of the object. @throws Error naming a missing key when not optional */
export function keysPayload(opts: KeysPayloadOptions): Record<string, FileProjection> {
  const out: Record<string, FileProjection> = {}
  if (!opts.items?.length) {
    for (const [key, data] of opts.data) out[key] = { data, mode: opts.defaultMode }
    return out
  }
  for (const item of opts.items) {
    const data = opts.data.get(item.key)
    if (data === undefined) {
      if (opts.optional) continue
      throw new Error(`${opts.missingKey}: ${item.key}`)
    }
    out[item.path] = { data, mode: item.mode ?? opts.defaultMode }
  }
  return out
}
