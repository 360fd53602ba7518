/**
 * The mandatory API Priority and Fairness configuration upstream's apiserver ensures at start:
 * the FlowSchemas `exempt` and `catch-all` and the PriorityLevelConfigurations of the same
 * names, created when missing. They are stored, not enforced (k8ts does no APF), so they exist
 * for `kubectl get flowschemas` and tools that read them.
 */
import {
  type ApiObject,
  findResource,
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  type ResourceInfo,
} from "../api/index.ts"
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
  const levels = serve(findResource(GROUP, "v1", "prioritylevelconfigurations") as ResourceInfo)
  const schemas = serve(findResource(GROUP, "v1", "flowschemas") as ResourceInfo)
  const objects: [Served, ApiObject][] = [
    ...MANDATORY_PRIORITY_LEVELS.map((l): [Served, ApiObject] => [levels, l as ApiObject]),
    ...MANDATORY_FLOW_SCHEMAS.map((s): [Served, ApiObject] => [schemas, s as ApiObject]),
  ]
  await createMissing(registry, objects, FIELD_MANAGER)
}
