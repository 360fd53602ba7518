/**
 * The mandatory API Priority and Fairness configuration upstream's apiserver ensures at start:
 * the FlowSchemas `exempt` and `catch-all` and the PriorityLevelConfigurations of the same
 * names, created when missing. They are stored, not enforced (k8ts does no APF), so they exist
 * for `kubectl get flowschemas` and tools that read them.
 */
import type {
  FlowSchema,
  PolicyRulesWithSubjects,
  PriorityLevelConfiguration,
} from "kubernetes-types/flowcontrol/v1.js"
import { ApiError, type ApiObject, findResource, type ResourceInfo } from "../api/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"

const GROUP = "flowcontrol.apiserver.k8s.io"
/** Upstream's mark that the apiserver keeps the spec as it wants it. */
const ANNOTATIONS = { "apf.kubernetes.io/autoupdate-spec": "true" }
const FIELD_MANAGER = "api-priority-and-fairness-config-producer-v1"

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

/** Creates each mandatory priority level and flow schema that does not exist (an existing one is kept). */
export async function bootstrapFlowControl(
  registry: Registry,
  serve: (info: ResourceInfo) => Served,
): Promise<void> {
  const levels = serve(findResource(GROUP, "v1", "prioritylevelconfigurations") as ResourceInfo)
  const schemas = serve(findResource(GROUP, "v1", "flowschemas") as ResourceInfo)
  const objects: [Served, ApiObject][] = [
    ...MANDATORY_PRIORITY_LEVELS.map((l): [Served, ApiObject] => [levels, l as ApiObject]),
    ...MANDATORY_FLOW_SCHEMAS.map((s): [Served, ApiObject] => [schemas, s as ApiObject]),
  ]
  for (const [s, obj] of objects) {
    await registry
      .create(s, "", structuredClone(obj), { fieldManager: FIELD_MANAGER })
      .catch((err: unknown) => {
        if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
      })
  }
}
