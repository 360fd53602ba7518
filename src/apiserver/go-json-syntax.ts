/**
 * Syntax errors of a JSON text worded as Go's encoding/json scanner words them
 * (`unexpected end of JSON input`, `invalid character 'x' looking for beginning of value`), and
 * the 400 upstream answers a create or update body with when it is not JSON at all.
 */
import { badRequest } from "../api/index.ts"

const WS = new Set([" ", "\t", "\n", "\r"])
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t", "u"])
const HEX = /^[0-9a-fA-F]$/
const DIGIT = /^[0-9]$/

/** Go's quoteChar: `'x'`, `'\''`, `'"'`, `'\n'`. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''"
  if (c === '"') return "'\"'"
  const q = JSON.stringify(c)
  return `'${q.slice(1, -1)}'`
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

  document(): void {
    this.#value()
    this.#ws()
    if (this.#i < this.s.length) this.#fail("after top-level value")
  }

  #value(): void {
    this.#ws()
    const c = this.#peek()
    if (c === "{") return this.#object()
    if (c === "[") return this.#array()
    if (c === '"') return this.#string()
    if (c === "-" || (c !== undefined && DIGIT.test(c))) return this.#number()
    if (c === "t") return this.#literal("true")
    if (c === "f") return this.#literal("false")
    if (c === "n") return this.#literal("null")
    this.#fail("looking for beginning of value")
  }

  #object(): void {
    this.#i++
    this.#ws()
    if (this.#peek() === "}") {
      this.#i++
      return
    }
    for (;;) {
      this.#ws()
      if (this.#peek() !== '"') this.#fail("looking for beginning of object key string")
      this.#string()
      this.#ws()
      if (this.#peek() !== ":") this.#fail("after object key")
      this.#i++
      this.#value()
      this.#ws()
      const c = this.#peek()
      this.#i++
      if (c === "}") return
      if (c !== ",") {
        this.#i--
        this.#fail("after object key:value pair")
      }
    }
  }

  #array(): void {
    this.#i++
    this.#ws()
    if (this.#peek() === "]") {
      this.#i++
      return
    }
    for (;;) {
      this.#value()
      this.#ws()
      const c = this.#peek()
      this.#i++
      if (c === "]") return
      if (c !== ",") {
        this.#i--
        this.#fail("after array element")
      }
    }
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
  throw badRequest(
    `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${err} (${summarize(text)})`,
  )
}
