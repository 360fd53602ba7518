/**
 * Pod facts and pod construction shared by the StatefulSet and DaemonSet controllers (upstream's
 * controller.GetPodFromTemplate): whether a pod is being deleted, and a new pod from a template
 * with its controller reference.
 */
import type { Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js"
import type { ApiObject, OwnerReference } from "../../api/index.ts"

/** A Pod as controllers read and write it. */
export type PodObject = Pod & ApiObject

/** True when the pod is being deleted. */
export function isTerminating(pod: ApiObject): boolean {
  return !!pod.metadata?.deletionTimestamp
}

/**
 * A new pod from `template`: its labels, annotations, finalizers and spec, controlled by
 * `controllerRef`, named by `generateName` `<owner>-` unless the caller names it.
 */
export function podFromTemplate(
  template: PodTemplateSpec | undefined,
  ownerName: string,
  controllerRef: OwnerReference,
): PodObject {
  const meta = template?.metadata ?? {}
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${ownerName}-`,
      labels: { ...(meta.labels ?? {}) },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRef],
    },
    spec: structuredClone(template?.spec ?? { containers: [] }),
  }
}
