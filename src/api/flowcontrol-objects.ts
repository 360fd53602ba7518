/**
 * Builders of the API Priority and Fairness configuration objects the API server maintains
 * (upstream's bootstrap package): each is annotated `apf.kubernetes.io/autoupdate-spec: "true"`
 * and written as upstream's JSON has it (`clusterScope` left out when false, no
 * `distinguisherMethod` when none).
 */
import type {
  FlowSchema,
  NonResourcePolicyRule,
  PolicyRulesWithSubjects,
  PriorityLevelConfiguration,
  ResourcePolicyRule,
  Subject,
} from "kubernetes-types/flowcontrol/v1.js"

const API_VERSION = "flowcontrol.apiserver.k8s.io/v1"

/** The annotation that says whether the API server keeps an object's spec as it wants it. */
export const AUTO_UPDATE_ANNOTATION = "apf.kubernetes.io/autoupdate-spec"

/** A PriorityLevelConfiguration named `name` with `spec`. */
export function priorityLevel(
  name: string,
  spec: NonNullable<PriorityLevelConfiguration["spec"]>,
): PriorityLevelConfiguration {
  return {
    apiVersion: API_VERSION,
    kind: "PriorityLevelConfiguration",
    metadata: { name, annotations: { [AUTO_UPDATE_ANNOTATION]: "true" } },
    spec,
  }
}

/** A limited level of `shares` and `lendable` percent that queues in `queues` queues of hand size `hand`. */
export function queuingLevel(
  name: string,
  shares: number,
  lendable: number,
  queues: { readonly queues: number; readonly hand: number },
): PriorityLevelConfiguration {
  return priorityLevel(name, {
    type: "Limited",
    limited: {
      nominalConcurrencyShares: shares,
      lendablePercent: lendable,
      limitResponse: {
        type: "Queue",
        queuing: { queues: queues.queues, handSize: queues.hand, queueLengthLimit: 50 },
      },
    },
  })
}

/** Options of flowSchema. */
export interface FlowSchemaOptions {
  readonly level: string
  readonly precedence: number
  readonly distinguisher?: "ByUser" | "ByNamespace"
  readonly rules: PolicyRulesWithSubjects
}

/** A FlowSchema named `name` sending what `rules` match to `level`. */
export function flowSchema(name: string, o: FlowSchemaOptions): FlowSchema {
  return {
    apiVersion: API_VERSION,
    kind: "FlowSchema",
    metadata: { name, annotations: { [AUTO_UPDATE_ANNOTATION]: "true" } },
    spec: {
      priorityLevelConfiguration: { name: o.level },
      matchingPrecedence: o.precedence,
      ...(o.distinguisher ? { distinguisherMethod: { type: o.distinguisher } } : {}),
      rules: [o.rules],
    },
  }
}

/** Group subjects. */
export function groups(...names: string[]): Subject[] {
  return names.map((name) => ({ kind: "Group", group: { name } }))
}

/** User subjects. */
export function users(...names: string[]): Subject[] {
  return names.map((name) => ({ kind: "User", user: { name } }))
}

/** Service account subjects of kube-system (`*` for all of them). */
export function kubeSystemServiceAccounts(...names: string[]): Subject[] {
  return names.map((name) => ({ kind: "ServiceAccount", serviceAccount: { name, namespace: "kube-system" } }))
}

/** A resource rule; cluster-scoped objects match only when `clusterScope`. */
export function resourceRule(
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  clusterScope: boolean,
): ResourcePolicyRule {
  return { verbs, apiGroups, resources, ...(clusterScope ? { clusterScope } : {}), namespaces: ["*"] }
}

/** A non-resource rule. */
export function nonResourceRule(verbs: string[], nonResourceURLs: string[]): NonResourcePolicyRule {
  return { verbs, nonResourceURLs }
}

/** Every request of `subjects`: any verb on any resource anywhere, and any non-resource URL. */
export function everything(subjects: Subject[]): PolicyRulesWithSubjects {
  return {
    subjects,
    resourceRules: [resourceRule(["*"], ["*"], ["*"], true)],
    nonResourceRules: [nonResourceRule(["*"], ["*"])],
  }
}
