/**
 * The params a binding evaluates its policy with, as upstream's CollectParams finds them: none
 * needed (no paramKind, or no paramRef) is one null param; otherwise the object paramRef names,
 * or those its selector selects, in paramRef's namespace, else the request's (a namespaced
 * paramKind with neither fails); none found is an error under parameterNotFoundAction Deny and
 * no evaluation under Allow. Params are read from the watch cache, at the paramKind's version.
 */
import type { ParamKind, ParamRef } from "kubernetes-types/admissionregistration/v1.js"
import { type ApiObject, type ResourceInfo, selectorMatcher } from "../../api/index.ts"

/** Where params are read from. */
export interface ParamSource {
  /** The served resource of `kind` at `group`/`version`, if the server has one. */
  resolve(group: string, version: string, kind: string): ResourceInfo | undefined
  /**
   * The objects of `info`, at its version: those of `namespace`, or all of them for a
   * cluster-scoped resource (namespace "").
   */
  list(info: ResourceInfo, namespace: string): readonly ApiObject[]
  /** The object of `info` named `name` in `namespace` ("" when cluster-scoped), at its version. */
  get(info: ResourceInfo, namespace: string, name: string): ApiObject | undefined
}

/** A paramKind's group, version and kind, as upstream's schema.ParseGroupVersion reads apiVersion. */
export function paramKindOf(pk: ParamKind): { group: string; version: string; kind: string } {
  const apiVersion = pk.apiVersion ?? ""
  const slash = apiVersion.indexOf("/")
  const group = slash < 0 ? "" : apiVersion.slice(0, slash)
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1)
  return { group, version, kind: pk.kind ?? "" }
}

/** A GroupVersionKind as Go's String() prints it: `apps/v1, Kind=Deployment`. */
export function gvkString(gvk: { group: string; version: string; kind: string }): string {
  return `${gvk.group}/${gvk.version}, Kind=${gvk.kind}`
}

function byNamespacedName(a: ApiObject, b: ApiObject): number {
  const x = `${a.metadata?.namespace ?? ""}/${a.metadata?.name ?? ""}`
  const y = `${b.metadata?.namespace ?? ""}/${b.metadata?.name ?? ""}`
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * The params of one binding for a request in `namespace`: `[null]` when none are needed, else
 * the objects found (possibly none). `info` is the paramKind's resource (given with a paramKind).
 * @throws Error with upstream's words when the reference cannot be followed or nothing is found
 * under parameterNotFoundAction Deny
 */
export function collectParams(
  paramKind: ParamKind | undefined,
  info: ResourceInfo | undefined,
  paramRef: ParamRef | undefined,
  namespace: string,
  source: ParamSource,
): readonly (ApiObject | null)[] {
  if (!paramKind || !paramRef || !info) return [null]
  let paramsNamespace = ""
  if (info.namespaced) {
    paramsNamespace = paramRef.namespace || namespace
    if (!paramsNamespace)
      throw new Error(
        "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources",
      )
  } else if (paramRef.namespace) {
    throw new Error("paramRef.namespace must not be provided for a cluster-scoped `paramKind`")
  }
  let params: ApiObject[]
  if (paramRef.name) {
    if (paramRef.selector) throw new Error("paramRef.name and paramRef.selector are mutually exclusive")
    const param = source.get(info, paramsNamespace, paramRef.name)
    params = param ? [param] : []
  } else if (paramRef.selector) {
    const selects = selectorMatcher(paramRef.selector)
    params = source
      .list(info, paramsNamespace)
      .filter((o) => selects(o.metadata?.labels ?? {}))
      .sort(byNamespacedName)
  } else {
    throw new Error("one of name or selector must be provided")
  }
  if (params.length === 0 && paramRef.parameterNotFoundAction === "Deny")
    throw new Error("no params found for policy binding with `Deny` parameterNotFoundAction")
  return params
}
