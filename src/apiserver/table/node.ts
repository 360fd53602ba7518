/** The Node printer: STATUS from the Ready condition, ROLES from node-role labels. */
import type { Node } from "kubernetes-types/core/v1.js"
import { DOCS } from "./descriptions.ts"
import { age } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, wide, type Printer } from "./types.ts"

const ROLE_PREFIX = "node-role.kubernetes.io/"
const ROLE_LABEL = "kubernetes.io/role"

/** STATUS: Ready, NotReady or Unknown, then SchedulingDisabled when cordoned. */
export function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === "Ready")
  const status = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"]
  if (node.spec?.unschedulable) status.push("SchedulingDisabled")
  return status.join(",")
}

/** ROLES: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values, sorted. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>()
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX)) {
      const role = k.slice(ROLE_PREFIX.length)
      if (role) roles.add(role)
    } else if (k === ROLE_LABEL && v !== "") roles.add(v)
  }
  return roles.size > 0 ? [...roles].sort().join(",") : "<none>"
}

function address(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? "<none>"
}

function known(s: string | undefined): string {
  return s ? s : "<unknown>"
}

/** Nodes: NAME STATUS ROLES AGE VERSION | INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME. */
export const nodePrinter: Printer<Node> = {
  columns: [
    NAME_COLUMN,
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    AGE_COLUMN,
    column("Version", "string", DOCS.kubeletVersion),
    wide("Internal-IP", DOCS.nodeAddresses),
    wide("External-IP", DOCS.nodeAddresses),
    wide("OS-Image", DOCS.osImage),
    wide("Kernel-Version", DOCS.kernelVersion),
    wide("Container-Runtime", DOCS.containerRuntimeVersion),
  ],
  cells(node, { now }) {
    const info = node.status?.nodeInfo
    return [
      node.metadata?.name ?? "",
      nodeStatus(node),
      nodeRoles(node),
      age(node, now),
      info?.kubeletVersion ?? "",
      address(node, "InternalIP"),
      address(node, "ExternalIP"),
      known(info?.osImage),
      known(info?.kernelVersion),
      known(info?.containerRuntimeVersion),
    ]
  },
}
