/**
 * The `paths` of one group version's OpenAPI document: every resource, subresource and verb k8ts
 * serves, with upstream's operation ids, actions, group-version-kinds, parameters and
 * request and response schemas.
 */
import { type ResourceInfo, schema } from "../../api/index.ts"
import {
  MEDIA,
  type ObjectAt,
  type Operation,
  type OperationAt,
  type OperationSink,
  PATCH_MEDIA,
  WATCH_MEDIA,
  article,
  capitalize,
  content,
  groupVersionCamel,
  tagOf,
} from "./operations.ts"
import { DELETE_PARAMS, LIST_PARAMS, PARAM, PATCH_PARAMS, WRITE_PARAMS } from "./parameters.ts"
import { type Gvk, type JsonSchema, refTo } from "./schemas.ts"
import { addSubresource } from "./subresource-paths.ts"

const META = schema.META
/** Definitions every group version's document uses. */
export const COMMON_DEFINITIONS = [
  `${META}.DeleteOptions`,
  `${META}.Status`,
  `${META}.WatchEvent`,
  `${META}.Patch`,
  `${META}.APIResourceList`,
] as const

/** Collects one document's paths and the definitions they refer to. */
export class PathBuilder implements OperationSink {
  readonly paths: Record<string, Record<string, unknown>> = {}
  readonly used = new Set<string>(COMMON_DEFINITIONS)
  readonly #tag: string
  readonly camel: string
  readonly #base: string

  constructor(
    readonly group: string,
    readonly version: string,
  ) {
    this.#tag = tagOf(group, version)
    this.camel = groupVersionCamel(group, version)
    this.#base = group ? `/apis/${group}/${version}` : `/api/${version}`
    this.put(
      { path: `${this.#base}/`, method: "get" },
      {
        action: "",
        id: `get${this.camel}APIResources`,
        description: "get available resources",
        gvk: { group: "", version: "", kind: "" },
        responses: { "200": ["OK", { $ref: refTo(`${META}.APIResourceList`) }, MEDIA] },
      },
    )
  }

  /** A `$ref` to `definition`, which the document then includes. */
  ref(definition: string): JsonSchema {
    this.used.add(definition)
    return { $ref: refTo(definition) }
  }

  /** Adds operation `op` as `at.method` of `at.path`. */
  put(at: OperationAt, op: Operation): void {
    const item = (this.paths[at.path] ??= { parameters: [...(at.pathParams ?? []), PARAM.pretty] })
    const responses: Record<string, unknown> = {}
    for (const [code, [description, s, media]] of Object.entries(op.responses))
      responses[code] = { content: content(media, s), description }
    item[at.method] = {
      description: op.description,
      operationId: op.id,
      ...(op.params?.length ? { parameters: op.params } : {}),
      ...(op.body
        ? { requestBody: { content: content(op.body.media, this.ref(op.body.ref)), required: true } }
        : {}),
      responses,
      tags: [this.#tag],
      ...(op.action ? { "x-kubernetes-action": op.action } : {}),
      ...(op.gvk.kind ? { "x-kubernetes-group-version-kind": { ...op.gvk } } : {}),
    }
  }

  /** Adds every path of resource `r` (of a custom resource, with the definitions `defs` names). */
  addResource(r: ResourceInfo, defs?: { readonly item: string; readonly list: string }): void {
    const def = defs?.item ?? schema.definitionOf(r.group, r.version, r.kind)
    if (!def) return
    const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind }
    const scope = r.namespaced ? "Namespaced" : ""
    const nsParams = r.namespaced ? [PARAM.namespace] : []
    const collection = r.namespaced
      ? `${this.#base}/namespaces/{namespace}/${r.resource}`
      : `${this.#base}/${r.resource}`
    const obj = this.ref(def)
    const status = this.ref(`${META}.Status`)
    const name = `${scope}${r.kind}`
    const has = (v: string) => r.verbs.includes(v)
    const listDef = defs?.list ?? schema.definitionOf(r.group, r.version, `${r.kind}List`)
    if (has("list") && listDef) {
      const list = this.ref(listDef)
      this.put(
        { path: collection, method: "get", pathParams: nsParams },
        this.#list(`list${this.camel}${name}`, `list or watch objects of kind ${r.kind}`, gvk, list),
      )
      if (r.namespaced) {
        this.put(
          { path: `${this.#base}/${r.resource}`, method: "get" },
          this.#list(
            `list${this.camel}${r.kind}ForAllNamespaces`,
            `list or watch objects of kind ${r.kind}`,
            gvk,
            list,
          ),
        )
      }
    }
    if (has("watch")) this.#addWatches(r, gvk)
    if (has("create")) {
      this.put(
        { path: collection, method: "post", pathParams: nsParams },
        {
          action: "post",
          id: `create${this.camel}${name}`,
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
      )
    }
    if (has("deletecollection")) {
      this.put(
        { path: collection, method: "delete", pathParams: nsParams },
        {
          action: "deletecollection",
          id: `delete${this.camel}Collection${name}`,
          description: `delete collection of ${r.kind}`,
          gvk,
          params: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p.name !== "watch")],
          body: { media: ["application/json"], ref: `${META}.DeleteOptions` },
          responses: { "200": ["OK", status, MEDIA] },
        },
      )
    }
    this.addObject(r, { path: `${collection}/{name}`, gvk, def })
    for (const sub of r.subresources)
      addSubresource(this, {
        resource: r,
        sub,
        path: `${collection}/{name}/${sub.name}`,
        ...(defs && !sub.kind ? { def: defs.item } : {}),
      })
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
    const event = this.ref(`${META}.WatchEvent`)
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
    this.put(
      { path: `${prefix}/${r.resource}`, method: "get", pathParams: [...LIST_PARAMS, ...nsParams] },
      watch("watchlist", `watch${this.camel}${scope}${kind}List`, `watch changes to a list of ${kind}`),
    )
    this.put(
      {
        path: `${prefix}/${r.resource}/{name}`,
        method: "get",
        pathParams: [...LIST_PARAMS, PARAM.name, ...nsParams],
      },
      watch("watch", `watch${this.camel}${scope}${kind}`, `watch changes to an object of kind ${kind}`),
    )
    if (r.namespaced) {
      this.put(
        { path: `${this.#base}/watch/${r.resource}`, method: "get", pathParams: LIST_PARAMS },
        watch(
          "watchlist",
          `watch${this.camel}${kind}ListForAllNamespaces`,
          `watch changes to a list of ${kind}`,
        ),
      )
    }
  }

  /** get, put, patch and delete of one object (or of a subresource that is the object itself). */
  addObject(r: ResourceInfo, at: ObjectAt): void {
    const { path, gvk, def, sub = "", verbs = r.verbs } = at
    const obj = this.ref(def)
    const scope = r.namespaced ? "Namespaced" : ""
    const name = `${scope}${r.kind}${capitalize(sub)}`
    const what = sub ? `${sub} of the specified ${r.kind}` : `the specified ${r.kind}`
    const params = [PARAM.name, ...(r.namespaced ? [PARAM.namespace] : [])]
    const put = (method: string, op: Operation) => this.put({ path, method, pathParams: params }, op)
    if (verbs.includes("get")) {
      put("get", {
        action: "get",
        id: `read${this.camel}${name}`,
        description: `read ${what}`,
        gvk,
        responses: { "200": ["OK", obj, MEDIA] },
      })
    }
    if (verbs.includes("update")) {
      put("put", {
        action: "put",
        id: `replace${this.camel}${name}`,
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
        id: `patch${this.camel}${name}`,
        description: `partially update ${what}`,
        gvk,
        params: PATCH_PARAMS,
        // Custom resources take no strategic merge patch (kubectl then sends a merge patch).
        body: {
          media: r.custom ? PATCH_MEDIA.filter((m) => !m.startsWith("application/strategic")) : PATCH_MEDIA,
          ref: `${META}.Patch`,
        },
        responses: { "200": ["OK", obj, MEDIA], "201": ["Created", obj, MEDIA] },
      })
    }
    if (verbs.includes("delete") && !sub) {
      const status = this.ref(`${META}.Status`)
      put("delete", {
        action: "delete",
        id: `delete${this.camel}${name}`,
        description: `delete ${article(r.kind)}`,
        gvk,
        params: DELETE_PARAMS,
        body: { media: ["application/json"], ref: `${META}.DeleteOptions` },
        responses: { "200": ["OK", status, MEDIA], "202": ["Accepted", status, MEDIA] },
      })
    }
  }
}
