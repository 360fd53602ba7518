/**
 * Object keys as JSON data holds them: JSON.parse makes a "__proto__" key an own property, which
 * an assignment (`o[k] = v`) takes for the object's prototype instead (the key lost, the
 * prototype replaced) and a read (`o[k]`) finds on Object.prototype when the object lacks it.
 */

/** Sets `o[k]` as an own data property, a "__proto__" key too. */
export function setKey(o: Record<string, unknown>, k: string, value: unknown): void {
  if (k === "__proto__") {
    Object.defineProperty(o, k, { value, writable: true, enumerable: true, configurable: true })
  } else o[k] = value
}

/** `o[k]` when it is an own property of `o`, else undefined. */
export function ownValue(o: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined
}
