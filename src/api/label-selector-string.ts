/**
 * Label selectors in their string form (`app=web,tier in (a,b),!canary`), as the API server
 * reads the labelSelector parameter and as the Scale subresource reports status.selector.
 */
import { badRequest } from "./errors.ts"
import { lexSelector, type Token, type TokenKind } from "./label-selector-lexer.ts"
import { isLabelValue, isQualifiedName } from "./validation/names.ts"

type Labels = Readonly<Record<string, string>>
/** A compiled selector. */
export type StringSelectorMatcher = (labels: Labels) => boolean

type Operator = "in" | "notin" | "=" | "==" | "!=" | "gt" | "lt" | "exists" | "!"

/** One requirement: a key, an operator and its values. */
interface Requirement {
  readonly key: string
  readonly op: Operator
  readonly values: readonly string[]
}

const BINARY: Partial<Record<TokenKind, Operator>> = {
  in: "in",
  notin: "notin",
  "=": "=",
  "==": "==",
  "!=": "!=",
  ">": "gt",
  "<": "lt",
}
const BINARY_NAMES = "in, notin, =, ==, !=, gt, lt"
const INT64 = /^[+-]?[0-9]+$/
const INT64_MAX = 2n ** 63n - 1n

function isInt64(v: string): boolean {
  if (!INT64.test(v)) return false
  const n = BigInt(v)
  return n <= INT64_MAX && n >= -INT64_MAX - 1n
}

/** A problem of a requirement, as upstream's field errors print (`values[0][app]: Invalid value: ...`). */
function invalid(path: string, value: string, detail: string): string {
  return `${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`
}

function keyProblem(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key)
  return errs.length ? invalid(path, key, errs.join("; ")) : undefined
}

/** Upstream's NewRequirement checks, after parsing (one problem alone, several as `[a, b]`). */
function checkRequirement(r: Requirement): void {
  const errs: string[] = []
  const keyErr = keyProblem(r.key, "key")
  if (keyErr) errs.push(keyErr)
  if (r.op === "gt" || r.op === "lt") {
    r.values.forEach((v, i) => {
      if (!isInt64(v))
        errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"))
    })
  }
  r.values.forEach((v, i) => {
    const msgs = isLabelValue(v)
    if (msgs.length) errs.push(invalid(`values[${i}][${r.key}]`, v, msgs.join("; ")))
  })
  if (errs.length === 0) return
  throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`)
}

/** A recursive descent over the tokens, with upstream's error texts. */
class Parser {
  readonly #tokens: Token[]
  #pos = 0

  constructor(s: string) {
    this.#tokens = lexSelector(s)
  }

  /** The next token; in a value position `in` and `notin` are identifiers. */
  #peek(values = true): Token {
    const t = this.#tokens[this.#pos] as Token
    return values && (t.kind === "in" || t.kind === "notin") ? { kind: "identifier", text: t.text } : t
  }

  #next(values = true): Token {
    const t = this.#peek(values)
    if (this.#pos < this.#tokens.length - 1) this.#pos++
    return t
  }

  parse(): Requirement[] {
    const out: Requirement[] = []
    for (;;) {
      const t = this.#peek()
      if (t.kind === "end") return out
      if (t.kind !== "identifier" && t.kind !== "!")
        throw new Error(`found '${t.text}', expected: !, identifier, or 'end of string'`)
      try {
        out.push(this.#requirement())
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`)
      }
      const after = this.#next()
      if (after.kind === "end") return out
      if (after.kind !== ",") throw new Error(`found '${after.text}', expected: ',' or 'end of string'`)
      const following = this.#peek()
      if (following.kind !== "identifier" && following.kind !== "!")
        throw new Error(`found '${following.text}', expected: identifier after ','`)
    }
  }

  #requirement(): Requirement {
    let t = this.#next()
    const negated = t.kind === "!"
    if (negated) t = this.#next()
    if (t.kind !== "identifier") throw new Error(`found '${t.text}', expected: identifier`)
    const keyErr = keyProblem(t.text, "")
    if (keyErr) throw new Error(keyErr)
    const key = t.text
    const ahead = this.#peek().kind
    if (negated || ahead === "end" || ahead === ",") {
      const r: Requirement = { key, op: negated ? "!" : "exists", values: [] }
      checkRequirement(r)
      return r
    }
    const opToken = this.#next(false)
    const op = BINARY[opToken.kind]
    if (!op) throw new Error(`found '${opToken.text}', expected: ${BINARY_NAMES}`)
    const values = op === "in" || op === "notin" ? this.#valueSet() : this.#exactValue()
    const r: Requirement = { key, op, values: [...new Set(values)].sort() }
    checkRequirement(r)
    return r
  }

  #exactValue(): string[] {
    const ahead = this.#peek().kind
    if (ahead === "end" || ahead === ",") return [""]
    const t = this.#next()
    if (t.kind === "identifier") return [t.text]
    throw new Error(`found '${t.text}', expected: identifier`)
  }

  #valueSet(): string[] {
    const open = this.#next()
    if (open.kind !== "(") throw new Error(`found '${open.text}' expected: '('`)
    const first = this.#peek()
    if (first.kind === ")") {
      this.#next()
      return [""]
    }
    if (first.kind !== "identifier" && first.kind !== ",")
      throw new Error(`found '${first.text}', expected: ',', ')' or identifier`)
    const values = this.#identifiers()
    if (this.#next().kind !== ")") throw new Error(`found '${first.text}', expected: ')'`)
    return values
  }

  /** `a,b`, `,a`, `a,,b`, `a,`: empty places are the empty value. */
  #identifiers(): string[] {
    const out: string[] = []
    for (;;) {
      const t = this.#next()
      if (t.kind === "identifier") {
        out.push(t.text)
        const ahead = this.#peek()
        if (ahead.kind === ")") return out
        if (ahead.kind !== ",") throw new Error(`found '${ahead.text}', expected: ',' or ')'`)
      } else if (t.kind === ",") {
        if (out.length === 0) out.push("")
        const ahead = this.#peek().kind
        if (ahead === ")" || ahead === ",") out.push("")
        if (ahead === ")") return out
      } else throw new Error(`found '${t.text}', expected: ',', or identifier`)
    }
  }
}

function matcher(r: Requirement): StringSelectorMatcher {
  const { key, values } = r
  const has = (l: Labels) => Object.prototype.hasOwnProperty.call(l, key)
  switch (r.op) {
    case "in":
    case "=":
    case "==":
      return (l) => has(l) && values.includes(l[key] as string)
    case "notin":
    case "!=":
      return (l) => !has(l) || !values.includes(l[key] as string)
    case "exists":
      return has
    case "!":
      return (l) => !has(l)
    default: {
      const bound = BigInt(values[0] as string)
      return (l) => {
        const v = l[key]
        if (v === undefined || !isInt64(v)) return false
        return r.op === "gt" ? BigInt(v) > bound : BigInt(v) < bound
      }
    }
  }
}

/**
 * Compiles a label selector string as upstream parses it; undefined for the empty selector
 * (matches everything).
 * @throws ApiError BadRequest with upstream's parser message
 */
export function parseLabelSelector(s: string): StringSelectorMatcher | undefined {
  let reqs: Requirement[]
  try {
    reqs = new Parser(s).parse()
  } catch (e) {
    throw badRequest((e as Error).message)
  }
  if (reqs.length === 0) return undefined
  const matchers = reqs.map(matcher)
  return (l) => matchers.every((m) => m(l))
}

/** The string form of a meta/v1 LabelSelector, as the Scale subresource reports it. */
export function labelSelectorAsString(sel: {
  matchLabels?: Record<string, string>
  matchExpressions?: { key: string; operator: string; values?: string[] }[]
}): string {
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`)
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(",")
    if (e.operator === "In") parts.push(`${e.key} in (${values})`)
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`)
    else if (e.operator === "Exists") parts.push(e.key)
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`)
  }
  return parts.sort().join(",")
}
