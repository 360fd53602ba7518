/** Applying PATCH bodies: JSON patch (RFC 6902) and JSON merge patch (RFC 7386). */
import fastJsonPatch from "fast-json-patch"
import { ApiError, badRequest } from "../api/index.ts"

const { applyPatch: applyJsonPatch, JsonPatchError } = fastJsonPatch

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

/** Applies a patch of `contentType` to a copy of `original`. */
export function applyPatch(contentType: string, original: unknown, patch: unknown): unknown {
  switch (contentType) {
    case "application/merge-patch+json":
      if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
        throw badRequest("the merge patch must be a JSON object")
      }
      return mergePatch(original, patch)
    case "application/json-patch+json":
      if (!Array.isArray(patch)) throw badRequest("the JSON patch must be an array of operations")
      try {
        return applyJsonPatch(structuredClone(original), patch as never, true, false).newDocument
      } catch (err) {
        if (err instanceof JsonPatchError && err.name === "TEST_OPERATION_FAILED") {
          throw new ApiError(
            "Invalid",
            `the server rejected our request due to an error in our request: testing value failed`,
          )
        }
        throw new ApiError(
          "Invalid",
          `the server rejected our request due to an error in our request: ${(err as Error).message.split("\n")[0]}`,
        )
      }
    default:
      throw new ApiError(
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json`,
      )
  }
}
