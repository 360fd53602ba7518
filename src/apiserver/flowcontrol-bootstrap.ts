/**
 * The mandatory API Priority and Fairness configuration upstream's apiserver ensures at start:
 * the FlowSchemas `exempt` and `catch-all` and the PriorityLevelConfigurations of the same
 * names, created when missing. They are stored, not enforced (k8ts does no APF), so they exist
 * for `kubectl get flowschemas` and tools that read them.
 */
import { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS, type ResourceInfo } from "../api/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"
import { createMissing } from "./create-missing.ts"

const GROUP = "flowcontrol.apiserver.k8s.io"
const FIELD_MANAGER = "api-priority-and-fairness-config-producer-v1"

/** Creates each mandatory priority level and flow schema that does not exist (an existing one is kept). */
export async function bootstrapFlowControl(
  registry: Registry,
  serve: (info: ResourceInfo) => Served,
): Promise<void> {
  await createMissing(
    registry,
    serve,
    [
      { group: GROUP, resource: "prioritylevelconfigurations", objects: MANDATORY_PRIORITY_LEVELS },
      { group: GROUP, resource: "flowschemas", objects: MANDATORY_FLOW_SCHEMAS },
    ],
    FIELD_MANAGER,
  )
}
