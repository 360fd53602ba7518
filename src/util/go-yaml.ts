/**
 * YAML read as upstream's components read it (request bodies, configuration files). Their decoder
 * (sigs.k8s.io/yaml over go-yaml v2) resolves plain scalars by YAML 1.1's rules: `yes`, `no`,
 * `on`, `off`, `y` and `n` are booleans and `0644` is an octal number (420), where YAML 1.2 has
 * strings and 644; but it has none of 1.1's sexagesimal numbers (`1:20` stays a string), gives
 * timestamps as they were written, and also reads Go's `0o17`. Its errors read
 * `yaml: line 3: <what libyaml found>`.
 */
import {
  type Document,
  type DocumentOptions,
  parseAllDocuments,
  parseDocument,
  type ParseOptions,
  type SchemaOptions,
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
