import { setKey } from "./set-key.ts"

/**
 * A deep copy of plain JSON data (objects, arrays, strings, numbers, booleans, null), as an API
 * object decoded from JSON is: what structuredClone gives for such data (properties set to
 * undefined included), about eight times faster, as it need not look for cycles, shared parts or
 * other types. Copies of frozen objects are not frozen.
 */
export function copyJson<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) out[i] = copyJson(value[i] as unknown)
    return out as T
  }
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(value)) {
    const v = copyJson((value as Record<string, unknown>)[k])
    // JSON.parse makes "__proto__" an own key: kept one, not set as the copy's prototype.
    setKey(out, k, v)
  }
  return out as T
}
