/**
 * The steps the registry's create and update share: the request body's checks (kind,
 * apiVersion, namespace), validation, the stored form of what is written, and the written value
 * announced to the watch cache.
 */
import { type ApiError, type ApiObject, badRequest, invalid } from "../../api/index.ts"
import type { UserInfo } from "../http.ts"
import { builtinTypeOf } from "../decode-types.ts"
import { asStored, withoutOmittedZeros } from "../omit-zero.ts"
import { customStoredForm } from "./custom-key-order.ts"
import {
  type AdmissionNotes,
  type AdmissionOrigin,
  type RegistryDeps,
  type Served,
  encode,
  needsConversion,
} from "./context.ts"

/** Options every write takes. */
export interface WriteOptions {
  readonly dryRun?: boolean
  readonly user?: UserInfo
  /** Records the write in managedFields as an Update by this manager ("" becomes "unknown"). */
  readonly fieldManager?: string
  /** Where admission leaves its warnings and audit annotations. */
  readonly notes?: AdmissionNotes
  /** The API request the write came from, for admission (its options). */
  readonly origin?: AdmissionOrigin
  /**
   * Asked when an update or apply turns into a create, after validation and before validating
   * admission, as upstream's withAuthorization: the request was authorized for update or
   * patch only, so its writer must also be allowed to create.
   */
  readonly authorizeCreate?: () => Promise<void>
  /**
   * The create an update makes of a missing object (a PUT or an apply): as upstream's
   * Store.Update creates it through GuaranteedUpdate, whose storage drops a resourceVersion the
   * object carries, rather than refusing it as a create's storage does (kubernetes#106745).
   */
  readonly createOnUpdate?: boolean
}

/** Names the resource in messages: `deployments.apps`. */
export function qualified(s: Served): { resource: string; group: string } {
  return { resource: s.info.resource, group: s.info.group }
}

function isObject(v: unknown): v is ApiObject {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

/**
 * Checks apiVersion, kind and namespace of a request body, filling what is missing. `kept`: the
 * top-level fields of the body the write keeps (a status write's status and metadata, the rest
 * being the stored object's), the only ones whose zeros need dropping; every field when absent.
 */
export function checkBody(s: Served, body: unknown, namespace: string, kept?: readonly string[]): ApiObject {
  if (!isObject(body)) throw badRequest(`the body of the request is not a ${s.info.kind} object`)
  const gv = s.info.group ? `${s.info.group}/${s.info.version}` : s.info.version
  if (body.kind !== undefined && body.kind !== s.info.kind) {
    throw badRequest(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (${s.info.kind})`,
    )
  }
  if (body.apiVersion !== undefined && body.apiVersion !== gv) {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${gv})`,
    )
  }
  body.apiVersion = gv
  body.kind = s.info.kind
  if (body.metadata !== undefined && !isObject(body.metadata)) throw badRequest("metadata must be an object")
  const meta = (body.metadata ??= {})
  if (s.info.namespaced) {
    if (meta.namespace && meta.namespace !== namespace) throw namespaceMismatch()
    meta.namespace = namespace
  } else delete meta.namespace
  // Decoded as upstream decodes into its Go types: the zeros they cannot hold are gone.
  const type = s.info.custom ? undefined : builtinTypeOf(s.info)
  if (!type) return body
  return kept ? withoutZerosIn(type, body, kept) : (withoutOmittedZeros(type, body) as ApiObject)
}

/** `body` (changed in place) without the zeros Go's JSON leaves out in its top-level fields `kept`. */
function withoutZerosIn(type: string, body: ApiObject, kept: readonly string[]): ApiObject {
  const o = body as Record<string, unknown>
  const part: Record<string, unknown> = {}
  for (const k of kept) if (k in o) part[k] = o[k]
  const out = withoutOmittedZeros(type, part) as Record<string, unknown>
  if (out === part) return body
  for (const k in part) {
    if (k in out) o[k] = out[k]
    else delete o[k]
  }
  return body
}

/** Validates an object to be written (`old` on update). @throws ApiError Invalid */
export function checkValid(
  deps: RegistryDeps,
  s: Served,
  obj: ApiObject,
  old?: ApiObject,
  subresource = "",
): void {
  const errs = deps.validate(s.info, obj, old, subresource)
  if (errs.length) throw invalid(s.info.kind, obj.metadata?.name ?? "", errs, s.info.group || undefined)
}

/**
 * `obj`, admitted and valid, as upstream's storage reads it back (see asStored): what a write
 * stores and answers, dry runs included (upstream's dry run copies the object through the
 * storage codec too); a custom resource's with its keys sorted (see customStoredForm). Copies
 * what it changes; `obj` itself is left alone.
 */
export function storedForm(s: Served, obj: ApiObject): ApiObject {
  if (s.info.custom) return customStoredForm(obj)
  const type = builtinTypeOf(s.info)
  return type ? (asStored(type, obj) as ApiObject) : obj
}

/**
 * The key and stored value of a write (`encoded` when the caller has it already), announced so
 * the watch cache can skip parsing it back.
 */
export function written(
  deps: RegistryDeps,
  key: string,
  s: Served,
  obj: ApiObject,
  encoded?: string,
): [string, string] {
  const stored = needsConversion(s) ? deps.convert(obj, s.info, s.storageVersion) : obj
  const value = encoded ?? encode(stored)
  deps.written?.(key, value, stored)
  return [key, value]
}

/** A body naming another namespace than its request's, in the words of upstream's update and create handlers. */
export function namespaceMismatch(): ApiError {
  return badRequest("the namespace of the provided object does not match the namespace sent on the request")
}

/** A PUT's body naming another object than its URL (`name` absent: ""), in upstream's update handler's words. */
export function nameMismatch(name: string | undefined, urlName: string): ApiError {
  return badRequest(`the name of the object (${name ?? ""}) does not match the name on the URL (${urlName})`)
}
