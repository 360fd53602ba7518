/**
 * The parts of admissionregistration.k8s.io/v1 validation that webhooks and admission policies
 * share: rules (operations, groups, versions, resources, scope) and match conditions.
 */
import type { FieldError } from "../errors.ts"
import { duplicate, invalidShown, invalidValue, notSupported, required, tooMany } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { goStrings } from "./go-values.ts"
import { isQualifiedName } from "./names.ts"

const OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"]
const SCOPES = ["*", "Cluster", "Namespaced"]
const MAX_MATCH_CONDITIONS = 64

/** A rule with operations, as the webhooks' rules and the policies' resource rules carry it. */
export interface RuleLike {
  operations?: readonly string[]
  apiGroups?: readonly string[]
  apiVersions?: readonly string[]
  resources?: readonly string[]
  scope?: string
}

/** `[]admissionregistration.OperationType{"*", "CREATE"}`, as upstream quotes operations. */
function goOperations(ops: readonly string[]): string {
  return `[]admissionregistration.OperationType{${ops.map((o) => JSON.stringify(o)).join(", ")}}`
}

/** Resources: none empty, and no `x/*`, `*\/x` or `*\/*` beside what they already cover. */
function validateResources(resources: readonly string[], field: string): FieldError[] {
  const errs: FieldError[] = []
  if (resources.length === 0) errs.push(required(field, ""))
  const wildSub = new Set<string>()
  const wildRes = new Set<string>()
  let doubleWild = false
  let singleWild = false
  let plain = false
  resources.forEach((rs, i) => {
    if (rs === "") return void errs.push(required(index(field, i), ""))
    if (rs === "*/*") doubleWild = true
    if (rs === "*") singleWild = true
    const slash = rs.indexOf("/")
    if (slash < 0) return void (plain = rs !== "*")
    const res = rs.slice(0, slash)
    const sub = rs.slice(slash + 1)
    if (wildSub.has(res))
      errs.push(invalidValue(index(field, i), rs, `if '${res}/*' is present, must not specify ${rs}`))
    if (wildRes.has(sub))
      errs.push(invalidValue(index(field, i), rs, `if '*/${sub}' is present, must not specify ${rs}`))
    if (sub === "*") wildSub.add(res)
    if (res === "*") wildRes.add(sub)
  })
  if (resources.length > 1 && doubleWild)
    errs.push(
      invalidShown(field, goStrings(resources), "if '*/*' is present, must not specify other resources"),
    )
  if (singleWild && plain)
    errs.push(
      invalidShown(
        field,
        goStrings(resources),
        "if '*' is present, must not specify other resources without subresources",
      ),
    )
  return errs
}

/** Groups, versions, resources and scope of a rule. */
function validateRule(rule: RuleLike, field: string): FieldError[] {
  const errs: FieldError[] = []
  const groups = list(rule.apiGroups)
  const versions = list(rule.apiVersions)
  if (groups.length === 0) errs.push(required(child(field, "apiGroups"), ""))
  if (groups.length > 1 && groups.includes("*"))
    errs.push(
      invalidShown(
        child(field, "apiGroups"),
        goStrings(groups),
        "if '*' is present, must not specify other API groups",
      ),
    )
  if (versions.length === 0) errs.push(required(child(field, "apiVersions"), ""))
  if (versions.length > 1 && versions.includes("*"))
    errs.push(
      invalidShown(
        child(field, "apiVersions"),
        goStrings(versions),
        "if '*' is present, must not specify other API versions",
      ),
    )
  versions.forEach((v, i) => {
    if (v === "") errs.push(required(index(child(field, "apiVersions"), i), ""))
  })
  errs.push(...validateResources(list(rule.resources), child(field, "resources")))
  if (rule.scope !== undefined && rule.scope !== null && !SCOPES.includes(rule.scope))
    errs.push(notSupported(child(field, "scope"), rule.scope, SCOPES))
  return errs
}

/** A rule with operations: at least one supported operation, `*` alone, then the rule itself. */
export function validateRuleWithOperations(rule: RuleLike, field: string): FieldError[] {
  const errs: FieldError[] = []
  const ops = list(rule.operations)
  if (ops.length === 0) errs.push(required(child(field, "operations"), ""))
  if (ops.length > 1 && ops.includes("*"))
    errs.push(
      invalidShown(
        child(field, "operations"),
        goOperations(ops),
        "if '*' is present, must not specify other operations",
      ),
    )
  ops.forEach((op, i) => {
    if (!OPERATIONS.includes(op))
      errs.push(notSupported(index(child(field, "operations"), i), op, OPERATIONS))
  })
  errs.push(...validateRule(rule, field))
  return errs
}

/** A match condition: a name and an expression (compiled by the apiserver, webhook/validate-conditions.ts). */
export interface MatchConditionLike {
  name?: string
  expression?: string
}

/** Match conditions: at most 64, each with a unique qualified name and an expression. */
export function validateMatchConditions(
  conditions: readonly MatchConditionLike[] | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  const all = list(conditions)
  const names = new Set<string>()
  if (all.length > MAX_MATCH_CONDITIONS) errs.push(tooMany(field, all.length, MAX_MATCH_CONDITIONS))
  all.forEach((c, i) => {
    const path = index(field, i)
    const name = c.name ?? ""
    if (!(c.expression ?? "").trim()) errs.push(required(child(path, "expression"), ""))
    if (name === "") errs.push(required(child(path, "name"), ""))
    else for (const m of isQualifiedName(name)) errs.push(invalidValue(child(path, "name"), name, m))
    if (name && names.has(name)) errs.push(duplicate(child(path, "name"), name))
    if (name) names.add(name)
  })
  return errs
}
