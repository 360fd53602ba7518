/**
 * JSON text as Go's encoding/json writes it: with HTML escaping on (json.Marshal, and an
 * Encoder unless told otherwise), <, > and & in strings become \u003c, \u003e and \u0026, and
 * U+2028 and U+2029 are always escaped. Those characters occur in JSON text only inside
 * strings, so the text is escaped as a whole.
 */

const GO_ESCAPED = /[<>&\u2028\u2029]/g

function escape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
}

/** `json` (a JSON text, as JSON.stringify gives) with Go's escapes. */
export function goJsonEscape(json: string): string {
  return json.replace(GO_ESCAPED, escape)
}

/** Go's json.Marshal of a string. */
export function goJsonString(s: string): string {
  return goJsonEscape(JSON.stringify(s))
}
