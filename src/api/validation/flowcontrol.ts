/**
 * FlowSchemas and PriorityLevelConfigurations (flowcontrol.apiserver.k8s.io/v1): precedence,
 * priority level reference, subjects and rules of a schema; type, shares, lendable and
 * borrowing percents and queuing of a level, as upstream's flowcontrol validation.
 */
import type {
  FlowSchema,
  LimitedPriorityLevelConfiguration,
  NonResourcePolicyRule,
  PolicyRulesWithSubjects,
  PriorityLevelConfiguration,
  QueuingConfiguration,
  ResourcePolicyRule,
  Subject,
} from "kubernetes-types/flowcontrol/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidShown, invalidValue, notSupported, required } from "../field-errors.ts"
import { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS } from "../flowcontrol-mandatory.ts"
import { child, deepEqual, index, list } from "./_field.ts"
import { goStrings } from "./go-values.ts"
import { nameIsDnsLabel, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const MAX_PRECEDENCE = 10000
const MAX_QUEUES = 10_000_000
const MAX_HASH_BITS = 60
const DISTINGUISHERS = ["ByNamespace", "ByUser"]
const SUBJECT_KINDS = ["Group", "ServiceAccount", "User"]
const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"]
const ENABLEMENTS = ["Exempt", "Limited"]
const LIMIT_RESPONSES = ["Queue", "Reject"]
const NS_INTRO = "each member of this list must be '*' or a DNS-1123 label; "

type Obj = { metadata?: FlowSchema["metadata"] }

/** `Unsupported value: <shown>: supported values: ...`, the value printed as Go prints it. */
function notSupportedShown(field: string, shown: string, supported: readonly string[]): FieldError {
  const list = supported.map((v) => JSON.stringify(v)).join(", ")
  return {
    type: "FieldValueNotSupported",
    field,
    message: `Unsupported value: ${shown}: supported values: ${list}`,
  }
}

function meta(obj: Obj, old: Obj | undefined): FieldError[] {
  return old
    ? validateObjectMetaUpdate(obj.metadata, old.metadata)
    : validateObjectMeta(obj.metadata, { namespaced: false, name: nameIsDnsSubdomain })
}

function validateSubject(s: Subject, field: string): FieldError[] {
  const errs: FieldError[] = []
  const notFor = (k: "user" | "group" | "serviceAccount", kind: string) =>
    s[k] ? [forbidden(child(field, k), `${k} is forbidden when subject kind is not '${kind}'`)] : []
  switch (s.kind) {
    case "ServiceAccount": {
      const sa = s.serviceAccount
      const path = child(field, "serviceAccount")
      if (!sa) errs.push(required(path, "serviceAccount is required when subject kind is 'ServiceAccount'"))
      else {
        if (!sa.name) errs.push(required(child(path, "name"), ""))
        else if (sa.name !== "*")
          for (const m of nameIsDnsSubdomain(sa.name, false))
            errs.push(invalidValue(child(path, "name"), sa.name, m))
        if (!sa.namespace)
          errs.push(required(child(path, "namespace"), "must specify namespace for service account"))
        else
          for (const m of nameIsDnsLabel(sa.namespace, false))
            errs.push(invalidValue(child(path, "namespace"), sa.namespace, m))
      }
      return [...errs, ...notFor("user", "User"), ...notFor("group", "Group")]
    }
    case "User":
      if (!s.user) errs.push(required(child(field, "user"), "user is required when subject kind is 'User'"))
      else if (!s.user.name) errs.push(required(child(field, "user", "name"), ""))
      return [...errs, ...notFor("serviceAccount", "ServiceAccount"), ...notFor("group", "Group")]
    case "Group":
      if (!s.group)
        errs.push(required(child(field, "group"), "group is required when subject kind is 'Group'"))
      else if (!s.group.name) errs.push(required(child(field, "group", "name"), ""))
      return [...errs, ...notFor("serviceAccount", "ServiceAccount"), ...notFor("user", "User")]
    default:
      return [notSupported(child(field, "kind"), s.kind, SUBJECT_KINDS)]
  }
}

/** `items` is non-empty and `*` appears alone; `what` names them in the messages. */
function validateWildcardList(
  items: readonly string[],
  field: string,
  what: string,
  missing: string,
): FieldError[] {
  if (items.length === 0) return [required(field, missing)]
  if (items.length > 1 && items.includes("*"))
    return [invalidShown(field, goStrings(items), `if '*' is present, must not specify other ${what}`)]
  return []
}

function validateVerbs(verbs: readonly string[], field: string): FieldError[] {
  const errs = validateWildcardList(verbs, field, "verbs", "verbs must contain at least one value")
  if (errs.length || verbs.includes("*")) return errs
  return verbs.every((v) => VERBS.includes(v)) ? [] : [notSupportedShown(field, goStrings(verbs), VERBS)]
}

function validateResourceRule(r: ResourcePolicyRule, field: string): FieldError[] {
  const errs = validateVerbs(list(r.verbs), child(field, "verbs"))
  errs.push(
    ...validateWildcardList(
      list(r.apiGroups),
      child(field, "apiGroups"),
      "api groups",
      "resource rules must supply at least one api group",
    ),
    ...validateWildcardList(
      list(r.resources),
      child(field, "resources"),
      "resources",
      "resource rules must supply at least one resource",
    ),
  )
  const ns = list(r.namespaces)
  const nsField = child(field, "namespaces")
  if (ns.length === 0 && !r.clusterScope)
    errs.push(
      required(nsField, "resource rules that are not cluster scoped must supply at least one namespace"),
    )
  else if (ns.includes("*")) {
    if (ns.length > 1)
      errs.push(invalidShown(nsField, goStrings(ns), "if '*' is present, must not specify other namespaces"))
  } else
    ns.forEach((n, i) => {
      for (const m of nameIsDnsLabel(n, false)) errs.push(invalidValue(index(nsField, i), n, NS_INTRO + m))
    })
  return errs
}

/** What is wrong with a non-resource URL path: a leading slash, no blanks or `//`, `*` only as a final `/*`. */
function nonResourceUrlError(path: string): string | undefined {
  if (path === "") return "must not be empty"
  if (path === "/") return undefined
  if (!path.startsWith("/")) return "must start with slash"
  if (path.includes(" ")) return "must not contain white-space"
  if (path.includes("//")) return "must not contain double slash"
  const stars = path.split("*").length - 1
  if (stars > 1 || (stars === 1 && !path.endsWith("/*"))) return "wildcard can only do suffix matching"
  return undefined
}

function validateNonResourceRule(r: NonResourcePolicyRule, field: string): FieldError[] {
  const errs = validateVerbs(list(r.verbs), child(field, "verbs"))
  const urls = list(r.nonResourceURLs)
  const urlField = child(field, "nonResourceURLs")
  errs.push(
    ...validateWildcardList(
      urls,
      urlField,
      "non-resource URLs",
      "nonResourceURLs must contain at least one value",
    ),
  )
  if (urls.includes("*")) return errs
  urls.forEach((u, i) => {
    const why = nonResourceUrlError(u)
    if (why) errs.push(invalidValue(index(urlField, i), u, why))
  })
  return errs
}

function validateRules(rule: PolicyRulesWithSubjects, field: string): FieldError[] {
  const errs: FieldError[] = []
  const subjects = list(rule.subjects)
  if (subjects.length === 0)
    errs.push(required(child(field, "subjects"), "subjects must contain at least one value"))
  subjects.forEach((s, i) => errs.push(...validateSubject(s, index(child(field, "subjects"), i))))
  if (list(rule.resourceRules).length === 0 && list(rule.nonResourceRules).length === 0)
    errs.push(required(field, "at least one of resourceRules and nonResourceRules has to be non-empty"))
  list(rule.resourceRules).forEach((r, i) =>
    errs.push(...validateResourceRule(r, index(child(field, "resourceRules"), i))),
  )
  list(rule.nonResourceRules).forEach((r, i) =>
    errs.push(...validateNonResourceRule(r, index(child(field, "nonResourceRules"), i))),
  )
  return errs
}

function validateFlowSchemaSpec(fs: FlowSchema): FieldError[] {
  const s = fs.spec ?? ({} as NonNullable<FlowSchema["spec"]>)
  const errs: FieldError[] = []
  const p = s.matchingPrecedence ?? 0
  if (p <= 0) errs.push(invalidValue("spec.matchingPrecedence", p, "must be a positive value"))
  if (p > MAX_PRECEDENCE)
    errs.push(invalidValue("spec.matchingPrecedence", p, `must not be greater than ${MAX_PRECEDENCE}`))
  if (p === 1 && fs.metadata?.name !== "exempt")
    errs.push(
      invalidValue(
        "spec.matchingPrecedence",
        p,
        "only the schema named 'exempt' may have matchingPrecedence 1",
      ),
    )
  const dm = s.distinguisherMethod
  if (dm && !DISTINGUISHERS.includes(dm.type))
    errs.push(
      notSupportedShown(
        "spec.distinguisherMethod.type",
        `flowcontrol.FlowDistinguisherMethod{Type:${JSON.stringify(dm.type ?? "")}}`,
        DISTINGUISHERS,
      ),
    )
  const pl = s.priorityLevelConfiguration?.name ?? ""
  if (!pl) errs.push(required("spec.priorityLevelConfiguration.name", "must reference a priority level"))
  else
    for (const m of nameIsDnsSubdomain(pl, false))
      errs.push(invalidValue("spec.priorityLevelConfiguration.name", pl, m))
  list(s.rules).forEach((r, i) => errs.push(...validateRules(r, index("spec.rules", i))))
  return errs
}

/** A FlowSchema; status writes get the metadata and condition checks only. */
export function validateFlowSchema(fs: FlowSchema, old?: FlowSchema, subresource = ""): FieldError[] {
  const errs = meta(fs, old)
  if (subresource === "status") return [...errs, ...validateConditions(fs.status?.conditions)]
  errs.push(...validateFlowSchemaSpec(fs))
  const name = fs.metadata?.name ?? ""
  const mandatory = MANDATORY_FLOW_SCHEMAS.find((m) => m.metadata?.name === name)
  if (mandatory && !deepEqual(fs.spec, mandatory.spec))
    errs.push(
      invalidShown("spec", "flowcontrol.FlowSchemaSpec{...}", `spec of '${name}' must equal the fixed value`),
    )
  errs.push(...validateConditions(fs.status?.conditions))
  return errs
}

/** Status conditions: each type given, and once. */
function validateConditions(conditions: readonly { type?: string }[] | undefined): FieldError[] {
  const errs: FieldError[] = []
  const seen = new Set<string>()
  list(conditions).forEach((c, i) => {
    const path = child(index("status.conditions", i), "type")
    if (seen.has(c.type ?? "")) errs.push(duplicate(path, c.type ?? ""))
    seen.add(c.type ?? "")
    if (!c.type) errs.push(required(path, "must not be empty"))
  })
  return errs
}

function percent(value: number | undefined, field: string): FieldError[] {
  return value !== undefined && value !== null && (value < 0 || value > 100)
    ? [invalidValue(field, value, "must be between 0 and 100, inclusive")]
    : []
}

function validateQueuing(q: QueuingConfiguration, field: string): FieldError[] {
  const errs: FieldError[] = []
  const queues = q.queues ?? 0
  const hand = q.handSize ?? 0
  const limit = q.queueLengthLimit ?? 0
  if (limit <= 0) errs.push(invalidValue(child(field, "queueLengthLimit"), limit, "must be positive"))
  if (queues <= 0) errs.push(invalidValue(child(field, "queues"), queues, "must be positive"))
  else if (queues > MAX_QUEUES)
    errs.push(invalidValue(child(field, "queues"), queues, `must not be greater than ${MAX_QUEUES}`))
  if (hand <= 0) errs.push(invalidValue(child(field, "handSize"), hand, "must be positive"))
  else if (hand > queues)
    errs.push(invalidValue(child(field, "handSize"), hand, `should not be greater than queues (${queues})`))
  else if (Math.ceil(Math.log2(queues) * hand) > MAX_HASH_BITS)
    errs.push(
      invalidValue(
        child(field, "handSize"),
        hand,
        `required entropy bits of deckSize ${queues} and handSize ${hand} should not be greater than ${MAX_HASH_BITS}`,
      ),
    )
  return errs
}

function validateLimited(l: LimitedPriorityLevelConfiguration, field: string): FieldError[] {
  const errs: FieldError[] = []
  const ncs = l.nominalConcurrencyShares ?? 0
  if (ncs < 0)
    errs.push(invalidValue(child(field, "nominalConcurrencyShares"), ncs, "must be a non-negative integer"))
  const lr = l.limitResponse ?? ({} as NonNullable<LimitedPriorityLevelConfiguration["limitResponse"]>)
  const lrField = child(field, "limitResponse")
  if (lr.type === "Reject") {
    if (lr.queuing)
      errs.push(
        forbidden(child(lrField, "queuing"), "must be nil if limited.limitResponse.type is not Limited"),
      )
  } else if (lr.type === "Queue") {
    if (!lr.queuing)
      errs.push(
        required(child(lrField, "queuing"), "must not be empty if limited.limitResponse.type is Limited"),
      )
    else errs.push(...validateQueuing(lr.queuing, child(lrField, "queuing")))
  } else errs.push(notSupported(child(lrField, "type"), lr.type ?? "", LIMIT_RESPONSES))
  errs.push(...percent(l.lendablePercent, child(field, "lendablePercent")))
  const borrow = l.borrowingLimitPercent
  if (borrow !== undefined && borrow !== null && borrow < 0)
    errs.push(
      invalidValue(
        child(field, "borrowingLimitPercent"),
        borrow,
        "if specified, must be a non-negative integer",
      ),
    )
  return errs
}

function validateLevelSpec(plc: PriorityLevelConfiguration): FieldError[] {
  const s = plc.spec ?? ({} as NonNullable<PriorityLevelConfiguration["spec"]>)
  const errs: FieldError[] = []
  if ((plc.metadata?.name === "exempt") !== (s.type === "Exempt"))
    errs.push(
      invalidValue("spec.type", s.type ?? "", "type must be 'Exempt' if and only if name is 'exempt'"),
    )
  if (s.type === "Exempt") {
    if (s.limited) errs.push(forbidden("spec.limited", "must be nil if the type is not Limited"))
    const shares = s.exempt?.nominalConcurrencyShares
    if (shares !== undefined && shares !== null && shares < 0)
      errs.push(
        invalidValue("spec.exempt.nominalConcurrencyShares", shares, "must be a non-negative integer"),
      )
    errs.push(...percent(s.exempt?.lendablePercent, "spec.exempt.lendablePercent"))
  } else if (s.type === "Limited") {
    if (s.exempt) errs.push(forbidden("spec.exempt", "must be nil if the type is Limited"))
    if (!s.limited) errs.push(required("spec.limited", "must not be empty when type is Limited"))
    else errs.push(...validateLimited(s.limited, "spec.limited"))
  } else errs.push(notSupported("spec.type", s.type ?? "", ENABLEMENTS))
  return errs
}

/**
 * The mandatory levels keep their specs: `exempt` all but its exempt settings, `catch-all`
 * entirely.
 */
function validateMandatoryLevel(plc: PriorityLevelConfiguration): FieldError[] {
  const name = plc.metadata?.name ?? ""
  const mandatory = MANDATORY_PRIORITY_LEVELS.find((m) => m.metadata?.name === name)
  if (!mandatory) return []
  const shown = "flowcontrol.PriorityLevelConfigurationSpec{...}"
  if (name === "exempt") {
    const have = { ...plc.spec, exempt: mandatory.spec?.exempt }
    return deepEqual(have, mandatory.spec)
      ? []
      : [
          invalidShown(
            "spec",
            shown,
            "spec of 'exempt' except the 'spec.exempt' field must equal the fixed value",
          ),
        ]
  }
  return deepEqual(plc.spec, mandatory.spec)
    ? []
    : [invalidShown("spec", shown, `spec of '${name}' must equal the fixed value`)]
}

/** A PriorityLevelConfiguration; status writes get the metadata and condition checks only. */
export function validatePriorityLevelConfiguration(
  plc: PriorityLevelConfiguration,
  old?: PriorityLevelConfiguration,
  subresource = "",
): FieldError[] {
  const errs = meta(plc, old)
  if (subresource === "status") return [...errs, ...validateConditions(plc.status?.conditions)]
  errs.push(...validateLevelSpec(plc), ...validateMandatoryLevel(plc))
  errs.push(...validateConditions(plc.status?.conditions))
  return errs
}
