/**
 * A validation rule's fieldPath, checked against its schema as upstream's ValidFieldPath does:
 * `.a.b`, `['a.b']` and `.m['key']` name properties (or keys of a map), and the path reported is
 * field.Path's form of it (`a.b`, `m[key]`).
 */
import type { StructuralSchema as Schema } from "../../../api/index.ts"

const ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "'": "'",
  "\\": "\\",
}

function unescapeSingleQuote(s: string): string {
  return s.replace(/\\./g, (m) => {
    const out = ESCAPES[m[1] ?? ""]
    if (out === undefined) throw new Error(`invalid string literal: invalid escape char ${m}`)
    return out
  })
}

/** Splits at '.', '[' and ']' (each a token of its own), keeping single-quoted strings whole. */
function tokens(path: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < path.length) {
    if (path[i] === "'") {
      let j = i + 1
      while (j < path.length && !(path[j] === "'" && path[j - 1] !== "\\")) j++
      if (j >= path.length) {
        out.push(path.slice(i))
        break
      }
      out.push(path.slice(i, j + 1))
      i = j + 1
      continue
    }
    if (".[]".includes(path[i] ?? "")) {
      out.push(path[i] as string)
      i++
      continue
    }
    let j = i
    while (j < path.length && !".[]".includes(path[j] ?? "")) j++
    out.push(path.slice(i, j))
    i = j
  }
  return out
}

/** The field.Path form of `path` under `schema`, and the schema it names. @throws Error why it is invalid */
export function validFieldPath(path: string, schema: Schema): { path: string; schema: Schema | undefined } {
  let out = ""
  let s: Schema | undefined = schema
  const step = (name: string) => {
    if (s?.properties !== undefined) {
      const next: Schema | undefined = s.properties[name]
      if (!next) throw new Error("does not refer to a valid field")
      out = out ? `${out}.${name}` : name
      s = next
    } else if (s?.additionalProperties !== undefined) {
      out = `${out}[${name}]`
      s = typeof s.additionalProperties === "object" ? s.additionalProperties : undefined
    } else throw new Error("does not refer to a valid field")
  }
  const list = tokens(path)
  for (let i = 0; i < list.length; i++) {
    const tok = list[i] as string
    if (tok === "[") {
      const quoted = list[++i]
      if (quoted === undefined) throw new Error("unexpected end of JSON path")
      if (quoted.length < 2 || !quoted.startsWith("'") || !quoted.endsWith("'"))
        throw new Error(`expected single quoted string but got ${quoted}`)
      step(unescapeSingleQuote(quoted.slice(1, -1)))
      const close = list[++i]
      if (close === undefined) throw new Error("unexpected end of JSON path")
      if (close !== "]") throw new Error(`expected ] but got ${close}`)
    } else if (tok === ".") {
      const name = list[++i]
      if (name === undefined) throw new Error("unexpected end of JSON path")
      step(name)
    } else throw new Error(`expected [ or . but got: ${tok}`)
  }
  return { path: out, schema: s }
}
