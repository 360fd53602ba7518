/**
 * Which nodes a DaemonSet's pod belongs on (upstream's NodeShouldRunDaemonPod): the template's
 * nodeName, nodeSelector and required node affinity must match the node, and its tolerations
 * (with the ones every daemon pod gets) must tolerate the node's NoSchedule and NoExecute taints.
 */
import type { DaemonSet } from "kubernetes-types/apps/v1.js"
import type { Node, PodSpec, Taint, Toleration } from "kubernetes-types/core/v1.js"
import { type ApiObject, nodeSelectorTermsMatch, toleratesTaint } from "../../api/index.ts"

/** A DaemonSet as the controller reads it. */
export type DaemonSetObject = DaemonSet & ApiObject
/** A Node as the controller reads it. */
export type NodeObject = Node & ApiObject

const tolerate = (key: string, effect: string): Toleration => ({ key, operator: "Exists", effect })

/** The tolerations upstream adds to every daemon pod, so node conditions do not evict it. */
export function daemonTolerations(spec: PodSpec | undefined): Toleration[] {
  const wanted = [
    tolerate("node.kubernetes.io/not-ready", "NoExecute"),
    tolerate("node.kubernetes.io/unreachable", "NoExecute"),
    tolerate("node.kubernetes.io/disk-pressure", "NoSchedule"),
    tolerate("node.kubernetes.io/memory-pressure", "NoSchedule"),
    tolerate("node.kubernetes.io/pid-pressure", "NoSchedule"),
    tolerate("node.kubernetes.io/unschedulable", "NoSchedule"),
  ]
  if (spec?.hostNetwork) wanted.push(tolerate("node.kubernetes.io/network-unavailable", "NoSchedule"))
  const out = [...(spec?.tolerations ?? [])]
  for (const t of wanted) {
    const same = out.some(
      (o) =>
        o.key === t.key &&
        o.effect === t.effect &&
        (o.operator ?? "Equal") === t.operator &&
        (o.value ?? "") === "",
    )
    if (!same) out.push(t)
  }
  return out
}

/** True when some taint of `taints` with an effect in `effects` is tolerated by none of `tolerations`. */
export function hasUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  effects: readonly string[],
): boolean {
  return taints.some(
    (taint) => effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)),
  )
}

/** True when the node satisfies the pod's nodeSelector and required node affinity. */
export function matchesNodeAffinity(spec: PodSpec | undefined, node: NodeObject): boolean {
  const labels = node.metadata?.labels ?? {}
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
  if (!required) return true
  return nodeSelectorTermsMatch(required.nodeSelectorTerms, node)
}

/** Whether a daemon pod should be started on the node, and whether one there may keep running. */
export interface Placement {
  readonly shouldRun: boolean
  readonly shouldContinueRunning: boolean
}

/**
 * Where the DaemonSet's pods belong: a node the pod does not fit by name or affinity gets
 * none; a node with an untolerated NoSchedule taint gets no new pod but keeps a running one
 * unless a NoExecute taint is untolerated too.
 */
export function nodeShouldRunDaemonPod(node: NodeObject, ds: DaemonSetObject): Placement {
  const spec = ds.spec?.template?.spec
  const name = node.metadata?.name
  if (spec?.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false }
  if (!matchesNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false }
  const taints = node.spec?.taints ?? []
  const tolerations = daemonTolerations(spec)
  if (hasUntoleratedTaint(taints, tolerations, ["NoSchedule", "NoExecute"])) {
    return {
      shouldRun: false,
      shouldContinueRunning: !hasUntoleratedTaint(taints, tolerations, ["NoExecute"]),
    }
  }
  return { shouldRun: true, shouldContinueRunning: true }
}
