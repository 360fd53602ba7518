/**
 * The Node object a hollow kubelet registers and the status it posts: capacity, conditions,
 * addresses, nodeInfo and daemon endpoints, shaped as a real kubelet reports them.
 */
import { createHash } from "node:crypto"
import type { Node, NodeCondition, Taint } from "kubernetes-types/core/v1.js"
import { KUBE_VERSION } from "../../api/index.ts"
import { rfc3339 } from "../../util/index.ts"
import { CONTROLLER_MANAGED_ATTACH_DETACH } from "../registered-node.ts"

const KUBELET_VERSION = KUBE_VERSION.gitVersion

/** What a simulated node offers. */
export interface HollowCapacity {
  readonly cpu: string
  readonly memory: string
  readonly pods: string
  readonly "ephemeral-storage": string
  readonly [extended: string]: string
}

/** The default capacity of a hollow node (a mid-sized machine). */
export const DEFAULT_CAPACITY: HollowCapacity = {
  cpu: "4",
  memory: "16Gi",
  pods: "110",
  "ephemeral-storage": "100Gi",
}

/** How one hollow node is described. */
export interface HollowNodeSpec {
  readonly name: string
  /** The address the node reports (InternalIP). */
  readonly address: string
  readonly capacity?: HollowCapacity
  readonly labels?: Readonly<Record<string, string>>
  readonly taints?: readonly Taint[]
  /** The node's pod range, e.g. 10.244.3.0/24. */
  readonly podCIDR?: string
}

/** The node's four conditions, all healthy, with `now` as their heartbeat. */
export function healthyConditions(now: number, since: number): NodeCondition[] {
  const at = rfc3339(now)
  const from = rfc3339(since)
  const c = (type: string, status: string, reason: string, message: string): NodeCondition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: at,
    lastTransitionTime: from,
  })
  return [
    c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    c("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
  ]
}

function idOf(name: string, salt: string): string {
  return createHash("sha256").update(`${salt}/${name}`).digest("hex").slice(0, 32)
}

/** The Node a hollow kubelet creates for `spec`, its stats served on `kubeletPort`. */
export function hollowNode(spec: HollowNodeSpec, now: number, kubeletPort = 10250): Node {
  const capacity = { ...(spec.capacity ?? DEFAULT_CAPACITY) }
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: spec.name,
      labels: {
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": "amd64",
        type: "hollow",
        ...spec.labels,
      },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        // As a kubelet's default --enable-controller-attach-detach sets it.
        [CONTROLLER_MANAGED_ATTACH_DETACH]: "true",
        "k8ts.io/runtime": "hollow",
      },
    },
    spec: {
      ...(spec.podCIDR ? { podCIDR: spec.podCIDR, podCIDRs: [spec.podCIDR] } : {}),
      ...(spec.taints?.length ? { taints: [...spec.taints] } : {}),
    },
    status: {
      capacity,
      allocatable: capacity,
      conditions: healthyConditions(now, now),
      addresses: [
        { type: "InternalIP", address: spec.address },
        { type: "Hostname", address: spec.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
      nodeInfo: {
        machineID: idOf(spec.name, "machine"),
        systemUUID: idOf(spec.name, "system"),
        bootID: idOf(spec.name, `boot-${now}`),
        kernelVersion: "hollow",
        osImage: "k8ts hollow node",
        containerRuntimeVersion: "hollow://1.0.0",
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: "", // deprecated: empty, as upstream kubelets leave it (KEP-4004)
        operatingSystem: "linux",
        architecture: "amd64",
      },
      phase: "Running",
    },
  }
}
