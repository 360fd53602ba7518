/**
 * Number literals written with a fraction or an exponent (`1.0`, `1e3`): Go's decoder refuses
 * them for integer fields whatever their value, but JSON.parse turns them into plain integers.
 * A second parse keeps each such literal as a marked string for the decode check to read.
 */

const MARK = "\u0000k8ts-number:"

/**
 * A number with a fraction or an exponent where a JSON value stands (after `:`, `[` or `,`,
 * before `,`, `}` or `]`): every such literal matches; text inside strings seldom does (versions
 * and addresses such as "nginx:1.25" do not), so most bodies need no scan.
 */
const LITERAL_IN_VALUE_PLACE = /[:[,]\s*-?\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)\s*[,}\]]/

/** True for a JSON number character after the first: digits, sign, fraction and exponent. */
function inNumber(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45
}

/** The index just past the JSON string that starts (with its quote) at `i`. */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j)
    if (c === 92) j++
    else if (c === 34) return j + 1
  }
  return text.length
}

/**
 * `text` (valid JSON) parsed with every number literal that has a fraction or an exponent kept as
 * a marked string; undefined when it has none (the usual case, found by one scan).
 */
export function markedNumbers(text: string): unknown {
  if (!LITERAL_IN_VALUE_PLACE.test(text)) return undefined
  let out = ""
  let last = 0
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i)
    if (c === 34) {
      i = skipString(text, i)
      continue
    }
    if (c !== 45 && (c < 48 || c > 57)) {
      i++
      continue
    }
    let j = i + 1
    while (j < text.length && inNumber(text.charCodeAt(j))) j++
    const literal = text.slice(i, j)
    if (/[.eE]/.test(literal)) {
      out += text.slice(last, i) + JSON.stringify(MARK + literal)
      last = j
    }
    i = j
  }
  return last === 0 ? undefined : JSON.parse(out + text.slice(last))
}

/** The literal a marked number was written as; undefined for any other value. */
export function literalOf(v: unknown): string | undefined {
  return typeof v === "string" && v.startsWith(MARK) ? v.slice(MARK.length) : undefined
}
