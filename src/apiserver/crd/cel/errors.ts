/**
 * The CEL library's errors in cel-go's words: compile errors as cel-go's Issues print them
 * (`ERROR: <input>:1:5: undefined field 'foo'` with the line and a caret under the column), and
 * evaluation errors as cel-go names them (`no such key: foo`, `division by zero`).
 */
import { celGoTypeName } from "./type-names.ts"

/** What the library's errors carry. */
interface LibraryError {
  readonly name?: string
  readonly message: string
  readonly code?: string
  readonly summary?: string
  readonly range?: { readonly start: number; readonly end: number }
  readonly node?: LibraryNode
}

interface LibraryNode {
  readonly op: string
  readonly args: unknown
  readonly range?: { readonly start: number; readonly end: number }
}

const OPERATORS: Readonly<Record<string, string>> = {
  "==": "_==_",
  "!=": "_!=_",
  "<": "_<_",
  "<=": "_<=_",
  ">": "_>_",
  ">=": "_>=_",
  "+": "_+_",
  "-": "_-_",
  "*": "_*_",
  "/": "_/_",
  "%": "_%_",
  in: "@in",
  "!": "!_",
}

const BINARY = new Set(["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "in", "&&", "||"])

function isNode(v: unknown): v is LibraryNode {
  return typeof v === "object" && v !== null && typeof (v as LibraryNode).op === "string"
}

function skipSpace(expr: string, from: number): number {
  let i = from
  while (i < expr.length && /\s/.test(expr[i] ?? "")) i++
  return i
}

/** The dot of a select whose field name starts at `start`. */
function dotBefore(expr: string, start: number): number {
  let i = start - 1
  while (i > 0 && /[\s?]/.test(expr[i] ?? "")) i--
  return expr[i] === "." ? i : start
}

/** The '(' of a call: after the receiver of a member call, else after the function's name. */
function callParen(expr: string, node: LibraryNode, args: unknown[], start: number): number {
  const receiver = node.op === "rcall" && isNode(args[1]) ? args[1].range?.end : node.range?.start
  const paren = expr.indexOf("(", receiver ?? start)
  return paren < 0 ? start : paren
}

/** Where cel-go puts an error: on a select's dot, an operator, a call's '(' or an index's '['. */
function location(expr: string, err: LibraryError): number {
  const node = err.node
  const start = err.range?.start ?? node?.range?.start ?? 0
  if (!node || !Array.isArray(node.args)) return start
  const args = node.args as unknown[]
  const left = args.find(isNode)
  if (node.op === "." || node.op === ".?") return dotBefore(expr, start)
  if (node.op === "rcall" || node.op === "call") return callParen(expr, node, args, start)
  // A binary operator, an index's '[' or a conditional's '?' follows its first operand.
  const afterLeft = BINARY.has(node.op) || node.op === "[]" || node.op === "[?]" || node.op === "?:"
  return afterLeft && left?.range ? skipSpace(expr, left.range.end) : start
}

function overloadMessage(summary: string): string | undefined {
  // "no such overload: int == string" or "no such overload: !int"
  const binary = /^no such overload: (\S+) (\S+) (\S+)$/.exec(summary)
  if (binary) {
    const [, l = "", op = "", r = ""] = binary
    return `found no matching overload for '${OPERATORS[op] ?? op}' applied to '(${celGoTypeName(l)}, ${celGoTypeName(r)})'`
  }
  const unary = /^no such overload: ([!-])(\S+)$/.exec(summary)
  if (unary) {
    const [, op = "", t = ""] = unary
    return `found no matching overload for '${op === "-" ? "-_" : "!_"}' applied to '(${celGoTypeName(t)})'`
  }
  // "found no matching overload for 'string.startsWith(int)'" or "... for 'size(int)'"
  const call = /^found no matching overload for '(?:(.+)\.)?(\w+)\((.*)\)'$/.exec(summary)
  if (call) {
    const [, receiver, name = "", argList = ""] = call
    const args = argList ? argList.split(/, (?![^<]*>)/).map(celGoTypeName) : []
    const target = receiver ? `${celGoTypeName(receiver)}.` : ""
    return `found no matching overload for '${name}' applied to '${target}(${args.join(", ")})'`
  }
  return undefined
}

/** The message of a compile error, in cel-go's words where they are known. */
function compileMessage(err: LibraryError, known: (name: string) => boolean): string {
  const summary = err.summary ?? err.message.split("\n")[0] ?? ""
  switch (err.code) {
    case "unknown_variable":
      return `undeclared reference to '${summary.replace(/^Unknown variable: /, "")}' (in container '')`
    case "no_such_key":
      return `undefined field '${summary.replace(/^No such key: /, "")}'`
    case "no_matching_overload": {
      const name = /for '(?:.+\.)?(\w+)\(/.exec(summary)?.[1]
      if (name && !known(name)) return `undeclared reference to '${name}' (in container '')`
      return overloadMessage(summary) ?? summary
    }
    case "no_such_overload":
      return overloadMessage(summary) ?? summary
  }
  return err.name === "ParseError" || /^Unexpected|^Unterminated|^Invalid/.test(summary)
    ? `Syntax error: ${summary}`
    : summary
}

/**
 * A compile error as cel-go's Issues.String() prints it: `ERROR: <input>:line:column: message`,
 * then the line and a caret under the column. `known` says whether a function name exists.
 */
export function compileErrorText(expr: string, error: unknown, known: (name: string) => boolean): string {
  const err = error as LibraryError
  const at = Math.min(location(expr, err), expr.length)
  const before = expr.slice(0, at)
  const line = before.split("\n").length
  const lineStart = before.lastIndexOf("\n") + 1
  const lineEnd = expr.indexOf("\n", at)
  const snippet = expr.slice(lineStart, lineEnd < 0 ? expr.length : lineEnd).replace(/\t/g, " ")
  const column = [...expr.slice(lineStart, at)]
  const dots = column.map((c) => (c.length > 1 || c.charCodeAt(0) > 0x7f ? "\uff0e" : ".")).join("")
  const here = [...expr.slice(at)][0] ?? ""
  const caret = here.length > 1 || here.charCodeAt(0) > 0x7f ? "\uff3e" : "^"
  const msg = compileMessage(err, known)
  return `ERROR: <input>:${line}:${column.length + 1}: ${msg}\n | ${snippet}\n | ${dots}${caret}`
}

/** An evaluation error's text as cel-go's would read. */
export function evalErrorText(error: unknown): string {
  const err = error as LibraryError
  const summary = err.summary ?? String(err.message ?? error).split("\n")[0] ?? ""
  switch (err.code) {
    case "no_such_key":
      return `no such key: ${summary.replace(/^No such key: /, "")}`
    case "index_out_of_bounds": {
      const m = /index (-?\d+)/.exec(summary)
      return m ? `index out of bounds: ${m[1]}` : summary
    }
    case "no_matching_overload":
    case "no_such_overload":
      return "no such overload"
    case "numeric_overflow":
      return /unsigned/i.test(summary) ? "unsigned integer overflow" : "integer overflow"
  }
  return summary
}
