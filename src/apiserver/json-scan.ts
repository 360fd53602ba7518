/**
 * What one quick pass over a valid JSON text tells the body checks: how many keys it writes and
 * whether a number has a fraction or an exponent. A body whose keys JSON.parse kept all of (as
 * many as the text writes) repeats none, and one without such numbers has no literal Go's decoder
 * reads apart from JSON.parse: the usual body then needs neither the duplicate scan nor the
 * number-literal parse.
 */

/** The facts scanJson finds. */
export interface JsonTextFacts {
  /** The keys the text writes, repeated ones counted each time. */
  readonly keys: number
  /** Whether a number literal has a fraction or an exponent (`1.0`, `1e3`). */
  readonly fractions: boolean
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

/** Whether text[from, to), outside any string, holds a number with a fraction or an exponent. */
function hasFraction(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k)
    if (c === 46) return true
    // Outside strings an e is an exponent's after a digit, else a letter of true or false.
    if ((c === 101 || c === 69) && isDigit(text.charCodeAt(k - 1))) return true
  }
  return false
}

/** The index of the quote closing the string whose opening quote is at `open`. */
function closingQuote(text: string, open: number): number {
  let j = open + 1
  for (;;) {
    j = text.indexOf('"', j)
    if (j < 0) return text.length
    // A quote after an odd run of backslashes is escaped (the opening quote stops the run).
    let b = j - 1
    while (text.charCodeAt(b) === 92) b--
    if ((j - 1 - b) % 2 === 0) return j
    j++
  }
}

/** The keys and number literals of `text`, which must be valid JSON (as JSON.parse took it). */
export function scanJson(text: string): JsonTextFacts {
  let keys = 0
  let fractions = false
  let i = 0
  for (;;) {
    const open = text.indexOf('"', i)
    if (!fractions) fractions = hasFraction(text, i, open < 0 ? text.length : open)
    if (open < 0) return { keys, fractions }
    i = closingQuote(text, open) + 1
    let c = text.charCodeAt(i)
    while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++i)
    // A string followed by a colon is a key.
    if (c === 58) keys++
  }
}

/** Deeper values are not counted (parsedKeys answers -1): the duplicate scan reads them. */
const MAX_DEPTH = 256

function countKeys(v: unknown, depth: number): number {
  if (typeof v !== "object" || v === null) return 0
  if (depth > MAX_DEPTH) return -1
  let n = 0
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const k = countKeys(v[i], depth + 1)
      if (k < 0) return -1
      n += k
    }
    return n
  }
  const o = v as Record<string, unknown>
  for (const key in o) {
    const k = countKeys(o[key], depth + 1)
    if (k < 0) return -1
    n += k + 1
  }
  return n
}

/** The keys of a value JSON.parse made (-1 past a depth not counted). */
export function parsedKeys(value: unknown): number {
  return countKeys(value, 0)
}
