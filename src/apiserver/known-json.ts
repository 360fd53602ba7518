/**
 * JSON texts known for objects that never change once made (a create's shared FieldsV1), so an
 * encoder can copy the text instead of serialising the object again.
 */

const texts = new WeakMap<object, string>()

/** Records `text` as exactly what JSON.stringify gives for `obj`, which must never change. */
export function rememberJson(obj: object, text: string): void {
  texts.set(obj, text)
}

/** The JSON text recorded for `value`, or undefined. */
export function knownJson(value: unknown): string | undefined {
  return typeof value === "object" && value !== null ? texts.get(value) : undefined
}
