/**
 * YAML read as upstream's components read it (request bodies, configuration files). Their decoder
 * (sigs.k8s.io/yaml over go-yaml v2) resolves plain scalars by YAML 1.1's rules: `yes`, `no`,
 * `on`, `off`, `y` and `n` are booleans and `0644` is an octal number (420), where YAML 1.2 has
 * strings and 644; but it has none of 1.1's sexagesimal numbers (`1:20` stays a string), gives
 * timestamps as they were written, and also reads Go's `0o17`. Its errors read
 * `yaml: line 3: <what libyaml found>`. goYamlKeyLess is the order its encoder writes a mapping's
 * keys in.
 */
import {
  type Document,
  type DocumentOptions,
  parseAllDocuments,
  parseDocument,
  type ParseOptions,
  type ScalarTag,
  type SchemaOptions,
  type Tags,
  type ToJSOptions,
  type YAMLError,
} from "yaml"

/** Tags of the YAML 1.1 schema go-yaml does not resolve plain scalars to. */
const NOT_RESOLVED = new Set([
  "tag:yaml.org,2002:timestamp",
  "tag:yaml.org,2002:binary",
  "tag:yaml.org,2002:omap",
  "tag:yaml.org,2002:pairs",
  "tag:yaml.org,2002:set",
])

/** Go's `0o` octal integers, which strconv.ParseInt reads (YAML 1.1 has only `0755`). */
const goOctal = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  test: /^[-+]?0o[0-7]+$/,
  resolve: (text: string): number => {
    const sign = text.startsWith("-") ? -1 : 1
    return sign * parseInt(text.slice(text.indexOf("o") + 1), 8)
  },
}

/** Options for the `yaml` library's parse, parseDocument and toJS: go-yaml v2's scalars. */
export const GO_YAML: ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions = {
  version: "1.1",
  customTags: (tags) => [
    goOctal,
    ...tags.filter((t) => {
      const tag = typeof t === "string" ? t : t.tag
      const format = typeof t === "string" ? undefined : (t as { format?: string }).format
      return !NOT_RESOLVED.has(tag) && format !== "TIME" // sexagesimal ints and floats
    }),
  ],
  maxAliasCount: 100,
}

/**
 * The first document of `text` (parsed with `options`, GO_YAML's and more): go-yaml's Unmarshal
 * reads that one and never parses the rest, so a body of several documents is its first.
 */
export function firstYamlDocument(
  text: string,
  options: ParseOptions & DocumentOptions & SchemaOptions,
): Document.Parsed {
  const docs = parseAllDocuments(text, options)
  return (Array.isArray(docs) ? docs[0] : undefined) ?? parseDocument(text, options)
}

/**
 * What libyaml (go-yaml's scanner and parser) says of the errors the `yaml` library finds, where
 * the two name the same fault: by the library's code, and the start of its message.
 */
const LIBYAML_WORDS: readonly (readonly [code: string, message: RegExp, words: string])[] = [
  ["BLOCK_AS_IMPLICIT_KEY", /^Nested mappings/, "mapping values are not allowed in this context"],
  ["TAB_AS_INDENT", /^Tabs/, "found character that cannot start any token"],
  [
    "BAD_SCALAR_START",
    /^Plain value cannot start with reserved/,
    "found character that cannot start any token",
  ],
  ["MULTILINE_IMPLICIT_KEY", /^Implicit keys need to be on a single line/, "could not find expected ':'"],
  ["MISSING_CHAR", /^Missing closing .?quote/, "found unexpected end of stream"],
]

/**
 * A YAML syntax error as go-yaml words it: `yaml: line <n>: <what>`, in libyaml's words where the
 * `yaml` library's error has a known counterpart, else in its own (without its excerpt). Lines may
 * differ from go-yaml's where the two parsers notice a fault at different places.
 */
export function goYamlError(err: unknown): string {
  const e = err as Partial<YAMLError>
  if (/^Excessive alias count/.test(String(e.message))) return "yaml: document contains excessive aliasing"
  const line = e.linePos?.[0]?.line
  const own = String(e.message ?? err).replace(/ at line \d+, column \d+:[\s\S]*$/, "")
  const known = LIBYAML_WORDS.find(([code, message]) => code === e.code && message.test(own))
  const what = known ? known[2] : own.charAt(0).toLowerCase() + own.slice(1)
  return line === undefined ? `yaml: ${what}` : `yaml: line ${line}: ${what}`
}

const LETTER = /\p{L}/u
const DIGIT = /\p{Nd}/u

/**
 * Whether go-yaml v2 writes the mapping key `a` before `b` (its keyList.Less for two strings, the
 * keys of the JSON upstream's serializer turns into YAML). Code point by code point: at the first
 * difference two letters compare by code point; a letter and a non-letter put the non-letter first,
 * or the letter when the runes before were digits; two non-letters compare as the runs of digits
 * starting there, by value (int64, wrapping as Go's does: `a9` before `a10`), then by length, then
 * by code point; a difference at a zero inside a run keeps the run's magnitude (`19` before `100`).
 * A prefix sorts first.
 */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = Array.from(a)
  const br = Array.from(b)
  let digits = false
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i] as string
    const y = br[i] as string
    if (x === y) {
      digits = DIGIT.test(x)
      continue
    }
    const xl = LETTER.test(x)
    const yl = LETTER.test(y)
    if (xl && yl) return codePoint(x) < codePoint(y)
    if (xl || yl) return digits ? xl : yl
    let an = 0n
    let bn = 0n
    if (x === "0" || y === "0") {
      for (let j = i - 1; j >= 0 && DIGIT.test(ar[j] as string); j--) {
        if (ar[j] !== "0") {
          an = bn = 1n
          break
        }
      }
    }
    let ai = i
    for (; ai < ar.length && DIGIT.test(ar[ai] as string); ai++) an = digitAdded(an, ar[ai] as string)
    let bi = i
    for (; bi < br.length && DIGIT.test(br[bi] as string); bi++) bn = digitAdded(bn, br[bi] as string)
    if (an !== bn) return an < bn
    if (ai !== bi) return ai < bi
    return codePoint(x) < codePoint(y)
  }
  return ar.length < br.length
}

/**
 * goYamlKeyLess as a comparator (for sorting). One call decides: for two different keys it is
 * antisymmetric (each of its answers compares something that differs).
 */
export function goYamlKeyOrder(a: string, b: string): number {
  return a === b ? 0 : goYamlKeyLess(a, b) ? -1 : 1
}

function codePoint(rune: string): number {
  return rune.codePointAt(0) as number
}

/** Go's `n*10 + int64(r-'0')` in int64 (any decimal digit, as unicode.IsDigit takes them). */
function digitAdded(n: bigint, rune: string): bigint {
  return BigInt.asIntN(64, n * 10n + BigInt(codePoint(rune) - 48))
}

/**
 * Plain scalars go-yaml v2's resolve reads as something other than a string beyond YAML 1.2's core
 * schema (which the `yaml` library quotes already): 1.1's other booleans, the merge key, numbers
 * as strconv reads them once every `_` is dropped (`1_000`, `0X1F`, `0O17`, `0b101`, `08`), the
 * timestamps its parseTimestamp takes, and base-60 floats (quoted by its encoder alone). Its encoder
 * writes such a string double-quoted; as tags that only test, these make the `yaml` library quote
 * them too. They may quote a little more than go-yaml does (an out-of-range day or hex number),
 * which reads back the same; never less.
 */
const GO_YAML_NOT_STRINGS: readonly RegExp[] = [
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/,
  /^<<$/,
  // A number: starting with a sign or a digit, `_` anywhere after the first character.
  /^(?=[-+0-9])[-+]?_*(?:0_*(?:[xX][0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*|[oO][0-7_]*[0-7][0-7_]*|[bB][01_]*[01][01_]*)|(?:\._*[0-9]|[0-9][0-9_]*(?:\.[0-9_]*)?)[0-9_]*(?:[eE]_*[-+]?_*[0-9][0-9_]*)?)$/,
  /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/,
  /^[0-9]{4}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12][0-9]|3[01])(?:[Tt](?:[01]?[0-9]|2[0-3]):[0-5]?[0-9]:[0-5]?[0-9](?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})| (?:[01]?[0-9]|2[0-3]):[0-5]?[0-9]:[0-5]?[0-9](?:\.[0-9]+)?)?$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
]

const STR = "tag:yaml.org,2002:str"

/**
 * Strings with a character go-yaml's is_printable refuses (a tab or other control character but
 * the line feed, DEL, NEL, a BOM, U+FFFE, U+FFFF, anything beyond U+FFFF such as an emoji): its
 * emitter can write them neither plain, nor single-quoted, nor as a block, only double-quoted.
 */
const NOT_PRINTABLE = /[^\n\x20-\x7E\xA0-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD]/

/**
 * The line breaks among printable characters: libyaml single-quotes a string only when it has
 * none (with one it is a literal block, or double-quoted where a block cannot be).
 */
const LINE_BREAK = /[\n\u2028\u2029]/

/** Unicode's line and paragraph separators: line breaks to libyaml (is_break), not to the library. */
const SEPARATOR = /[\u2028\u2029]/

/**
 * A space next to a separator (goYamlSeparated's only line breaks): libyaml then writes the string
 * double-quoted (space_break, break_space).
 */
const SPACE_AT_BREAK = / [\u2028\u2029]|[\u2028\u2029] /

/** `text` single-quoted as libyaml writes it: its `'` doubled. */
function goYamlSingleQuoted(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/**
 * `text`, whose line breaks are all U+2028 or U+2029 (no line feed), as go-yaml's emitter writes
 * it at `indent`: its encoder asks the plain style (a literal block only for a line feed), which a
 * line break rules out, so single quotes, its `'` doubled, where every run of breaks followed by
 * more text is followed by the indentation (`'a\u2028    b'` in a mapping at depth 1, as kubectl
 * writes it); a space next to a break rules those out too, so double quotes (`"a \Lb"`).
 */
function goYamlSeparated(text: string, indent: string): string {
  if (SPACE_AT_BREAK.test(text)) return goYamlDoubleQuoted(text)
  return goYamlSingleQuoted(text.replace(/[\u2028\u2029]+(?=.)/gsu, (breaks) => breaks + indent))
}

/** libyaml's short escapes in a double-quoted scalar, by code point. */
const SHORT_ESCAPES = new Map<number, string>([
  [0x00, "\\0"],
  [0x07, "\\a"],
  [0x08, "\\b"],
  [0x09, "\\t"],
  [0x0a, "\\n"],
  [0x0b, "\\v"],
  [0x0c, "\\f"],
  [0x0d, "\\r"],
  [0x1b, "\\e"],
  [0x22, '\\"'],
  [0x5c, "\\\\"],
  [0x85, "\\N"],
  [0x2028, "\\L"],
  [0x2029, "\\P"],
])

/**
 * `text` double-quoted as go-yaml's emitter writes it: a line break, `"`, `\` and every character
 * it does not take as printable escaped (a short escape where libyaml has one, else `\xXX`,
 * `\uXXXX` or `\UXXXXXXXX` in upper-case hex), the rest as they are. Its test for a BOM looks at
 * the string's start whatever the position: a string starting with one has every character escaped.
 */
function goYamlDoubleQuoted(text: string): string {
  const escapeAll = text.startsWith("\uFEFF")
  let out = '"'
  for (const ch of text) {
    const c = ch.codePointAt(0) as number
    const short = SHORT_ESCAPES.get(c)
    if (short !== undefined) out += short
    else if (!escapeAll && !NOT_PRINTABLE.test(ch)) out += ch
    else {
      const [prefix, width] = c <= 0xff ? ["x", 2] : c <= 0xffff ? ["u", 4] : ["U", 8]
      out += `\\${prefix}${c.toString(16).toUpperCase().padStart(width, "0")}`
    }
  }
  return `${out}"`
}

/** GO_YAML_NOT_STRINGS as tags that only test (they resolve nothing: output only). */
const NOT_STRING_TAGS: readonly ScalarTag[] = GO_YAML_NOT_STRINGS.map((test, i) => ({
  tag: `tag:k8ts.io,2024:go-yaml-not-string-${i}`,
  default: true,
  test,
  resolve: (text: string) => text,
}))

/**
 * Options for the `yaml` library's stringify, for go-yaml v2's scalars: a string it would read as
 * another type is double-quoted (its encoder asks that style); one that cannot be plain for YAML's
 * syntax alone (`*`, `- x`, `a: b`) is single-quoted where it can be, as libyaml's emitter prefers
 * (RBAC's `verbs: ['*']` comes out `- '*'`, as upstream's), its `'` doubled (`'it''s: x'`).
 */
export const GO_YAML_OUTPUT: SchemaOptions = {
  customTags: (tags) => {
    const all: Tags = [...tags, ...NOT_STRING_TAGS]
    const notString = (text: string) =>
      all.some((t) => typeof t === "object" && t.default === true && t.tag !== STR && t.test?.test(text))
    return all.map((t) => {
      if (typeof t !== "object" || t.tag !== STR || !("stringify" in t) || !t.stringify) return t
      const plainOrQuoted = t.stringify
      return {
        ...t,
        stringify: (item, ctx, onComment, onChompKeep) => {
          const text = typeof item.value === "string" ? item.value : undefined
          if (text !== undefined && NOT_PRINTABLE.test(text)) return goYamlDoubleQuoted(text)
          // (A key with a line break is a complex key to go-yaml: left to the library.)
          if (text !== undefined && !ctx.implicitKey && SEPARATOR.test(text) && !text.includes("\n"))
            return goYamlSeparated(text, ctx.indent)
          const singleQuote = !(text !== undefined && notString(text))
          const out = plainOrQuoted(
            item,
            { ...ctx, options: { ...ctx.options, singleQuote } },
            onComment,
            onChompKeep,
          )
          // The library double-quotes a string holding `'` (and no `"`); libyaml single-quotes it.
          // (Every character of `text` is printable here: the others were double-quoted above.)
          return singleQuote && text?.includes("'") && out.startsWith('"') && !LINE_BREAK.test(text)
            ? goYamlSingleQuoted(text)
            : out
        },
      } satisfies ScalarTag
    })
  },
}
