/**
 * What upstream's APF config producer decides for one configuration object it maintains (its
 * ensurer's strategies): the revision an existing object needs, if any. Mandatory objects always
 * get their spec back; suggested ones only while their `apf.kubernetes.io/autoupdate-spec`
 * annotation says true (or, without a readable one, while nobody changed them: generation 1).
 * Pure functions; flowcontrol-bootstrap.ts reads and writes.
 */
import { AUTO_UPDATE_ANNOTATION, type ApiObject, applyDefaults, type ResourceInfo } from "../api/index.ts"
import { semanticEqual } from "./semantic-equal.ts"

/** How an object is maintained: "mandatory" objects are kept, "suggested" ones only while annotated so. */
export type Strategy = "mandatory" | "suggested"

/** Go's strconv.ParseBool: undefined for anything it refuses. */
export function parseGoBool(s: string | undefined): boolean | undefined {
  if (s === undefined) return undefined
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false
  return undefined
}

type Obj = ApiObject & { spec?: Record<string, any> }

/**
 * Whether `current`'s spec is what `bootstrap`'s (defaulted) is; the exempt level's shares and
 * lendable percent are the operator's to set.
 */
function specEqualish(info: ResourceInfo, bootstrap: Obj, current: Obj): boolean {
  const expected = structuredClone(bootstrap) as Obj
  applyDefaults(info, expected)
  if (info.kind === "PriorityLevelConfiguration" && expected.metadata?.name === "exempt") {
    const exempt = current.spec?.exempt
    if (!exempt) return false
    expected.spec = {
      ...expected.spec,
      exempt: {
        ...expected.spec?.exempt,
        nominalConcurrencyShares: exempt.nominalConcurrencyShares,
        lendablePercent: exempt.lendablePercent,
      },
    }
  }
  return semanticEqual(expected.spec, current.spec)
}

/** Whether the spec of `current`, a suggested object, is the API server's to keep. */
function autoUpdatesSpec(current: Obj): boolean {
  const annotated = parseGoBool(current.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION])
  // Without a readable annotation the spec is kept while nobody changed it
  return annotated ?? current.metadata?.generation === 1
}

/**
 * The object `current` (of `info`'s kind) should become to follow `bootstrap` under `strategy`,
 * or undefined when it needs nothing: its annotation set to whether its spec is kept, and its
 * spec replaced by the bootstrap one when it is kept and differs.
 */
export function revision(
  info: ResourceInfo,
  current: ApiObject,
  bootstrap: ApiObject,
  strategy: Strategy,
): ApiObject | undefined {
  const cur = current as Obj
  const keep = strategy === "mandatory" || autoUpdatesSpec(cur)
  const annotated = parseGoBool(cur.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION])
  const updateAnnotation = annotated !== keep
  const specChanged = keep && !specEqualish(info, bootstrap as Obj, cur)
  if (!updateAnnotation && !specChanged) return undefined
  const revised = structuredClone(cur)
  if (specChanged) revised.spec = structuredClone((bootstrap as Obj).spec)
  if (updateAnnotation) {
    revised.metadata = {
      ...revised.metadata,
      annotations: { ...revised.metadata?.annotations, [AUTO_UPDATE_ANNOTATION]: String(keep) },
    }
  }
  return revised
}

/**
 * Whether `obj`, which the bootstrap configuration no longer names, is the API server's to
 * delete: annotated `apf.kubernetes.io/autoupdate-spec` true (an operator's own object has no
 * annotation, and a false or malformed one is left alone).
 */
export function isUnwanted(obj: ApiObject): boolean {
  return parseGoBool(obj.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION]) === true
}
