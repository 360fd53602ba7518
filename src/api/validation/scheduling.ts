/**
 * Scheduling constraints of a pod spec and taints of a node (core validation): tolerations,
 * node and pod (anti-)affinity, topology spread constraints and taint uniqueness.
 */
import type {
  Affinity,
  NodeSelector,
  NodeSelectorTerm,
  PodAffinityTerm,
  Taint,
  Toleration,
  TopologySpreadConstraint,
  WeightedPodAffinityTerm,
} from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, duplicateDetail, index, list, pushInvalid } from "./_field.ts"
import { validateLabelName, validateLabelSelector } from "./labels.ts"
import { isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName } from "./names.ts"

const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

function validateEffect(effect: string, field: string): FieldError[] {
  return EFFECTS.includes(effect) ? [] : [notSupported(field, effect, EFFECTS)]
}

/** Tolerations: keys are label names, operator Equal (or empty) or Exists, effect known. */
export function validateTolerations(
  tolerations: readonly Toleration[] | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  list(tolerations).forEach((t, i) => {
    const p = index(field, i)
    const key = t.key ?? ""
    const op = t.operator ?? ""
    const value = t.value ?? ""
    if (key) {
      const msgs = isQualifiedName(key) // validateLabelName's check; the path made only when needed
      if (msgs.length) pushInvalid(errs, child(p, "key"), key, msgs)
    }
    if (!key && op !== "Exists") {
      errs.push(
        invalidValue(
          child(p, "operator"),
          op,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      )
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== "NoExecute") {
      errs.push(
        invalidValue(
          child(p, "effect"),
          t.effect ?? "",
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      )
    }
    if (op === "Equal" || op === "") {
      const msgs = isLabelValue(value)
      if (msgs.length) errs.push(invalidValue(child(p, "operator"), value, msgs.join(";")))
    } else if (op === "Exists") {
      if (value)
        errs.push(
          invalidValue(child(p, "operator"), value, "value must be empty when `operator` is 'Exists'"),
        )
    } else {
      errs.push(notSupported(child(p, "operator"), op, ["Equal", "Exists"]))
    }
    if (t.effect && !EFFECTS.includes(t.effect))
      errs.push(notSupported(child(p, "effect"), t.effect, EFFECTS))
  })
  return errs
}

/** Node taints: valid key and value, a known effect, unique by key and effect. */
export function validateTaints(taints: readonly Taint[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  const seen = new Set<string>()
  list(taints).forEach((t, i) => {
    const p = index(field, i)
    errs.push(...validateLabelName(t.key ?? "", child(p, "key")))
    const msgs = isLabelValue(t.value ?? "")
    if (msgs.length) errs.push(invalidValue(child(p, "value"), t.value ?? "", msgs.join(";")))
    if (!t.effect) errs.push(required(child(p, "effect"), ""))
    else errs.push(...validateEffect(t.effect, child(p, "effect")))
    const k = `${t.effect ?? ""}\u0000${t.key ?? ""}`
    if (seen.has(k)) errs.push(duplicateDetail(p, t, "taints must be unique by key and effect pair"))
    seen.add(k)
  })
  return errs
}

function validateNodeSelectorTerm(
  term: NodeSelectorTerm,
  allowInvalidValues: boolean,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  list(term.matchExpressions).forEach((rq, j) => {
    const p = index(child(field, "matchExpressions"), j)
    const values = list(rq.values)
    switch (rq.operator) {
      case "In":
      case "NotIn":
        if (!values.length)
          errs.push(required(child(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'"))
        break
      case "Exists":
      case "DoesNotExist":
        if (values.length)
          errs.push(
            forbidden(
              child(p, "values"),
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          )
        break
      case "Gt":
      case "Lt":
        if (values.length !== 1)
          errs.push(
            required(child(p, "values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"),
          )
        break
      default:
        errs.push(invalidValue(child(p, "operator"), rq.operator ?? "", "not a valid selector operator"))
    }
    errs.push(...validateLabelName(rq.key ?? "", child(p, "key")))
    if (!allowInvalidValues) {
      values.forEach((v, k) =>
        errs.push(...isLabelValue(v).map((m) => invalidValue(index(child(p, "values"), k), v, m))),
      )
    }
  })
  list(term.matchFields).forEach((rq, j) => {
    const p = index(child(field, "matchFields"), j)
    const values = list(rq.values)
    if (rq.operator === "In" || rq.operator === "NotIn") {
      if (values.length !== 1) {
        errs.push(
          required(
            child(p, "values"),
            "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
          ),
        )
      }
    } else errs.push(invalidValue(child(p, "operator"), rq.operator ?? "", "not a valid selector operator"))
    if (rq.key !== "metadata.name")
      errs.push(invalidValue(child(p, "key"), rq.key ?? "", "not a valid field selector key"))
    else
      values.forEach((v, k) =>
        errs.push(...isDns1123Subdomain(v).map((m) => invalidValue(index(child(p, "values"), k), v, m))),
      )
  })
  return errs
}

/** A required node selector: at least one term. */
export function validateNodeSelector(sel: NodeSelector, field: string): FieldError[] {
  const terms = list(sel.nodeSelectorTerms)
  const path = child(field, "nodeSelectorTerms")
  if (!terms.length) return [required(path, "must have at least one node selector term")]
  return terms.flatMap((t, i) => validateNodeSelectorTerm(t, false, index(path, i)))
}

function validatePodAffinityTerm(term: PodAffinityTerm, field: string): FieldError[] {
  const errs = validateLabelSelector(term.labelSelector, child(field, "labelSelector"))
  errs.push(...validateLabelSelector(term.namespaceSelector, child(field, "namespaceSelector")))
  for (const ns of list(term.namespaces))
    errs.push(...isDns1123Label(ns).map((m) => invalidValue(child(field, "namespace"), ns, m)))
  for (const k of ["matchLabelKeys", "mismatchLabelKeys"] as const) {
    const keys = list(term[k])
    if (keys.length && !term.labelSelector)
      errs.push(forbidden(child(field, k), "must not be specified when labelSelector is not set"))
    else keys.forEach((key, i) => errs.push(...validateLabelName(key, index(child(field, k), i))))
  }
  if (!term.topologyKey) errs.push(required(child(field, "topologyKey"), "can not be empty"))
  errs.push(...validateLabelName(term.topologyKey ?? "", child(field, "topologyKey")))
  return errs
}

function validateWeighted(terms: readonly WeightedPodAffinityTerm[], field: string): FieldError[] {
  return terms.flatMap((t, j) => {
    const p = index(field, j)
    const errs: FieldError[] = []
    if (!(t.weight > 0 && t.weight <= 100))
      errs.push(invalidValue(child(p, "weight"), t.weight ?? 0, "must be in the range 1-100"))
    errs.push(
      ...validatePodAffinityTerm(t.podAffinityTerm ?? ({} as PodAffinityTerm), child(p, "podAffinityTerm")),
    )
    return errs
  })
}

/** Node affinity, pod affinity and pod anti-affinity. */
export function validateAffinity(affinity: Affinity | undefined, field: string): FieldError[] {
  if (!affinity) return []
  const errs: FieldError[] = []
  const na = affinity.nodeAffinity
  if (na) {
    const p = child(field, "nodeAffinity")
    const req = na.requiredDuringSchedulingIgnoredDuringExecution
    if (req)
      errs.push(...validateNodeSelector(req, child(p, "requiredDuringSchedulingIgnoredDuringExecution")))
    list(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const tp = index(child(p, "preferredDuringSchedulingIgnoredDuringExecution"), i)
      if (!(t.weight > 0 && t.weight <= 100))
        errs.push(invalidValue(child(tp, "weight"), t.weight ?? 0, "must be in the range 1-100"))
      errs.push(...validateNodeSelectorTerm(t.preference ?? {}, true, child(tp, "preference")))
    })
  }
  for (const k of ["podAffinity", "podAntiAffinity"] as const) {
    const pa = affinity[k]
    if (!pa) continue
    const p = child(field, k)
    list(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      errs.push(
        ...validatePodAffinityTerm(t, index(child(p, "requiredDuringSchedulingIgnoredDuringExecution"), i)),
      )
    })
    errs.push(
      ...validateWeighted(
        list(pa.preferredDuringSchedulingIgnoredDuringExecution),
        child(p, "preferredDuringSchedulingIgnoredDuringExecution"),
      ),
    )
  }
  return errs
}

/** Topology spread constraints. */
export function validateTopologySpread(
  constraints: readonly TopologySpreadConstraint[] | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  const all = list(constraints)
  all.forEach((c, i) => {
    const p = index(field, i)
    if (!((c.maxSkew ?? 0) > 0))
      errs.push(invalidValue(child(p, "maxSkew"), c.maxSkew ?? 0, "must be greater than zero"))
    if (!c.topologyKey) errs.push(required(child(p, "topologyKey"), "can not be empty"))
    const action = c.whenUnsatisfiable ?? ""
    if (action !== "DoNotSchedule" && action !== "ScheduleAnyway") {
      errs.push(notSupported(child(p, "whenUnsatisfiable"), action, ["DoNotSchedule", "ScheduleAnyway"]))
    }
    const repeat = all
      .slice(i + 1)
      .some((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable)
    if (repeat)
      errs.push(
        duplicate(child(p, "{topologyKey, whenUnsatisfiable}"), `{${c.topologyKey ?? ""}, ${action}}`),
      )
    if (c.minDomains !== undefined && c.minDomains !== null) {
      if (c.minDomains <= 0)
        errs.push(invalidValue(child(p, "minDomains"), c.minDomains, "must be greater than zero"))
      if (action !== "DoNotSchedule") {
        errs.push(
          invalidValue(
            child(p, "minDomains"),
            c.minDomains,
            `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`,
          ),
        )
      }
    }
    for (const k of ["nodeAffinityPolicy", "nodeTaintsPolicy"] as const) {
      const v = c[k]
      if (v !== undefined && v !== "Honor" && v !== "Ignore")
        errs.push(notSupported(child(p, k), v, ["Honor", "Ignore"]))
    }
    errs.push(...validateLabelSelector(c.labelSelector, child(p, "labelSelector")))
  })
  return errs
}
