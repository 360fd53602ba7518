/**
 * Syntax errors of a JSON text worded as Go's encoding/json scanner words them
 * (`unexpected end of JSON input`, `invalid character 'x' looking for beginning of value`), and
 * the 400 upstream answers a create or update body with when it is not JSON at all.
 */
import { type ApiError, badRequest } from "../api/index.ts"
import { goQuote } from "../util/index.ts"

const WS = new Set([" ", "\t", "\n", "\r"])
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t", "u"])
const HEX = /^[0-9a-fA-F]$/
const DIGIT = /^[0-9]$/
/** Go's encoding/json scanner refuses objects and arrays nested deeper than this. */
const MAX_DEPTH = 10_000

/** Only a text this long can nest past Go's limit (its openings and their closings). */
export const DEEP_ENOUGH = 2 * MAX_DEPTH

/** Go's quoteChar: `'x'`, `'\''`, `'"'`, `'\n'`, `'\u0081'` (strconv's quoting of the character). */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''"
  if (c === '"') return "'\"'"
  return `'${goQuote(c).slice(1, -1)}'`
}

class SyntaxError extends Error {}

class Scanner {
  #i = 0
  constructor(private readonly s: string) {}

  #fail(context: string): never {
    if (this.#i >= this.s.length) throw new SyntaxError("unexpected end of JSON input")
    throw new SyntaxError(`invalid character ${quoteChar(this.s[this.#i] as string)} ${context}`)
  }

  #ws(): void {
    while (this.#i < this.s.length && WS.has(this.s[this.#i] as string)) this.#i++
  }

  #peek(): string | undefined {
    return this.s[this.#i]
  }

  /**
   * Reads the whole text without recursion (an explicit stack of the open objects and arrays),
   * failing past Go's nesting limit as its scanner does.
   */
  document(): void {
    const open: ("{" | "[")[] = []
    for (;;) {
      if (this.#beginValue(open)) continue
      // A value ended: close what it ends, then expect the next value (or the end).
      for (;;) {
        this.#ws()
        const top = open[open.length - 1]
        if (top === undefined) {
          if (this.#i < this.s.length) this.#fail("after top-level value")
          return
        }
        const c = this.#peek()
        if (c === (top === "{" ? "}" : "]")) {
          this.#i++
          open.pop()
          continue
        }
        if (c !== ",") this.#fail(top === "{" ? "after object key:value pair" : "after array element")
        this.#i++
        if (top === "{") this.#key()
        break
      }
    }
  }

  /** Reads the start of a value: true when it opened an object or array whose content follows. */
  #beginValue(open: ("{" | "[")[]): boolean {
    this.#ws()
    const c = this.#peek()
    if (c === "{" || c === "[") {
      if (open.length >= MAX_DEPTH) this.#fail("exceeded max depth")
      this.#i++
      this.#ws()
      const close = c === "{" ? "}" : "]"
      if (this.#peek() === close) {
        this.#i++
        return false
      }
      open.push(c)
      if (c === "{") this.#key()
      return true
    }
    if (c === '"') this.#string()
    else if (c === "-" || (c !== undefined && DIGIT.test(c))) this.#number()
    else if (c === "t") this.#literal("true")
    else if (c === "f") this.#literal("false")
    else if (c === "n") this.#literal("null")
    else this.#fail("looking for beginning of value")
    return false
  }

  /** An object key and its colon. */
  #key(): void {
    this.#ws()
    if (this.#peek() !== '"') this.#fail("looking for beginning of object key string")
    this.#string()
    this.#ws()
    if (this.#peek() !== ":") this.#fail("after object key")
    this.#i++
  }

  #string(): void {
    this.#i++
    for (;;) {
      const c = this.#peek()
      if (c === undefined) this.#fail("in string literal")
      if (c === '"') {
        this.#i++
        return
      }
      if (c < " ") this.#fail("in string literal")
      this.#i++
      if (c === "\\") this.#escape()
    }
  }

  #escape(): void {
    const e = this.#peek()
    if (e === undefined || !ESCAPES.has(e)) this.#fail("in string escape code")
    this.#i++
    if (e !== "u") return
    for (let k = 0; k < 4; k++) {
      const h = this.#peek()
      if (h === undefined || !HEX.test(h)) this.#fail("in \\u hexadecimal character escape")
      this.#i++
    }
  }

  #digits(context: string): void {
    const c = this.#peek()
    if (c === undefined || !DIGIT.test(c)) this.#fail(context)
    while (DIGIT.test(this.#peek() ?? "")) this.#i++
  }

  #number(): void {
    if (this.#peek() === "-") this.#i++
    if (this.#peek() === "0") this.#i++
    else this.#digits("in numeric literal")
    if (this.#peek() === ".") {
      this.#i++
      this.#digits("after decimal point in numeric literal")
    }
    const e = this.#peek()
    if (e === "e" || e === "E") {
      this.#i++
      const sign = this.#peek()
      if (sign === "+" || sign === "-") this.#i++
      this.#digits("in exponent of numeric literal")
    }
  }

  #literal(word: string): void {
    this.#i++
    for (const expected of word.slice(1)) {
      if (this.#peek() !== expected) this.#fail(`in literal ${word} (expecting ${quoteChar(expected)})`)
      this.#i++
    }
  }
}

/** Go's syntax error for `text`, or undefined when it is valid JSON. */
export function goJsonSyntaxError(text: string): string | undefined {
  try {
    new Scanner(text).document()
    return undefined
  } catch (e) {
    if (e instanceof SyntaxError) return e.message
    throw e
  }
}

/** Upstream's summary of a body it could not read: its start, as text when it looks like JSON. */
function summarize(body: string): string {
  const bytes = Buffer.from(body, "utf8")
  if (bytes.length === 0) return "<empty>"
  const head = bytes.subarray(0, 30)
  const more = bytes.length > 30 ? " ..." : ""
  return body.startsWith("{") ? `${head.toString("utf8")}${more}` : `${head.toString("hex")}${more}`
}

/**
 * Fails a create or update body that is not JSON, as upstream does before it looks for a kind.
 * @throws ApiError BadRequest `the object provided is unrecognized (must be of type <Kind>): ...`
 */
export function checkJsonBody(text: string, kind: string): void {
  const err = goJsonSyntaxError(text)
  if (err === undefined) return
  throw unrecognized(kind, `couldn't get version/kind; json parse error: ${err}`, text)
}

/** Upstream's refusal of a create or update body it could not decode (`why`), summarising `text`. */
export function unrecognized(kind: string, why: string, text: string): ApiError {
  return badRequest(
    `the object provided is unrecognized (must be of type ${kind}): ${why} (${summarize(text)})`,
  )
}
