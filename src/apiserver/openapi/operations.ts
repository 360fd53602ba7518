/** The vocabulary of OpenAPI operations shared by the path builders. */
import type { ResourceInfo } from "../../api/index.ts"
import type { Gvk, JsonSchema } from "./schemas.ts"

/** What reads and writes answer in. */
export const MEDIA = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
/** What lists and watches answer in. */
export const WATCH_MEDIA = [
  ...MEDIA,
  "application/json;stream=watch",
  "application/vnd.kubernetes.protobuf;stream=watch",
]
/** The patch formats. */
export const PATCH_MEDIA = [
  "application/apply-patch+yaml",
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
]
/** A plain string response. */
export const STRING: JsonSchema = { type: "string" }

/** `status` → `Status`. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** `rbac.authorization.k8s.io`, `v1` → `RbacAuthorizationV1`; the core group is `Core`. */
export function groupVersionCamel(group: string, version: string): string {
  const g = group === "" ? "core" : group.replace(/\.k8s\.io$/, "")
  return g.split(".").map(capitalize).join("") + capitalize(version)
}

/** The operations' tag: `apps_v1`, `rbacAuthorization_v1`. */
export function tagOf(group: string, version: string): string {
  const camel = groupVersionCamel(group, version)
  return `${camel.charAt(0).toLowerCase()}${camel.slice(1, -capitalize(version).length)}_${version}`
}

/** A content map: the same schema under every media type. */
export function content(media: readonly string[], s: JsonSchema): JsonSchema {
  return Object.fromEntries(media.map((m) => [m, { schema: s }]))
}

/** One operation, before it is written out. */
export interface Operation {
  readonly action: string
  readonly id: string
  readonly description: string
  readonly gvk: Gvk
  readonly params?: readonly JsonSchema[]
  readonly body?: { readonly media: readonly string[]; readonly ref: string }
  /** Status code → [description, schema, media]. */
  readonly responses: Readonly<Record<string, readonly [string, JsonSchema, readonly string[]]>>
}

/** Where an operation goes: its path, method, and the path's parameters. */
export interface OperationAt {
  readonly path: string
  readonly method: string
  readonly pathParams?: readonly JsonSchema[]
}

/** One object's (or subresource's) path: its kind, definition, and which verbs it has. */
export interface ObjectAt {
  readonly path: string
  readonly gvk: Gvk
  readonly def: string
  /** The subresource, "" for the object itself. */
  readonly sub?: string
  readonly verbs?: readonly string[]
}

/** Where operations are written: a document's path builder. */
export interface OperationSink {
  /** `AppsV1`, as operation ids spell the group version. */
  readonly camel: string
  /** A `$ref` to `definition`, which the document then includes. */
  ref(definition: string): JsonSchema
  /** Adds operation `op` as `at.method` of `at.path`. */
  put(at: OperationAt, op: Operation): void
  /** get, put and patch (and delete of the object itself) of one object or subresource. */
  addObject(r: ResourceInfo, at: ObjectAt): void
}

/** `a Deployment`, `an Ingress`. */
export function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? `an ${kind}` : `a ${kind}`
}
