/**
 * Applying PATCH bodies: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge
 * patch (built-in kinds only). Server-side apply has its own path (apply/).
 */
import { ApiError, badRequest, fieldErrors, invalid, isPlainObject } from "../api/index.ts"
import { JsonPatchError, applyJsonPatch, goJsonType } from "./json-patch.ts"
import { type Shape, kindShape } from "./shapes.ts"
import { sortedJson } from "./decode-types.ts"
import { strategicMergePatch } from "./strategic-merge.ts"
import { duplicateFields, isUnder } from "./json-duplicates.ts"
import { ownValue, setKey } from "../util/index.ts"

/** The most operations a JSON patch may have: upstream's maxJSONPatchOperations. */
const MAX_JSON_PATCH_OPERATIONS = 10_000

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else setKey(out, k, mergePatch(ownValue(out, k), v))
  }
  return out
}

/** The media types of the patches the API server accepts, in upstream's order. */
export const JSON_PATCH = "application/json-patch+json"
export const MERGE_PATCH = "application/merge-patch+json"
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
export const APPLY_PATCH = "application/apply-patch+yaml"

/** The kind a patch applies to. */
export interface PatchTarget {
  readonly group: string
  readonly version: string
  readonly kind: string
}

/**
 * The schema of the patched kind, after checking `contentType` is a patch type the kind takes:
 * strategic merge needs the schema table to know the kind (custom resources do not take it).
 * @throws ApiError UnsupportedMediaType
 */
export function checkPatchType(contentType: string, target: PatchTarget): Shape | undefined {
  const shape = kindShape(target.group, target.version, target.kind)
  const accepted = shape
    ? [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH]
    : [JSON_PATCH, MERGE_PATCH, APPLY_PATCH]
  if (!accepted.includes(contentType)) {
    throw new ApiError(
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    )
  }
  return shape
}

/** The 422 upstream answers a patch it decoded but could not apply (its generic server response). */
export function patchRejected(): ApiError {
  return new ApiError("Invalid", "the server rejected our request due to an error in our request", {})
}

/**
 * The operations of a JSON patch, refused as upstream decodes them: with field validation (Warn,
 * the default, or Strict) it first reads the body into its own operation type (string `op`,
 * `path` and `from`) and prefixes the error, with Ignore it only has the json-patch library's
 * decode (any member types: an operation whose members are not strings then fails to apply).
 * `null` is a patch of no operations to both. More than 10,000 operations are refused.
 * @throws ApiError BadRequest for a body that is not an array, an operation that is not an object
 * or (validated) a member that is not a string; RequestEntityTooLarge for too many operations
 */
function jsonPatchOperations(patch: unknown, validated: boolean): readonly unknown[] {
  const refuse = (v: unknown, goType: string) =>
    badRequest(
      `${validated ? "error decoding patch: " : ""}json: cannot unmarshal ${goJsonType(v)} into Go value of type ${goType}`,
    )
  if (patch === null) return []
  if (!Array.isArray(patch)) throw refuse(patch, validated ? "[]handlers.jsonPatchOp" : "jsonpatch.Patch")
  let wrongType: ApiError | undefined
  for (const op of patch) {
    if (typeof op !== "object" || Array.isArray(op)) {
      throw refuse(op, validated ? "handlers.jsonPatchOp" : "jsonpatch.Operation")
    }
    // Go's decoder goes on past a member of the wrong type and reports the first one.
    if (validated && op !== null && !wrongType) {
      for (const [k, v] of Object.entries(op as Record<string, unknown>)) {
        if ((k === "op" || k === "path" || k === "from") && v !== null && typeof v !== "string") {
          wrongType = badRequest(
            `error decoding patch: json: cannot unmarshal ${goJsonType(v)} into Go struct field jsonPatchOp.${k} of type string`,
          )
          break
        }
      }
    }
  }
  if (wrongType) throw wrongType
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(
      "RequestEntityTooLarge",
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    )
  }
  return patch
}

/** The members of upstream's JSON patch operation type (handlers.jsonPatchOp). */
const OPERATION_MEMBERS = new Set(["op", "path", "from", "value"])

/**
 * What upstream's strict decode of a JSON patch into its operation type finds (under field
 * validation Warn or Strict), operation by operation: members it does not have
 * (`json patch unknown field "[0].foo"`) and keys an operation repeats, its value's included
 * (`json patch duplicate field "[1].path"`). `text`: the patch's JSON, when it repeats a key.
 */
export function jsonPatchStrictErrors(patch: unknown, text: string | undefined): string[] {
  if (!Array.isArray(patch)) return []
  const found: { op: number; message: string }[] = []
  const unknown: string[] = []
  patch.forEach((op, i) => {
    if (!isPlainObject(op)) return
    for (const k of Object.keys(op)) {
      if (OPERATION_MEMBERS.has(k)) continue
      unknown.push(`[${i}].${k}`)
      found.push({ op: i, message: `json patch unknown field "[${i}].${k}"` })
    }
  })
  for (const p of text === undefined ? [] : duplicateFields(text)) {
    // A repeated unknown member (or a key inside one) is reported as unknown only.
    if (isUnder(p, unknown)) continue
    found.push({ op: Number(/^\[(\d+)\]/.exec(p)?.[1] ?? 0), message: `json patch duplicate field "${p}"` })
  }
  // Go's decoder reports them as it meets them: operation by operation.
  return found.sort((a, b) => a.op - b.op).map((f) => f.message)
}

/** Why no kind decodes from a JSON array: Go's error, reading it for its apiVersion and kind. */
const ARRAY_HAS_NO_KIND =
  "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type " +
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'

/**
 * `v` without the null members of its objects, at every level, as the merge patch library prunes
 * them: since evanphx/json-patch v4.12 (upstream pins v4.13) null elements of arrays are kept.
 */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls)
  if (!isPlainObject(v)) return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) if (x !== null) setKey(out, k, withoutNulls(x))
  return out
}

/**
 * A JSON merge patch applied to `original` as upstream applies one. With field validation (Warn,
 * the default, or Strict) the body is first read into a map, so anything but an object or null
 * is refused in the decoder's words. Then evanphx/json-patch's MergePatch refuses null and a
 * scalar ("Invalid JSON Patch") and makes an array the document, its objects' null members
 * pruned, which no kind decodes from (the 422 upstream answers a patch whose result does not decode).
 * @throws ApiError BadRequest or Invalid for a body that is not an object
 */
function mergePatchObject(original: unknown, patch: unknown, validated: boolean): unknown {
  if (isPlainObject(patch)) return mergePatch(original, patch)
  if (validated && patch !== null) {
    throw badRequest(
      `error decoding patch: json: cannot unmarshal ${goJsonType(patch)} into Go value of type map[string]interface {}`,
    )
  }
  if (!Array.isArray(patch)) throw badRequest("Invalid JSON Patch")
  throw invalid("", "", [
    fieldErrors.invalidValue("patch", sortedJson(withoutNulls(patch)), ARRAY_HAS_NO_KIND),
  ])
}

/** How a patch is applied: `ignoreUnknownFields` when the request asked fieldValidation=Ignore. */
export interface PatchOptions {
  readonly ignoreUnknownFields?: boolean
}

/** Applies a patch of `contentType` to a copy of `original`, an object of `target`'s kind. */
export function applyPatch(
  contentType: string,
  original: unknown,
  patch: unknown,
  target: PatchTarget,
  opts: PatchOptions = {},
): unknown {
  switch (contentType) {
    case STRATEGIC_MERGE_PATCH: {
      const shape = checkPatchType(contentType, target)
      return strategicMergePatch(original, patch, shape as Shape)
    }
    case "application/merge-patch+json":
      return mergePatchObject(original, patch, !opts.ignoreUnknownFields)
    case "application/json-patch+json": {
      const ops = jsonPatchOperations(patch, !opts.ignoreUnknownFields)
      try {
        return applyJsonPatch(original as object, ops)
      } catch (err) {
        // Upstream answers any operation that does not apply (a failed test, a missing path, an
        // unknown op) with the generic 422, the library's own words left out.
        if (err instanceof JsonPatchError) throw patchRejected()
        throw err
      }
    }
    default:
      checkPatchType(contentType, target)
      throw new ApiError("UnsupportedMediaType", `the ${contentType} patch is not served yet`)
  }
}
