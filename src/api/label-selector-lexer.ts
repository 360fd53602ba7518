/**
 * The tokens of a label selector string (`app=web,tier in (a,b),!canary,replicas>2`), read as
 * upstream's selector lexer reads them: whitespace separates, the special symbols
 * `= ! ( ) , > <` form the operators (the longest that is one), and every other run of
 * characters is an identifier or the keyword `in` or `notin`.
 */

/** A token's kind. */
export type TokenKind =
  "end" | "identifier" | "in" | "notin" | "(" | ")" | "," | "!" | "=" | "==" | "!=" | ">" | "<"

/** One token and the text it was read from. */
export interface Token {
  readonly kind: TokenKind
  readonly text: string
}

const SPECIAL = new Set(["=", "!", "(", ")", ",", ">", "<"])
const SYMBOLS = new Set<string>(["(", ")", ",", "!", "=", "==", "!=", ">", "<"])
const WHITESPACE = new Set([" ", "\t", "\r", "\n"])

function symbol(s: string, start: number): { token: Token; end: number } {
  let best: Token | undefined
  let end = start
  let buf = ""
  for (let i = start; i < s.length && SPECIAL.has(s[i] as string); i++) {
    buf += s[i]
    if (SYMBOLS.has(buf)) {
      best = { kind: buf as TokenKind, text: buf }
      end = i + 1
    } else if (best) break
  }
  // Every special symbol is a token on its own, so `best` is always set.
  return { token: best as Token, end }
}

function word(s: string, start: number): { token: Token; end: number } {
  let end = start
  while (end < s.length && !WHITESPACE.has(s[end] as string) && !SPECIAL.has(s[end] as string)) end++
  const text = s.slice(start, end)
  const kind: TokenKind = text === "in" || text === "notin" ? text : "identifier"
  return { token: { kind, text }, end }
}

/** The tokens of `s`, ending with an `end` token. */
export function lexSelector(s: string): Token[] {
  const out: Token[] = []
  let i = 0
  for (;;) {
    while (i < s.length && WHITESPACE.has(s[i] as string)) i++
    if (i >= s.length) {
      out.push({ kind: "end", text: "" })
      return out
    }
    const next = SPECIAL.has(s[i] as string) ? symbol(s, i) : word(s, i)
    out.push(next.token)
    i = next.end
  }
}
