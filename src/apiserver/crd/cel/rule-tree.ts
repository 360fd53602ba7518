/**
 * The positions of a schema that hold x-kubernetes-validations rules (or lead to some), each
 * with its CEL type and its rules compiled, as upstream's schema/cel validator tree holds
 * them: properties, list items, map values, and the rules of allOf branches, which apply at
 * their parent's position with its types.
 */
import type { StructuralSchema as Schema } from "../../../api/index.ts"
import { additionalOf, itemsOf } from "../../../api/index.ts"
import { type CompiledRule, compileRules } from "./compile.ts"
import { type DeclType, DeclTypes, escapeName } from "./decl-types.ts"
import { baseEnvironment } from "./environment.ts"

/** One position: its schema, its type, its compiled rules, and the positions below with rules. */
export interface RuleNode {
  readonly schema: Schema
  readonly type: DeclType | undefined
  /** The root of the resource or of an embedded resource (apiVersion and kind are its own). */
  readonly resourceRoot: boolean
  /** The schema whose rules apply here: the position's own, or an allOf branch of it. */
  readonly rulesOf: Schema
  rules?: CompiledRule[]
  /** Why the position's rules could not be compiled at all. */
  compileError?: string
  items?: RuleNode
  additional?: RuleNode
  properties?: Map<string, RuleNode>
  allOf?: RuleNode[]
}

/** True when `s` or a schema below it has rules. */
export function hasRules(s: Schema | undefined): boolean {
  if (!s) return false
  if (s["x-kubernetes-validations"]?.length) return true
  if (hasRules(itemsOf(s)) || hasRules(additionalOf(s))) return true
  return Object.values(s.properties ?? {}).some(hasRules) || (s.allOf ?? []).some(hasRules)
}

const embedded = (s: Schema): boolean => !!s["x-kubernetes-embedded-resource"]

function elemOf(type: DeclType | undefined): DeclType | undefined {
  return type?.kind === "list" || type?.kind === "map" ? type.elem : undefined
}

/** The type of property `k`: its field's, or for a name CEL cannot spell, a type of its own. */
function propertyType(
  type: DeclType | undefined,
  k: string,
  p: Schema,
  types: DeclTypes,
): DeclType | undefined {
  if (!escapeName(k)) return types.of(p, embedded(p), `${types.prefix}_${types.objects.length}`)
  return type?.kind === "object" ? type.fields.get(k)?.type : undefined
}

function build(
  rulesOf: Schema,
  schema: Schema,
  root: boolean,
  type: DeclType | undefined,
  types: DeclTypes,
): RuleNode {
  const node: RuleNode = { schema, type, resourceRoot: root, rulesOf }
  const items = itemsOf(schema)
  const ruleItems = itemsOf(rulesOf)
  if (items && hasRules(ruleItems))
    node.items = build(ruleItems as Schema, items, embedded(items), elemOf(type), types)
  const extra = additionalOf(schema)
  const ruleExtra = additionalOf(rulesOf)
  if (extra && hasRules(ruleExtra))
    node.additional = build(ruleExtra as Schema, extra, embedded(extra), elemOf(type), types)
  for (const [k, r] of Object.entries(rulesOf.properties ?? {})) {
    const p = schema.properties?.[k]
    const t = p && hasRules(r) ? propertyType(type, k, p, types) : undefined
    if (p && t) (node.properties ??= new Map()).set(k, build(r, p, embedded(p), t, types))
  }
  for (const sub of rulesOf.allOf ?? [])
    if (hasRules(sub)) (node.allOf ??= []).push(build(sub, schema, root, type, types))
  return node
}

let typeSerial = 0

function compileTree(n: RuleNode | undefined, env: ReturnType<typeof baseEnvironment>): void {
  if (!n) return
  try {
    const schema = { ...n.schema, "x-kubernetes-validations": n.rulesOf["x-kubernetes-validations"] }
    n.rules = compileRules(schema, n.type, env)
  } catch (err) {
    n.compileError = (err as Error).message
  }
  compileTree(n.items, env)
  compileTree(n.additional, env)
  for (const c of n.properties?.values() ?? []) compileTree(c, env)
  for (const c of n.allOf ?? []) compileTree(c, env)
}

/** The rule tree of a resource's schema, compiled; undefined when the schema has no rules. */
export function ruleTree(schema: Schema): RuleNode | undefined {
  if (!hasRules(schema)) return undefined
  const types = new DeclTypes(`selfType${++typeSerial}`)
  const root = build(schema, schema, true, types.of(schema, true), types)
  const env = baseEnvironment().clone()
  types.register(env)
  compileTree(root, env)
  return root
}
