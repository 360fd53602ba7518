/**
 * The mandatory API Priority and Fairness configuration (upstream's bootstrap package): the
 * FlowSchemas and PriorityLevelConfigurations `exempt` and `catch-all`. The API server
 * creates them when missing; validation keeps their specs as fixed as upstream does.
 */
import type {
  FlowSchema,
  PolicyRulesWithSubjects,
  PriorityLevelConfiguration,
} from "kubernetes-types/flowcontrol/v1.js"

const GROUP = "flowcontrol.apiserver.k8s.io"
/** Upstream's mark that the apiserver keeps the spec as it wants it. */
const ANNOTATIONS = { "apf.kubernetes.io/autoupdate-spec": "true" }

/** Every verb on every resource (cluster-scoped or in any namespace) and every non-resource URL. */
function everything(groups: string[]): PolicyRulesWithSubjects {
  return {
    subjects: groups.map((name) => ({ kind: "Group", group: { name } })),
    resourceRules: [
      { verbs: ["*"], apiGroups: ["*"], resources: ["*"], clusterScope: true, namespaces: ["*"] },
    ],
    nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
  }
}

function flowSchema(name: string, precedence: number, byUser: boolean, groups: string[]): FlowSchema {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: "FlowSchema",
    metadata: { name, annotations: { ...ANNOTATIONS } },
    spec: {
      priorityLevelConfiguration: { name },
      matchingPrecedence: precedence,
      ...(byUser ? { distinguisherMethod: { type: "ByUser" } } : {}),
      rules: [everything(groups)],
    },
  }
}

function level(
  name: string,
  spec: NonNullable<PriorityLevelConfiguration["spec"]>,
): PriorityLevelConfiguration {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: "PriorityLevelConfiguration",
    metadata: { name, annotations: { ...ANNOTATIONS } },
    spec,
  }
}

/** The mandatory priority levels: `exempt` (no limit) and `catch-all` (5 shares, rejecting). */
export const MANDATORY_PRIORITY_LEVELS: readonly PriorityLevelConfiguration[] = [
  level("exempt", { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } }),
  level("catch-all", {
    type: "Limited",
    limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: "Reject" } },
  }),
]

/** The mandatory flow schemas: `exempt` for system:masters, `catch-all` for everyone else. */
export const MANDATORY_FLOW_SCHEMAS: readonly FlowSchema[] = [
  flowSchema("exempt", 1, false, ["system:masters"]),
  flowSchema("catch-all", 10000, true, ["system:unauthenticated", "system:authenticated"]),
]
