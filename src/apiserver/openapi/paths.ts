/**
 * The `paths` of one group version's OpenAPI document: every resource, subresource and verb k8ts
 * serves, with upstream's operation ids, actions, group-version-kinds, parameters and
 * request and response schemas.
 */
import { type ResourceInfo, type SubresourceInfo, schema } from "../../api/index.ts"
import {
  DELETE_PARAMS,
  EXEC_PARAMS,
  LIST_PARAMS,
  LOG_PARAMS,
  PARAM,
  PATCH_PARAMS,
  WRITE_PARAMS,
} from "./parameters.ts"
import { type Gvk, type JsonSchema, refTo } from "./schemas.ts"

const META = schema.META
/** Definitions every group version's document uses. */
export const COMMON_DEFINITIONS = [
  `${META}.DeleteOptions`,
  `${META}.Status`,
  `${META}.WatchEvent`,
  `${META}.Patch`,
  `${META}.APIResourceList`,
] as const

const MEDIA = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
const WATCH_MEDIA = [
  ...MEDIA,
  "application/json;stream=watch",
  "application/vnd.kubernetes.protobuf;stream=watch",
]
const PATCH_MEDIA = [
  "application/apply-patch+yaml",
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
]
const STRING: JsonSchema = { type: "string" }

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** `rbac.authorization.k8s.io`, `v1` → `RbacAuthorizationV1`; the core group is `Core`. */
export function groupVersionCamel(group: string, version: string): string {
  const g = group === "" ? "core" : group.replace(/\.k8s\.io$/, "")
  return g.split(".").map(capitalize).join("") + capitalize(version)
}

function tagOf(group: string, version: string): string {
  const camel = groupVersionCamel(group, version)
  return `${camel.charAt(0).toLowerCase()}${camel.slice(1, -capitalize(version).length)}_${version}`
}

function content(media: readonly string[], s: JsonSchema): JsonSchema {
  return Object.fromEntries(media.map((m) => [m, { schema: s }]))
}

interface Operation {
  readonly action: string
  readonly id: string
  readonly description: string
  readonly gvk: Gvk
  readonly params?: readonly JsonSchema[]
  readonly body?: { readonly media: readonly string[]; readonly ref: string }
  /** Status code → [description, schema, media]. */
  readonly responses: Readonly<Record<string, readonly [string, JsonSchema, readonly string[]]>>
}

/** Collects one document's paths and the definitions they refer to. */
export class PathBuilder {
  readonly paths: Record<string, Record<string, unknown>> = {}
  readonly used = new Set<string>(COMMON_DEFINITIONS)
  readonly #tag: string
  readonly #camel: string
  readonly #base: string

  constructor(
    readonly group: string,
    readonly version: string,
  ) {
    this.#tag = tagOf(group, version)
    this.#camel = groupVersionCamel(group, version)
    this.#base = group ? `/apis/${group}/${version}` : `/api/${version}`
    this.#put(`${this.#base}/`, "get", {
      action: "",
      id: `get${this.#camel}APIResources`,
      description: "get available resources",
      gvk: { group: "", version: "", kind: "" },
      responses: { "200": ["OK", { $ref: refTo(`${META}.APIResourceList`) }, MEDIA] },
    })
  }

  #ref(definition: string): JsonSchema {
    this.used.add(definition)
    return { $ref: refTo(definition) }
  }

  #put(path: string, method: string, op: Operation, pathParams: readonly JsonSchema[] = []): void {
    const item = (this.paths[path] ??= { parameters: [...pathParams, PARAM.pretty] })
    const responses: Record<string, unknown> = {}
    for (const [code, [description, s, media]] of Object.entries(op.responses))
      responses[code] = { content: content(media, s), description }
    item[method] = {
      description: op.description,
      operationId: op.id,
      ...(op.params?.length ? { parameters: op.params } : {}),
      ...(op.body
        ? { requestBody: { content: content(op.body.media, this.#ref(op.body.ref)), required: true } }
        : {}),
      responses,
      tags: [this.#tag],
      ...(op.action ? { "x-kubernetes-action": op.action } : {}),
      ...(op.gvk.kind ? { "x-kubernetes-group-version-kind": { ...op.gvk } } : {}),
    }
  }

  /** Adds every path of resource `r`. */
  addResource(r: ResourceInfo): void {
    const def = schema.definitionOf(r.group, r.version, r.kind)
    if (!def) return
    const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind }
    const scope = r.namespaced ? "Namespaced" : ""
    const nsParams = r.namespaced ? [PARAM.namespace] : []
    const collection = r.namespaced
      ? `${this.#base}/namespaces/{namespace}/${r.resource}`
      : `${this.#base}/${r.resource}`
    const obj = this.#ref(def)
    const status = this.#ref(`${META}.Status`)
    const name = `${scope}${r.kind}`
    const has = (v: string) => r.verbs.includes(v)
    const listDef = schema.definitionOf(r.group, r.version, `${r.kind}List`)
    if (has("list") && listDef) {
      const list = this.#ref(listDef)
      this.#put(
        collection,
        "get",
        this.#list(`list${this.#camel}${name}`, `list or watch objects of kind ${r.kind}`, gvk, list),
        nsParams,
      )
      if (r.namespaced) {
        this.#put(
          `${this.#base}/${r.resource}`,
          "get",
          this.#list(
            `list${this.#camel}${r.kind}ForAllNamespaces`,
            `list or watch objects of kind ${r.kind}`,
            gvk,
            list,
          ),
        )
      }
    }
    if (has("watch")) this.#addWatches(r, gvk)
    if (has("create")) {
      this.#put(
        collection,
        "post",
        {
          action: "post",
          id: `create${this.#camel}${name}`,
          description: `create ${article(r.kind)}`,
          gvk,
          params: WRITE_PARAMS,
          body: { media: ["*/*"], ref: def },
          responses: {
            "200": ["OK", obj, MEDIA],
            "201": ["Created", obj, MEDIA],
            "202": ["Accepted", obj, MEDIA],
          },
        },
        nsParams,
      )
    }
    if (has("deletecollection")) {
      this.#put(
        collection,
        "delete",
        {
          action: "deletecollection",
          id: `delete${this.#camel}Collection${name}`,
          description: `delete collection of ${r.kind}`,
          gvk,
          params: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p.name !== "watch")],
          body: { media: ["application/json"], ref: `${META}.DeleteOptions` },
          responses: { "200": ["OK", status, MEDIA] },
        },
        nsParams,
      )
    }
    this.#addObject(r, `${collection}/{name}`, gvk, def)
    for (const sub of r.subresources) this.#addSubresource(r, sub, `${collection}/{name}/${sub.name}`)
  }

  #list(id: string, description: string, gvk: Gvk, list: JsonSchema): Operation {
    return {
      action: "list",
      id,
      description,
      gvk,
      params: LIST_PARAMS,
      responses: { "200": ["OK", list, WATCH_MEDIA] },
    }
  }

  #addWatches(r: ResourceInfo, gvk: Gvk): void {
    const event = this.#ref(`${META}.WatchEvent`)
    const scope = r.namespaced ? "Namespaced" : ""
    const prefix = r.namespaced ? `${this.#base}/watch/namespaces/{namespace}` : `${this.#base}/watch`
    const nsParams = r.namespaced ? [PARAM.namespace] : []
    const watch = (action: string, id: string, description: string): Operation => ({
      action,
      id,
      description,
      gvk,
      responses: { "200": ["OK", event, WATCH_MEDIA] },
    })
    const kind = r.kind
    this.#put(
      `${prefix}/${r.resource}`,
      "get",
      watch("watchlist", `watch${this.#camel}${scope}${kind}List`, `watch changes to a list of ${kind}`),
      [...LIST_PARAMS, ...nsParams],
    )
    this.#put(
      `${prefix}/${r.resource}/{name}`,
      "get",
      watch("watch", `watch${this.#camel}${scope}${kind}`, `watch changes to an object of kind ${kind}`),
      [...LIST_PARAMS, PARAM.name, ...nsParams],
    )
    if (r.namespaced) {
      this.#put(
        `${this.#base}/watch/${r.resource}`,
        "get",
        watch(
          "watchlist",
          `watch${this.#camel}${kind}ListForAllNamespaces`,
          `watch changes to a list of ${kind}`,
        ),
        LIST_PARAMS,
      )
    }
  }

  /** get, put, patch and delete of one object (or of a subresource that is the object itself). */
  #addObject(r: ResourceInfo, path: string, gvk: Gvk, def: string, sub = "", verbs = r.verbs): void {
    const obj = this.#ref(def)
    const scope = r.namespaced ? "Namespaced" : ""
    const name = `${scope}${r.kind}${capitalize(sub)}`
    const what = sub ? `${sub} of the specified ${r.kind}` : `the specified ${r.kind}`
    const params = [PARAM.name, ...(r.namespaced ? [PARAM.namespace] : [])]
    const put = (method: string, op: Operation) => this.#put(path, method, op, params)
    if (verbs.includes("get")) {
      put("get", {
        action: "get",
        id: `read${this.#camel}${name}`,
        description: `read ${what}`,
        gvk,
        responses: { "200": ["OK", obj, MEDIA] },
      })
    }
    if (verbs.includes("update")) {
      put("put", {
        action: "put",
        id: `replace${this.#camel}${name}`,
        description: `replace ${what}`,
        gvk,
        params: WRITE_PARAMS,
        body: { media: ["*/*"], ref: def },
        responses: { "200": ["OK", obj, MEDIA], "201": ["Created", obj, MEDIA] },
      })
    }
    if (verbs.includes("patch")) {
      put("patch", {
        action: "patch",
        id: `patch${this.#camel}${name}`,
        description: `partially update ${what}`,
        gvk,
        params: PATCH_PARAMS,
        body: { media: PATCH_MEDIA, ref: `${META}.Patch` },
        responses: { "200": ["OK", obj, MEDIA], "201": ["Created", obj, MEDIA] },
      })
    }
    if (verbs.includes("delete") && !sub) {
      const status = this.#ref(`${META}.Status`)
      put("delete", {
        action: "delete",
        id: `delete${this.#camel}${name}`,
        description: `delete ${article(r.kind)}`,
        gvk,
        params: DELETE_PARAMS,
        body: { media: ["application/json"], ref: `${META}.DeleteOptions` },
        responses: { "200": ["OK", status, MEDIA], "202": ["Accepted", status, MEDIA] },
      })
    }
  }

  #addSubresource(r: ResourceInfo, sub: SubresourceInfo, path: string): void {
    const group = sub.group ?? r.group
    const version = sub.version ?? r.version
    const kind = sub.kind ?? r.kind
    const gvk: Gvk = { group, version, kind }
    const def = schema.definitionOf(group, version, kind)
    const scope = r.namespaced ? "Namespaced" : ""
    const name = `${scope}${r.kind}${capitalize(sub.name)}`
    const params = [PARAM.name, ...(r.namespaced ? [PARAM.namespace] : [])]
    if (sub.name === "log") {
      this.#put(
        path,
        "get",
        {
          action: "get",
          id: `read${this.#camel}${name}`,
          description: `read log of the specified ${r.kind}`,
          gvk,
          params: LOG_PARAMS,
          responses: { "200": ["OK", STRING, ["text/plain"]] },
        },
        params,
      )
      return
    }
    if (["exec", "attach", "portforward", "proxy"].includes(sub.name)) {
      this.#addConnect(r, sub, path, gvk)
      return
    }
    if (!def) return
    if (sub.verbs.includes("create")) {
      const obj = this.#ref(def)
      this.#put(
        path,
        "post",
        {
          action: "post",
          id: `create${this.#camel}${name}`,
          description: `create ${sub.name} of ${article(r.kind)}`,
          gvk,
          params: WRITE_PARAMS,
          body: { media: ["*/*"], ref: def },
          responses: {
            "200": ["OK", obj, MEDIA],
            "201": ["Created", obj, MEDIA],
            "202": ["Accepted", obj, MEDIA],
          },
        },
        params,
      )
    }
    this.#addObject(r, path, gvk, def, sub.name, sub.verbs)
  }

  #addConnect(r: ResourceInfo, sub: SubresourceInfo, path: string, gvk: Gvk): void {
    const scope = r.namespaced ? "Namespaced" : ""
    const methods: Record<string, string> = {
      get: "get",
      create: "post",
      update: "put",
      patch: "patch",
      delete: "delete",
    }
    const params = [PARAM.name, ...(r.namespaced ? [PARAM.namespace] : [])]
    for (const verb of sub.verbs) {
      const method = methods[verb]
      if (!method) continue
      this.#put(
        path,
        method,
        {
          action: "connect",
          id: `connect${this.#camel}${capitalize(method)}${scope}${r.kind}${capitalize(sub.name)}`,
          description: `connect ${method.toUpperCase()} requests to ${sub.name} of ${r.kind}`,
          gvk,
          ...(sub.name === "exec" || sub.name === "attach" ? { params: EXEC_PARAMS } : {}),
          responses: { "200": ["OK", STRING, ["*/*"]] },
        },
        params,
      )
    }
  }
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? `an ${kind}` : `a ${kind}`
}
