/**
 * Printers of the resource.k8s.io/v1 kinds: DeviceClass and ResourceClaimTemplate (NAME AGE),
 * ResourceClaim (NAME STATE AGE, STATE as upstream's resourceClaimState sums it up) and
 * ResourceSlice (NAME NODE DRIVER POOL AGE).
 */
import type { dra } from "../../api/index.ts"
import { age } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, type Printer } from "./types.ts"

/** DeviceClasses: NAME AGE. */
export const deviceClassPrinter: Printer<dra.DeviceClass> = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  cells: (c, { now }) => [c.metadata?.name ?? "", age(c, now)],
}

/** ResourceClaimTemplates: NAME AGE. */
export const resourceClaimTemplatePrinter: Printer<dra.ResourceClaimTemplate> = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  cells: (t, { now }) => [t.metadata?.name ?? "", age(t, now)],
}

/** A claim's state: deleted, then pending or allocated (and reserved), comma-separated. */
export function resourceClaimState(claim: dra.ResourceClaim): string {
  const states: string[] = []
  const deleted = !!claim.metadata?.deletionTimestamp
  if (deleted) states.push("deleted")
  if (!claim.status?.allocation) {
    if (!deleted) states.push("pending")
  } else {
    states.push("allocated")
    if (claim.status.reservedFor?.length) states.push("reserved")
  }
  return states.join(",")
}

/** ResourceClaims: NAME STATE AGE. */
export const resourceClaimPrinter: Printer<dra.ResourceClaim> = {
  columns: [
    NAME_COLUMN,
    column("State", "string", "A summary of the current state (allocated, pending, reserved, etc.)."),
    AGE_COLUMN,
  ],
  cells: (c, { now }) => [c.metadata?.name ?? "", resourceClaimState(c), age(c, now)],
}

/** ResourceSlices: NAME NODE DRIVER POOL AGE (NODE empty for slices not local to one node). */
export const resourceSlicePrinter: Printer<dra.ResourceSlice> = {
  columns: [
    NAME_COLUMN,
    column(
      "Node",
      "string",
      "NodeName identifies the node which provides the resources in this pool. A field selector can be used to list only ResourceSlice objects belonging to a certain node.\n\nThis field can be used to limit access from nodes to ResourceSlices with the same node name. It also indicates to autoscalers that adding new nodes of the same type as some old node might also make new resources available.\n\nExactly one of NodeName, NodeSelector, AllNodes, and PerDeviceNodeSelection must be set. This field is immutable.",
    ),
    column(
      "Driver",
      "string",
      "Driver identifies the DRA driver providing the capacity information. A field selector can be used to list only ResourceSlice objects with a certain driver name.\n\nMust be a DNS subdomain and should end with a DNS domain owned by the vendor of the driver. It should use only lower case characters. This field is immutable.",
    ),
    column(
      "Pool",
      "string",
      "Name is used to identify the pool. For node-local devices, this is often the node name, but this is not required.\n\nIt must not be longer than 253 characters and must consist of one or more DNS sub-domains separated by slashes. This field is immutable.",
    ),
    AGE_COLUMN,
  ],
  cells: (s, { now }) => [
    s.metadata?.name ?? "",
    s.spec?.nodeName ?? "",
    s.spec?.driver ?? "",
    s.spec?.pool?.name ?? "",
    age(s, now),
  ],
}
