/**
 * Compiles the x-kubernetes-validations rules of one schema position as upstream's Compile
 * does: each rule is type-checked with `self` (and `oldSelf`, optional when the rule says
 * optionalOldSelf) of the position's type and must be a bool; a messageExpression must be a
 * string; whether a rule uses oldSelf is read from its syntax tree; a fieldPath is normalized.
 * Literal durations, timestamps and regular expressions are checked as cel-go's AST
 * validators check them, and map indexes against the map's key type as its overloads do. Cost
 * estimation is not done.
 */
import type { Environment } from "@marcbachmann/cel-js"
import type { StructuralSchema as Schema, ValidationRule } from "../../../api/index.ts"
import type { DeclType } from "./decl-types.ts"
import { compileErrorText } from "./errors.ts"
import { validFieldPath } from "./field-path.ts"
import { compileRegex } from "./lib-regex.ts"
import { celGoTypeName } from "./type-names.ts"
import { parseDurationNanos } from "./values.ts"

/** A compiled expression: evaluates with `self` and `oldSelf` bound. */
export type Program = (vars: Record<string, unknown>) => unknown

/** Why a rule did not compile, as upstream's cel.Error types it. */
export interface RuleError {
  readonly type: "Invalid" | "Required" | "Internal"
  readonly detail: string
}

/** One rule compiled (or not). */
export interface CompiledRule {
  readonly rule: ValidationRule
  /** Undefined when the rule is empty or did not compile. */
  readonly program?: Program
  readonly error?: RuleError
  readonly usesOldSelf: boolean
  readonly message?: Program
  readonly messageError?: RuleError
  /** The fieldPath in field.Path form, when it is valid. */
  readonly fieldPath?: string
}

interface Node {
  readonly op: string
  readonly args: unknown
  readonly range?: { readonly start: number; readonly end: number }
}

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && typeof (v as Node).op === "string"
}

const MACROS = new Set(["all", "exists", "exists_one", "map", "filter"])

function children(n: Node): Node[] {
  const out: Node[] = []
  const visit = (v: unknown) => {
    if (isNode(v)) out.push(v)
    else if (Array.isArray(v)) v.forEach(visit)
  }
  if (n.op !== "id" && n.op !== "value") visit(n.args)
  return out
}

/** True when the tree reads the variable `name` where no macro variable of that name hides it. */
export function refersTo(n: Node, name: string, hidden: ReadonlySet<string> = new Set()): boolean {
  if (n.op === "id") return n.args === name && !hidden.has(name)
  if (n.op === "rcall" && Array.isArray(n.args)) {
    const [fn, receiver, args] = n.args as [string, unknown, unknown[]]
    const bindsVar =
      (MACROS.has(fn) || (fn === "bind" && isNode(receiver) && receiver.args === "cel")) && args
    const v = bindsVar && isNode(args[0]) && args[0].op === "id" ? (args[0].args as string) : undefined
    if (v !== undefined) {
      if (isNode(receiver) && refersTo(receiver, name, hidden)) return true
      const inner = new Set(hidden).add(v)
      // cel.bind(v, init, expr): init does not see v.
      return args
        .slice(1)
        .some((a, i) => isNode(a) && refersTo(a, name, fn === "bind" && i === 0 ? hidden : inner))
    }
  }
  return children(n).some((c) => refersTo(c, name, hidden))
}

function stringLiteral(n: unknown): string | undefined {
  return isNode(n) && n.op === "value" && typeof n.args === "string" ? n.args : undefined
}

/** cel-go's literal validators: duration(), timestamp() and regular expressions given as literals. */
function literalError(n: Node): { at: number; message: string } | undefined {
  if (Array.isArray(n.args)) {
    const [fn, a, b] = n.args as [unknown, unknown, unknown]
    const callArg = n.op === "call" && Array.isArray(a) ? a[0] : undefined
    const memberArg = n.op === "rcall" && Array.isArray(b) ? b[0] : undefined
    const check = (arg: unknown, ok: (s: string) => boolean) => {
      const s = stringLiteral(arg)
      return s !== undefined && !ok(s)
        ? { at: (arg as Node).range?.start ?? 0, message: `invalid ${String(fn)} argument` }
        : undefined
    }
    if (fn === "duration" && callArg)
      return check(callArg, (s) => parseDurationNanos(s) !== undefined && !/[dw]/.test(s))
    if (fn === "timestamp" && callArg) return check(callArg, (s) => !Number.isNaN(Date.parse(s)))
    if (fn === "matches" && memberArg) {
      return check(memberArg, (s) => {
        try {
          compileRegex(s)
          return true
        } catch {
          return false
        }
      })
    }
  }
  for (const c of children(n)) {
    const err = literalError(c)
    if (err) return err
  }
  return undefined
}

function typeName(n: unknown): string {
  const t = (n as { checkedType?: { name?: string } }).checkedType
  return celGoTypeName(t?.name ?? "dyn")
}

/** The first element of `list` whose type differs from the first's, with both types. */
function mixed(list: unknown[]): { at: Node; want: string; got: string } | undefined {
  const want = list.length ? typeName(list[0]) : ""
  for (const e of list.slice(1)) {
    const got = typeName(e)
    if (isNode(e) && got !== want) return { at: e, want, got }
  }
  return undefined
}

/** The first mixed element, key or value of a list or map literal. */
function mixedIn(n: Node): { at: Node; want: string; got: string } | undefined {
  if (!Array.isArray(n.args)) return undefined
  if (n.op === "list") return mixed(n.args)
  if (n.op !== "map") return undefined
  const entries = n.args as [unknown, unknown][]
  return mixed(entries.map((e) => e[0])) ?? mixed(entries.map((e) => e[1]))
}

const isAggregate = (n: Node): boolean => n.op === "list" || n.op === "map"

/**
 * cel-go's homogeneous aggregate literals check: list elements, map keys and map values of
 * one literal have one type, except in the arguments of a format call.
 */
function aggregateError(n: Node, inFormat = false): { at: number; message: string } | undefined {
  const found = inFormat ? undefined : mixedIn(n)
  if (found)
    return {
      at: found.at.range?.start ?? 0,
      message: `expected type '${found.want}' but found '${found.got}'`,
    }
  const args = Array.isArray(n.args) ? (n.args as unknown[]) : []
  const formatCall = n.op === "rcall" && args[0] === "format"
  for (const c of children(n)) {
    // format's argument literals, and literals nested in them, may mix types.
    const exempt = isAggregate(c) && ((formatCall && c !== args[1]) || (inFormat && isAggregate(n)))
    const err = aggregateError(c, exempt)
    if (err) return err
  }
  return undefined
}

/** The key type of a map type name (`map<string, int>` → `string`). */
function mapKey(type: string): string | undefined {
  return /^map<([\w.]+), /.exec(type)?.[1]
}

/**
 * cel-go's map index overloads: a map is indexed by its key type (or dyn), which the library
 * does not check; the error stands at the `[`.
 */
function indexError(n: Node, expr: string): { at: number; message: string } | undefined {
  if ((n.op === "[]" || n.op === "[?]") && Array.isArray(n.args)) {
    const [target, index] = n.args as [Node, Node]
    const recv = (target as { checkedType?: { name?: string } }).checkedType?.name ?? "dyn"
    const key = mapKey(recv)
    const got = (index as { checkedType?: { name?: string } }).checkedType?.name ?? "dyn"
    if (key && key !== "dyn" && got !== "dyn" && got !== key) {
      const fn = n.op === "[]" ? "_[_]" : "_[?_]"
      const at = expr.indexOf("[", (target as { end?: number }).end ?? 0)
      return {
        at: at < 0 ? 0 : at,
        message: `found no matching overload for '${fn}' applied to '(${celGoTypeName(recv)}, ${celGoTypeName(got)})'`,
      }
    }
  }
  for (const c of children(n)) {
    const err = indexError(c, expr)
    if (err) return err
  }
  return undefined
}

/** An expression checked: its program, tree and type, or why it did not compile. */
export interface Checked {
  readonly program?: Program
  readonly ast?: Node
  readonly error?: string
  readonly type?: string
}

/**
 * Parses and type-checks `expr` in `env` with cel-go's literal and aggregate checks: its
 * program and type, or the compile error as cel-go prints it.
 */
export function checkExpression(env: Environment, expr: string): Checked {
  const known = (name: string) => env.getDefinitions().functions.some((f) => f.name === name)
  let parsed: ReturnType<Environment["parse"]>
  try {
    parsed = env.parse(expr)
  } catch (err) {
    return { error: compileErrorText(expr, err, known) }
  }
  const checked = parsed.check()
  if (!checked.valid) return { error: compileErrorText(expr, checked.error, known) }
  const ast = parsed.ast as unknown as Node
  const bad = literalError(ast) ?? aggregateError(ast) ?? indexError(ast, expr)
  if (bad) {
    return {
      error: compileErrorText(expr, { message: bad.message, range: { start: bad.at, end: bad.at } }, known),
    }
  }
  return { program: (vars) => parsed(vars), ast, type: checked.type }
}

function compileRule(rule: ValidationRule, env: Environment, schema: Schema): CompiledRule {
  if (!rule.rule?.trim()) return { rule, usesOldSelf: false }
  const r = checkExpression(env, rule.rule)
  if (r.error !== undefined)
    return { rule, usesOldSelf: false, error: { type: "Invalid", detail: `compilation failed: ${r.error}` } }
  if (r.type !== "bool")
    return {
      rule,
      usesOldSelf: false,
      error: { type: "Invalid", detail: "cel expression must evaluate to a bool" },
    }
  const usesOldSelf = refersTo(r.ast as Node, "oldSelf")
  let fieldPath: string | undefined
  if (rule.fieldPath) {
    try {
      fieldPath = validFieldPath(rule.fieldPath, schema).path
    } catch {
      fieldPath = undefined
    }
  }
  const base = { rule, program: r.program, usesOldSelf, fieldPath }
  if (!rule.messageExpression) return base
  const m = checkExpression(env, rule.messageExpression)
  if (m.error !== undefined)
    return {
      ...base,
      messageError: { type: "Invalid", detail: `messageExpression compilation failed: ${m.error}` },
    }
  if (m.type !== "string")
    return {
      ...base,
      messageError: { type: "Invalid", detail: "messageExpression must evaluate to a string" },
    }
  return { ...base, message: m.program }
}

/** The environment of rules at a position of type `t`: `self`, and `oldSelf` (optional or not). */
function ruleEnvironment(types: Environment, t: DeclType, optionalOldSelf: boolean): Environment {
  return types
    .clone()
    .registerVariable("self", t.name)
    .registerVariable("oldSelf", optionalOldSelf ? `optional<${t.name}>` : t.name)
}

/**
 * Compiles the rules of `schema`, whose values have type `t` (undefined when CEL cannot see
 * them), in `types` (the base environment with the schema's object types).
 * @throws Error when the position has rules but no CEL type
 */
export function compileRules(schema: Schema, t: DeclType | undefined, types: Environment): CompiledRule[] {
  const rules = schema["x-kubernetes-validations"] ?? []
  if (!rules.length) return []
  if (!t) throw new Error("failed to convert to declType for CEL validation rules")
  let plain: Environment | undefined
  let optional: Environment | undefined
  return rules.map((rule) => {
    const env = rule.optionalOldSelf
      ? (optional ??= ruleEnvironment(types, t, true))
      : (plain ??= ruleEnvironment(types, t, false))
    return compileRule(rule, env, schema)
  })
}
