/** Write bodies checked against the schema table under the request's fieldValidation directive. */
import {
  type FieldCheckInput,
  checkBody,
  checkPatched,
  fieldValidationOf,
  warningHeader,
} from "../field-validation.ts"
import { builtinTypeOf, checkDecodes, checkPatchDecodes, sortedJson } from "../decode-types.ts"
import { zeroNulls } from "../decode-nulls.ts"
import { checkJsonBody, DEEP_ENOUGH, unrecognized } from "../go-json-syntax.ts"
import { parsedKeys, scanJson } from "../json-scan.ts"
import { JSON_PATCH, STRATEGIC_MERGE_PATCH, jsonPatchStrictErrors } from "../patch.ts"
import type { ApiResponse } from "../http.ts"
import { decodeBody, parseMediaTypes } from "../negotiate.ts"
import { decodeYamlBody } from "../yaml-body.ts"
import type { ResourceRequest } from "./context.ts"
import { pruneUnknown } from "../crd/prune-default.ts"

/**
 * What a body is read as when it is not an object of the served resource: a /scale body is an
 * autoscaling/v1 Scale, whatever resource it scales.
 */
export interface BodyType {
  /** The schema definition (`io.k8s.api.autoscaling.v1.Scale`). */
  readonly type: string
  readonly kind: string
  readonly version: string
}

function checkInput(
  r: ResourceRequest,
  options: string,
  json: string | undefined,
  decoding?: readonly string[],
  as?: BodyType,
): FieldCheckInput {
  const info = r.served.info
  const custom = as ? undefined : r.parts.resources.handling(info)?.schema
  const input: { -readonly [K in keyof FieldCheckInput]: FieldCheckInput[K] } = {
    directive: fieldValidationOf(r.req.query, options),
    type: as ? as.type : builtinTypeOf(info),
    kind: as ? as.kind : info.kind,
    version: as ? as.version : info.version,
  }
  if (custom) input.prune = (obj: unknown) => pruneUnknown(custom, obj, true)
  if (json !== undefined) input.json = json
  if (decoding) input.decoding = decoding
  return input
}

function mediaType(contentType: string | undefined): string {
  return parseMediaTypes(contentType)[0]?.type ?? "application/json"
}

/**
 * Decodes a body (`json`: its text, when JSON); YAML leniently, its repeated keys returned for the
 * check, and refused as upstream refuses a body of `kind` it cannot read.
 */
function decode(
  contentType: string | undefined,
  raw: Buffer,
  json: string | undefined,
  kind: string,
): { body: unknown; decoding: string[] } {
  if (mediaType(contentType) === "application/yaml") {
    const text = raw.toString("utf8")
    const yaml = decodeYamlBody(text)
    if ("error" in yaml) throw unrecognized(kind, yaml.error, text)
    return { body: yaml.value, decoding: yaml.duplicates }
  }
  return { body: decodeBody(contentType, raw, json), decoding: [] }
}

/**
 * decode, with Go's syntax error for a JSON body that is not JSON: JSON.parse takes exactly the
 * texts Go's scanner takes but for nesting past 10000, so the scanner runs only on a text
 * JSON.parse refused or one long enough to nest that deep.
 */
function decodeJson(
  contentType: string | undefined,
  raw: Buffer,
  json: string | undefined,
  kind: string,
): { body: unknown; decoding: string[] } {
  let decoded: { body: unknown; decoding: string[] }
  try {
    decoded = decode(contentType, raw, json, kind)
  } catch (err) {
    if (json !== undefined) checkJsonBody(json, kind)
    throw err
  }
  // JSON.parse reads nesting Go's decoder refuses; only a long text can nest that deep.
  if (json !== undefined && json.length > DEEP_ENOUGH) checkJsonBody(json, kind)
  return decoded
}

/**
 * The decoded body of a create (`CreateOptions`) or update (`UpdateOptions`), unknown fields
 * dropped, with the warnings to answer with; read as `as` when given, else as the served kind.
 * @throws ApiError BadRequest for malformed bodies and, under Strict, unknown or duplicate fields
 */
export async function validatedBody(
  r: ResourceRequest,
  options: "CreateOptions" | "UpdateOptions",
  as?: BodyType,
): Promise<{ body: unknown; warnings: readonly string[] }> {
  const contentType = r.req.header("content-type")
  const raw = await r.req.body()
  const json = mediaType(contentType).endsWith("json") ? raw.toString("utf8") : undefined
  const { body, decoding } = decodeJson(contentType, raw, json, as?.kind ?? r.served.info.kind)
  // The text is read again only for what the quick pass cannot rule out: repeated keys (when
  // JSON.parse kept fewer keys than the text writes) and number literals such as 1.0.
  const facts = json === undefined ? undefined : scanJson(json)
  const repeats = facts !== undefined && facts.keys !== parsedKeys(body)
  const input = checkInput(r, options, repeats ? json : undefined, decoding, as)
  checkDecodes(body, input.type, input.kind, input.version, facts?.fractions ? json : undefined)
  zeroNulls(body, input.type, json)
  return { body, warnings: checkBody(body, input).warnings }
}

/** Checks what a patch produced; `warnings` holds the last check's. */
export interface PatchCheck {
  /**
   * Checks and prunes `patched` (made from `original`) in place and returns it.
   * @throws ApiError Invalid under Strict
   */
  check(patched: unknown, original?: unknown): unknown
  readonly warnings: readonly string[]
}

/**
 * A checker for the objects the patch `patch` (decoded from `raw`, of `contentType`) produces,
 * read as `as` when given, else as the served kind.
 */
export function patchCheck(
  r: ResourceRequest,
  contentType: string,
  raw: Buffer,
  patch: unknown,
  as?: BodyType,
): PatchCheck {
  const checked = contentType !== "application/apply-patch+yaml"
  // As for a create: the duplicate scan reads the text only when it writes more keys than
  // JSON.parse kept.
  const text = checked ? raw.toString("utf8") : ""
  const repeats = checked && scanJson(text).keys !== parsedKeys(patch)
  const input = checked ? checkInput(r, "PatchOptions", repeats ? text : undefined, undefined, as) : undefined
  // What decoding a JSON patch's operations found, reported before the patched object's.
  const leading =
    input && input.directive !== "Ignore" && contentType === JSON_PATCH
      ? jsonPatchStrictErrors(patch, repeats ? text : undefined)
      : []
  let warnings: readonly string[] = []
  return {
    check(patched, original) {
      if (input) checkPatchDecodes(patched, patch, input.type, contentType, original)
      // Strict names a merge or JSON patch by the object it made, as upstream's error does.
      const shown =
        input?.directive === "Strict" && contentType !== STRATEGIC_MERGE_PATCH
          ? sortedJson(patched)
          : undefined
      // Nulls only come from the patch: the object patched was written without any. A JSON patch
      // also writes some its text does not hold (an add without a value, a copy of a missing key).
      if (input) zeroNulls(patched, input.type, contentType === JSON_PATCH ? undefined : text)
      if (input) warnings = checkPatched(patched, patch, input, original, { leading, shown }).warnings
      return patched
    },
    get warnings() {
      return warnings
    },
  }
}

/**
 * `res` with a Warning header per warning (upstream's `299 - "text"`): the body's, then those
 * admission left in `notes`.
 */
export function withWarnings(
  res: ApiResponse,
  warnings: readonly string[],
  notes?: { readonly warnings: readonly string[] },
): ApiResponse {
  const all = notes?.warnings.length ? [...new Set([...warnings, ...notes.warnings])] : warnings
  const warning = warningHeader(all)
  return warning ? { ...res, headers: { ...res.headers, warning } } : res
}
