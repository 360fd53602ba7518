/** Pods as node tests create them: bound to the node under test, quick to stop. */
import type { Pod } from "kubernetes-types/core/v1.js"
import type { ApiObject } from "../api/index.ts"

/**
 * Pod `name` in namespace default, bound to `node` (no scheduler needed), with a grace period
 * of 1 s unless `spec` says otherwise.
 */
export function nodePod(node: string, name: string, spec: Partial<Pod["spec"]> & object): Pod & ApiObject {
  return {
    metadata: { name, namespace: "default" },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [], ...spec },
  } as Pod & ApiObject
}
