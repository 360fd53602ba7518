/** The operations of subresources: status and scale, log, exec and friends, eviction, binding, token. */
import { type ResourceInfo, type SubresourceInfo, schema } from "../../api/index.ts"
import { EXEC_PARAMS, LOG_PARAMS, PARAM, WRITE_PARAMS } from "./parameters.ts"
import { MEDIA, STRING, article, capitalize, type OperationSink } from "./operations.ts"
import type { Gvk } from "./schemas.ts"

/** Where a subresource's operations go: its resource, the subresource, and its path. */
export interface SubresourceAt {
  readonly resource: ResourceInfo
  readonly sub: SubresourceInfo
  readonly path: string
  /** The object's definition when the table has none (a custom resource's status). */
  readonly def?: string
}

/** Adds the operations of subresource `at.sub` of `at.resource`, at `at.path`. */
export function addSubresource(b: OperationSink, at: SubresourceAt): void {
  const { resource: r, sub, path } = at
  const group = sub.group ?? r.group
  const version = sub.version ?? r.version
  const kind = sub.kind ?? r.kind
  const gvk: Gvk = { group, version, kind }
  const def = at.def ?? schema.definitionOf(group, version, kind)
  const scope = r.namespaced ? "Namespaced" : ""
  const name = `${scope}${r.kind}${capitalize(sub.name)}`
  const params = [PARAM.name, ...(r.namespaced ? [PARAM.namespace] : [])]
  if (sub.name === "log") {
    b.put(
      { path, method: "get", pathParams: params },
      {
        action: "get",
        id: `read${b.camel}${name}`,
        description: `read log of the specified ${r.kind}`,
        gvk,
        params: LOG_PARAMS,
        responses: { "200": ["OK", STRING, ["text/plain"]] },
      },
    )
    return
  }
  if (["exec", "attach", "portforward", "proxy"].includes(sub.name)) {
    addConnect(b, { resource: r, sub, path }, gvk)
    return
  }
  if (!def) return
  if (sub.verbs.includes("create")) {
    const obj = b.ref(def)
    b.put(
      { path, method: "post", pathParams: params },
      {
        action: "post",
        id: `create${b.camel}${name}`,
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
    )
  }
  b.addObject(r, { path, gvk, def, sub: sub.name, verbs: sub.verbs })
}

function addConnect(b: OperationSink, at: SubresourceAt, gvk: Gvk): void {
  const { resource: r, sub, path } = at
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
    b.put(
      { path, method: method, pathParams: params },
      {
        action: "connect",
        id: `connect${b.camel}${capitalize(method)}${scope}${r.kind}${capitalize(sub.name)}`,
        description: `connect ${method.toUpperCase()} requests to ${sub.name} of ${r.kind}`,
        gvk,
        ...(sub.name === "exec" || sub.name === "attach" ? { params: EXEC_PARAMS } : {}),
        responses: { "200": ["OK", STRING, ["*/*"]] },
      },
    )
  }
}
