/** DefaultBinder: binds through POST pods/{name}/binding, the scheduler's only write of a decision. */
import { Pods } from "../../../api/index.ts"
import { errorStatus, success } from "../../framework/status.ts"
import type { BindPlugin, Handle } from "../../framework/types.ts"

/** Builds DefaultBinder. */
export function newDefaultBinder(_args: unknown, handle: Handle): BindPlugin {
  return {
    name: "DefaultBinder",
    async bind(_state, pod, nodeName, signal) {
      if (!handle.client) return errorStatus("no client to bind with")
      const meta = pod.pod.metadata ?? {}
      await handle.client.request({
        method: "POST",
        ref: Pods,
        namespace: pod.namespace,
        name: meta.name ?? "",
        subresource: "binding",
        body: {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: meta.name, namespace: pod.namespace, ...(meta.uid ? { uid: meta.uid } : {}) },
          target: { apiVersion: "v1", kind: "Node", name: nodeName },
        },
        signal,
        // The answer (a Status) tells nothing a success does not.
        discardBody: true,
      })
      return success()
    },
  }
}
