/**
 * Server-side apply and field ownership: managedFields recorded on every write, and apply
 * patches merged by the schema's list types with conflicts between managers.
 */
import type { ApiObject, ResourceInfo } from "../../api/index.ts"
import { type Shape, UNKNOWN_OBJECT, kindShape } from "../shapes.ts"
import { type ApplyOptions, type WriteContext, applyConfig } from "./field-manager.ts"
import { timestamp } from "../registry/context.ts"
import { zeroNulls } from "../decode-nulls.ts"
import { normalizeStored } from "../stored-forms.ts"
import { builtinTypeOf } from "../decode-types.ts"

export { applyConfig, recordUpdate, type ApplyOptions, type WriteContext } from "./field-manager.ts"
export { managerFromUserAgent } from "./managed-fields.ts"
export {
  type ReplicasPaths,
  appliedScale,
  builtinReplicasPaths,
  parentManagedFields,
  recordScaleUpdate,
  scaleManagedFields,
} from "./scale-fields.ts"

/** The shape of a custom resource's objects (from its CRD's schema); undefined without one. */
export type CustomShape = (info: ResourceInfo) => Shape | undefined

/**
 * The field manager's view of a write to `info` (at its served version) at `nowMs`; a custom
 * resource takes its shape from `customShape`, asked once for each ResourceInfo (a CRD's change
 * serves new ones).
 */
export function writeContext(
  info: ResourceInfo,
  subresource: string,
  nowMs: number,
  customShape?: CustomShape,
): WriteContext {
  let k = kinds.get(info)
  if (!k) {
    const shape = info.custom ? customShape?.(info) : kindShape(info.group, info.version, info.kind)
    k = {
      shape: shape ?? UNKNOWN_OBJECT,
      apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
      hasStatus: info.subresources.some((s) => s.name === "status"),
      custom: !!info.custom,
      last: undefined,
    }
    kinds.set(info, k)
  }
  const now = timestamp(nowMs)
  const last = k.last
  // Writes of one second share a context (it is never changed).
  if (last && last.now === now && last.subresource === subresource && last.kind === info.kind) return last
  const ctx: WriteContext = {
    shape: k.shape,
    apiVersion: k.apiVersion,
    hasStatus: k.hasStatus,
    kind: info.kind,
    subresource,
    now,
    custom: k.custom,
  }
  k.last = ctx
  return ctx
}

/** Where and when an apply writes: the resource, the subresource ("" for the object) and the time. */
export interface ApplyTarget {
  readonly info: ResourceInfo
  readonly subresource: string
  readonly nowMs: number
  readonly customShape?: CustomShape
}

/**
 * The object `live` becomes when `opts.manager` applies `config` to it (undefined live: it is
 * created), with its managedFields; turned back into its type as upstream does, its nulls zeroed
 * and its times in their one stored form.
 */
export function appliedObject(
  live: ApiObject | undefined,
  config: unknown,
  opts: ApplyOptions,
  t: ApplyTarget,
): ApiObject {
  const ctx = writeContext(t.info, t.subresource, t.nowMs, t.customShape)
  const obj = applyConfig(live, config, opts, ctx)
  const type = builtinTypeOf(t.info)
  zeroNulls(obj, type)
  normalizeStored(obj, type, live)
  return obj
}

/** What a write context takes from its resource, worked out once per resource, and its last context. */
const kinds = new WeakMap<
  ResourceInfo,
  Pick<WriteContext, "shape" | "apiVersion" | "hasStatus" | "custom"> & { last: WriteContext | undefined }
>()
