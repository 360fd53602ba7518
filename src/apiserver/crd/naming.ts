/**
 * The naming and establishing rules of CRDs (upstream's NamingConditionController and
 * EstablishingController): names another CRD of the group accepted conflict; without
 * conflicts the names are accepted and the CRD is Established.
 */
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionCondition,
  CustomResourceDefinitionNames,
} from "kubernetes-types/apiextensions/v1.js"
import { type ApiObject, emptyCrdStatus } from "../../api/index.ts"

type Crd = CustomResourceDefinition & ApiObject

/** Sets (or replaces) one condition, keeping lastTransitionTime while the status holds. */
export function setCondition(
  conditions: CustomResourceDefinitionCondition[],
  next: Omit<CustomResourceDefinitionCondition, "lastTransitionTime">,
  now: string,
): CustomResourceDefinitionCondition[] {
  const old = conditions.find((c) => c.type === next.type)
  const cond = {
    ...next,
    lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : now,
  }
  return old ? conditions.map((c) => (c.type === next.type ? cond : c)) : [...conditions, cond]
}

const NAME_FIELDS = [
  ["plural", "PluralConflict"],
  ["singular", "SingularConflict"],
  ["kind", "KindConflict"],
  ["listKind", "ListKindConflict"],
] as const

/** The names other CRDs of the group accepted: `r:` resource names, `k:` kinds. */
function takenNames(crd: Crd, others: Iterable<Crd>): Set<string> {
  const taken = new Set<string>()
  for (const o of others) {
    if (o.metadata?.name === crd.metadata?.name || o.spec?.group !== crd.spec.group) continue
    const a = o.status?.acceptedNames
    for (const n of [a?.plural, a?.singular, ...(a?.shortNames ?? [])]) if (n) taken.add(`r:${n}`)
    for (const n of [a?.kind, a?.listKind]) if (n) taken.add(`k:${n}`)
  }
  return taken
}

/** The first name of `crd` another CRD of its group already accepted, as a condition reason and message. */
export function nameConflict(
  crd: Crd,
  others: Iterable<Crd>,
): { reason: string; message: string } | undefined {
  const names = crd.spec.names
  const taken = takenNames(crd, others)
  for (const [field, reason] of NAME_FIELDS) {
    const v = names[field]
    const k = field === "kind" || field === "listKind" ? `k:${v}` : `r:${v}`
    if (v && taken.has(k)) return { reason, message: `"${v}" is already in use` }
  }
  for (const s of names.shortNames ?? [])
    if (taken.has(`r:${s}`)) return { reason: "ShortNamesConflict", message: `"${s}" is already in use` }
  return undefined
}

function acceptedOf(n: CustomResourceDefinitionNames): CustomResourceDefinitionNames {
  return {
    plural: n.plural,
    singular: n.singular ?? n.kind.toLowerCase(),
    ...(n.shortNames?.length ? { shortNames: n.shortNames } : {}),
    kind: n.kind,
    listKind: n.listKind ?? `${n.kind}List`,
    ...(n.categories?.length ? { categories: n.categories } : {}),
  }
}

/** The naming and establishing status of a live CRD. */
export function namingStatus(crd: Crd, others: Iterable<Crd>, now: string): Crd["status"] {
  const status = crd.status ?? emptyCrdStatus()
  let conditions = status.conditions ?? []
  const conflict = nameConflict(crd, others)
  let acceptedNames = status.acceptedNames
  if (conflict) {
    conditions = setCondition(conditions, { type: "NamesAccepted", status: "False", ...conflict }, now)
    if (!conditions.some((c) => c.type === "Established" && c.status === "True")) {
      conditions = setCondition(
        conditions,
        {
          type: "Established",
          status: "False",
          reason: "NotAccepted",
          message: "not all names are accepted",
        },
        now,
      )
    }
  } else {
    acceptedNames = acceptedOf(crd.spec.names)
    conditions = setCondition(
      conditions,
      { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" },
      now,
    )
    conditions = setCondition(
      conditions,
      {
        type: "Established",
        status: "True",
        reason: "InitialNamesAccepted",
        message: "the initial names have been accepted",
      },
      now,
    )
  }
  return { ...status, acceptedNames, conditions }
}
