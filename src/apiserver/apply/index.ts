/**
 * Server-side apply and field ownership: managedFields recorded on every write, and apply
 * patches merged by the schema's list types with conflicts between managers.
 */
import type { ResourceInfo } from "../../api/index.ts"
import { UNKNOWN_OBJECT, kindShape } from "../shapes.ts"
import type { WriteContext } from "./field-manager.ts"
import { timestamp } from "../registry/context.ts"

export { applyConfig, recordUpdate, type ApplyOptions, type WriteContext } from "./field-manager.ts"
export { managerFromUserAgent } from "./managed-fields.ts"

/** The field manager's view of a write to `info` (at its served version) at `nowMs`. */
export function writeContext(info: ResourceInfo, subresource: string, nowMs: number): WriteContext {
  return {
    shape: kindShape(info.group, info.version, info.kind) ?? UNKNOWN_OBJECT,
    apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
    kind: info.kind,
    subresource,
    hasStatus: info.subresources.some((s) => s.name === "status"),
    now: timestamp(nowMs),
  }
}
