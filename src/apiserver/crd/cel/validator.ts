/**
 * Runs the x-kubernetes-validations rules of a custom resource version as upstream's
 * schema/cel Validator does: every rule at every schema position holding a value (nulls are
 * skipped), `self` bound to that value and `oldSelf` to its correlated old value; a rule that
 * reads oldSelf runs only on update where an old value exists, unless optionalOldSelf. A failed
 * rule is reported at its position (or fieldPath) with its message, messageExpression or
 * `failed rule: <rule>`, typed by its reason. On update, errors of a rule that does not read
 * oldSelf at a position whose value did not change are ratcheted (set apart), as upstream turns
 * them into warnings.
 */
import { Optional } from "@marcbachmann/cel-js"
import type { FieldError, StructuralSchema as Schema } from "../../../api/index.ts"
import { isPlainObject } from "../../../api/index.ts"
import type { CompiledRule } from "./compile.ts"
import { Correlated, MapList } from "./correlated.ts"
import { evaluationFailure, ruleError, ruleFailure } from "./rule-failures.ts"
import { type RuleNode, ruleTree } from "./rule-tree.ts"
import { CelValues } from "./values.ts"

/** field.Path's form of the root: what upstream names errors of rules at the root. */
const ROOT = "<nil>"

function child(path: string, name: string): string {
  return path === ROOT ? name : `${path}.${name}`
}

function indexed(path: string, key: string | number): string {
  return `${path === ROOT ? "" : path}[${key}]`
}

/** A position's correlated old value (for ratcheting) and the nearest correlated one above it. */
interface Ratchet {
  readonly current?: Correlated
  readonly parent?: Correlated
}

function ratchetKey(r: Ratchet, key: string, root: boolean): Ratchet {
  if (!r.current) return r
  // apiVersion and kind are the same on both sides after conversion: never ratcheted.
  if (root && !r.parent && (key === "apiVersion" || key === "kind")) return {}
  return { current: r.current.key(key), parent: r.current }
}

function ratchetIndex(r: Ratchet, i: number): Ratchet {
  return r.current ? { current: r.current.index(i), parent: r.current } : r
}

function ratchets(r: Ratchet): boolean {
  return r.current ? r.current.equal() : (r.parent?.equal() ?? false)
}

/** The outcome of validating one object. */
export interface RuleResult {
  readonly errors: FieldError[]
  /** Errors of unchanged values, which upstream reports as warnings. */
  readonly ratcheted: FieldError[]
}

/** One validation: converted values are shared by the positions that read them. */
class Run {
  readonly values = new CelValues()
  readonly errors: FieldError[] = []
  readonly ratcheted: FieldError[] = []

  visit(n: RuleNode, path: string, obj: unknown, old: unknown, ratchet: Ratchet): void {
    if (obj === null || obj === undefined) return
    const before = old === null ? undefined : old
    this.#rules(n, path, obj, before, ratchet)
    // allOf errors are not ratcheted, as upstream's schema validation does not ratchet them.
    for (const sub of n.allOf ?? []) this.visit(sub, path, obj, before, { parent: ratchet.parent })
    if (Array.isArray(obj)) this.#items(n, path, obj, before, ratchet)
    else if (isPlainObject(obj)) this.#fields(n, path, obj, before, ratchet)
  }

  #items(n: RuleNode, path: string, obj: unknown[], old: unknown, ratchet: Ratchet): void {
    const items = n.items
    if (!items) return
    // Only items of map-lists have an old self: the old item with the same keys.
    const olds = Array.isArray(old) ? new MapList(n.schema, old) : undefined
    obj.forEach((item, i) =>
      this.visit(items, indexed(path, i), item, olds?.get(item), ratchetIndex(ratchet, i)),
    )
  }

  #fields(n: RuleNode, path: string, obj: Record<string, unknown>, old: unknown, ratchet: Ratchet): void {
    const olds = isPlainObject(old) ? old : undefined
    for (const [k, v] of Object.entries(obj)) {
      const prop = n.properties?.get(k)
      const node = prop ?? (n.schema.properties?.[k] ? undefined : n.additional)
      if (!node) continue
      this.visit(
        node,
        prop ? child(path, k) : indexed(path, k),
        v,
        olds?.[k],
        ratchetKey(ratchet, k, n.resourceRoot),
      )
    }
  }

  #rules(n: RuleNode, path: string, obj: unknown, old: unknown, ratchet: Ratchet): void {
    const type = n.schema.type ?? ""
    if (n.compileError) {
      this.errors.push(ruleError(path, type, `rule compiler initialization error: ${n.compileError}`))
      return
    }
    if (!n.rules?.length || !n.type) return
    const self = this.values.of(n.type, obj)
    const oldSelf = old === undefined ? undefined : this.values.of(n.type, old)
    for (const c of n.rules)
      this.#rule(c, path, type, obj, self, old === undefined ? undefined : { oldSelf }, ratchet)
  }

  #rule(
    c: CompiledRule,
    path: string,
    type: string,
    obj: unknown,
    self: unknown,
    old: { oldSelf: unknown } | undefined,
    ratchet: Ratchet,
  ): void {
    if (c.error) {
      this.errors.push(ruleError(path, type, `rule compile error: ${c.error.detail}`))
      return
    }
    const optional = !!c.rule.optionalOldSelf
    // Transition rules run only where there is an old value to compare with.
    if (!c.program || (c.usesOldSelf && !old && !optional)) return
    const vars: Record<string, unknown> = { self }
    if (optional) vars.oldSelf = old ? Optional.of(old.oldSelf) : Optional.none()
    else if (old) vars.oldSelf = old.oldSelf
    let result: unknown
    try {
      result = c.program(vars)
    } catch (err) {
      this.errors.push(evaluationFailure(path, type, c.rule, err))
      return
    }
    if (result === true) return
    const at = c.fieldPath ? child(path, c.fieldPath) : path
    const failure = ruleFailure(at, type === "object" || type === "array" ? undefined : obj, c, vars)
    if (!c.usesOldSelf && ratchets(ratchet)) this.ratcheted.push(failure)
    else this.errors.push(failure)
  }
}

/** The rules of one custom resource version's schema, compiled. */
export class RuleValidator {
  readonly #root: RuleNode

  private constructor(root: RuleNode) {
    this.#root = root
  }

  /** The validator of `schema`, or undefined when it has no rules. */
  static of(schema: Schema): RuleValidator | undefined {
    const root = ruleTree(schema)
    return root && new RuleValidator(root)
  }

  /** Validates `obj` (and on update against its `old` self). */
  validate(obj: unknown, old?: unknown): RuleResult {
    const run = new Run()
    const ratchet: Ratchet = old === undefined ? {} : { current: new Correlated(obj, old, this.#root.schema) }
    run.visit(this.#root, ROOT, obj, old, ratchet)
    return { errors: run.errors, ratcheted: run.ratcheted }
  }
}
