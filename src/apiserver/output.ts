/** Serializing responses: objects, lists, Tables and Status, with each object's JSON cached once. */
import { ApiError, type ApiObject, type ResourceInfo, type Status, groupVersion } from "../api/index.ts"
import type { ApiResponse } from "./http.ts"
import { JSON_TYPE, type Output } from "./negotiate.ts"
import { stringify as toYaml } from "yaml"

const jsonCache = new WeakMap<object, string>()

/** The JSON text of an object; computed once per (immutable) cached object. */
export function objectJson(obj: ApiObject): string {
  let s = jsonCache.get(obj)
  if (s === undefined) {
    s = JSON.stringify(obj)
    jsonCache.set(obj, s)
  }
  return s
}

/** A JSON response. */
export function json(status: number, body: unknown, contentType = JSON_TYPE): ApiResponse {
  return {
    status,
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  }
}

/** A Status response for any error (unexpected ones become 500 InternalError). */
export function errorResponse(err: unknown): ApiResponse {
  const e =
    err instanceof ApiError
      ? err
      : new ApiError(
          "InternalError",
          `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
        )
  const headers: Record<string, string> = { "content-type": JSON_TYPE }
  if (e.details?.retryAfterSeconds) headers["retry-after"] = String(e.details.retryAfterSeconds)
  return { status: e.code, headers, body: JSON.stringify(e.toStatus()) }
}

/** A success Status (what DELETE returns for most kinds). */
export function successStatus(info: ResourceInfo, obj: ApiObject): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: {
      name: obj.metadata?.name ?? "",
      ...(info.group ? { group: info.group } : {}),
      kind: info.resource,
      ...(obj.metadata?.uid ? { uid: obj.metadata.uid } : {}),
    },
  } as Status
}

/** The list kind of a resource: `PodList`. */
export function listKind(info: ResourceInfo): string {
  return `${info.kind}List`
}

/** List metadata as the API returns it. */
export interface ListMetaOut {
  resourceVersion: string
  continue?: string
  remainingItemCount?: number
}

/** The JSON text of a list, built from the cached JSON of its items. */
export function listJson(info: ResourceInfo, meta: ListMetaOut, items: readonly ApiObject[]): string {
  const parts = new Array<string>(items.length)
  for (let i = 0; i < items.length; i++) parts[i] = objectJson(items[i] as ApiObject)
  return (
    `{"kind":${JSON.stringify(listKind(info))},"apiVersion":${JSON.stringify(groupVersion(info))},` +
    `"metadata":${JSON.stringify(meta)},"items":[${parts.join(",")}]}`
  )
}

/** PartialObjectMetadata of an object (meta.k8s.io). */
export function partialMetadata(obj: ApiObject, version = "v1"): ApiObject {
  return { kind: "PartialObjectMetadata", apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata ?? {} }
}

/** Encodes a single object for the chosen output (JSON, YAML or PartialObjectMetadata). */
export function objectBody(out: Output, obj: ApiObject): { body: string; contentType: string } {
  if (out.kind === "yaml") return { body: toYaml(obj), contentType: "application/yaml" }
  if (out.kind === "partial") {
    return {
      body: JSON.stringify(partialMetadata(obj, out.version)),
      contentType: `application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=${out.version}`,
    }
  }
  return { body: objectJson(obj), contentType: JSON_TYPE }
}
