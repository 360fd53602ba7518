/**
 * The kubelet's admission of a pod newly bound to its node (upstream's predicate admit
 * handler): the `kubernetes.io/os` label and the OS field, then the scheduler's admission
 * checks against the pods already admitted (resources, required node affinity and selector,
 * node name, host ports), then untolerated NoExecute taints. Only the first failure is
 * reported, with upstream's reason and message.
 */
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { nodeSelectorTermsMatch, toleratesTaint } from "../../api/index.ts"
import { nodeAllocatable, podRequests } from "./requests.ts"

/** Whether a pod may run here; the reason and message when not. */
export type AdmitResult =
  { readonly admit: true } | { readonly admit: false; readonly reason: string; readonly message: string }

/** What admission looks at. */
export interface AdmitInput {
  readonly pod: Pod
  /** The node as last seen; undefined when the kubelet cannot read it. */
  readonly node: Node | undefined
  /** The pods already admitted and not finished. */
  readonly others: readonly Pod[]
  /** The node's operating system as Go names it (default from this process). */
  readonly os?: string
  /**
   * Skip the checks a restarted kubelet skips for pods it had already started (node affinity
   * and taints): upstream's NotEvictPodOnKubeletRestart.
   */
  readonly alreadyStarted?: boolean
}

const OS_LABEL = "kubernetes.io/os"

/** The reasons for the named resources; others are `OutOf<name>`. */
const OUT_OF: Readonly<Record<string, string>> = {
  cpu: "OutOfcpu",
  memory: "OutOfmemory",
  "ephemeral-storage": "OutOfephemeral-storage",
  pods: "OutOfpods",
}

/** The scheduler plugins' reasons, as the kubelet quotes them. */
export const PREDICATE_REASONS = {
  NodeAffinity: "node(s) didn't match Pod's node affinity/selector",
  NodeName: "node(s) didn't match the requested node name",
  NodePorts: "node(s) didn't have free ports for the requested pod ports",
  TaintToleration: "node(s) had taints that the pod didn't tolerate",
} as const

/** GOOS for this process's platform. */
export function goos(platform: string = process.platform): string {
  return platform === "win32" ? "windows" : platform
}

interface Failure {
  readonly reason: string
  readonly message: string
}

function predicate(name: keyof typeof PREDICATE_REASONS): Failure {
  return { reason: name, message: `Predicate ${name} failed: ${PREDICATE_REASONS[name]}` }
}

function insufficient(name: string, requested: number, used: number, capacity: number): Failure {
  return {
    reason: OUT_OF[name] ?? `OutOf${name}`,
    message: `Node didn't have enough resource: ${name}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
  }
}

/** Whether a request asks for anything but a pod slot. */
function asksForResources(want: ReadonlyMap<string, number>): boolean {
  for (const [k, v] of want) if (k !== "pods" && v !== 0) return true
  return false
}

/** What the pods request together. */
function usedBy(pods: readonly Pod[]): Map<string, number> {
  const used = new Map<string, number>()
  for (const p of pods) for (const [k, v] of podRequests(p)) used.set(k, (used.get(k) ?? 0) + v)
  return used
}

/** upstream's noderesources.Fits, in its order: pods, cpu, memory, ephemeral-storage, the rest. */
function resourceFailures(pod: Pod, node: Node, others: readonly Pod[]): Failure[] {
  const out: Failure[] = []
  const alloc = nodeAllocatable(node)
  const allowedPods = alloc.get("pods") ?? 0
  if (others.length + 1 > allowedPods) out.push(insufficient("pods", 1, others.length, allowedPods))
  const want = podRequests(pod)
  if (!asksForResources(want)) return out
  const used = usedBy(others)
  const named = ["cpu", "memory", "ephemeral-storage"]
  const rest = [...want.keys()].filter((k) => k !== "pods" && !named.includes(k)).sort()
  for (const name of [...named, ...rest]) {
    const req = want.get(name) ?? 0
    if (req <= 0) continue
    // Extended resources the node does not know are cluster-level: upstream drops them.
    if (!named.includes(name) && !alloc.has(name)) continue
    const have = alloc.get(name) ?? 0
    const u = used.get(name) ?? 0
    if (req > have - u) out.push(insufficient(name, req, u, have))
  }
  return out
}

/** The pod's required node affinity (nodeSelector and required terms) holds on the node. */
function affinityMatches(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {}
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  return terms === undefined || nodeSelectorTermsMatch(terms, node)
}

/** hostPorts as "protocol/ip/port" of the containers and sidecars. */
function hostPorts(pod: Pod): string[] {
  const out: string[] = []
  const cs = [
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
    ...(pod.spec?.containers ?? []),
  ]
  for (const c of cs)
    for (const p of c.ports ?? [])
      if (p.hostPort) out.push(`${p.protocol ?? "TCP"}/${p.hostIP || "0.0.0.0"}/${p.hostPort}`)
  return out
}

/** True when one of the pod's host ports is taken (0.0.0.0 meets every address). */
function portsConflict(pod: Pod, others: readonly Pod[]): boolean {
  const want = hostPorts(pod)
  if (want.length === 0) return false
  const used = others.flatMap(hostPorts).map((u) => u.split("/"))
  return want.some((w) => {
    const [proto, ip, port] = w.split("/")
    return used.some(
      ([p2, ip2, port2]) =>
        p2 === proto && port2 === port && (ip === "0.0.0.0" || ip2 === "0.0.0.0" || ip === ip2),
    )
  })
}

/** A NoExecute taint of the node that the pod does not tolerate. */
function untoleratedNoExecute(pod: Pod, node: Node): boolean {
  const tolerations = pod.spec?.tolerations ?? []
  return (node.spec?.taints ?? []).some(
    (t) => t.effect === "NoExecute" && !tolerations.some((tol) => toleratesTaint(tol, t)),
  )
}

/** The scheduler's admission checks, then the taints: every failure, in upstream's order. */
function generalFilter(input: AdmitInput, node: Node): Failure[] {
  const { pod, others } = input
  const out = resourceFailures(pod, node, others)
  if (!input.alreadyStarted && !affinityMatches(pod, node)) out.push(predicate("NodeAffinity"))
  if (pod.spec?.nodeName && pod.spec.nodeName !== node.metadata?.name) out.push(predicate("NodeName"))
  if (portsConflict(pod, others)) out.push(predicate("NodePorts"))
  if (!input.alreadyStarted && untoleratedNoExecute(pod, node)) out.push(predicate("TaintToleration"))
  return out
}

/** Decides whether the pod may start on the node. */
export function admitPod(input: AdmitInput): AdmitResult {
  const { pod, node } = input
  if (!node) return { admit: false, reason: "InvalidNodeInfo", message: "Kubelet cannot get node info." }
  const os = input.os ?? goos()
  // The node's label is taken to be this OS whatever it says (the kubelet corrects it).
  const podOS = pod.metadata?.labels?.[OS_LABEL]
  if (podOS !== undefined && podOS !== os)
    return {
      admit: false,
      reason: "PodOSSelectorNodeLabelDoesNotMatch",
      message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
    }
  if (pod.spec?.os && pod.spec.os.name !== os)
    return {
      admit: false,
      reason: "PodOSNotSupported",
      message: "Failed to admit pod as the OS field doesn't match node OS",
    }
  const first = generalFilter(input, node)[0]
  return first ? { admit: false, ...first } : { admit: true }
}
