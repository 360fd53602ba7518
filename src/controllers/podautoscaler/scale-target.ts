/**
 * Reading and writing an HPA's target through its /scale subresource, for any kind that has one:
 * built-in resources directly, others (custom resources with a scale subresource) found through
 * discovery, as upstream's scale client does with a RESTMapper that is reset when a kind is not
 * found.
 */
import type { CrossVersionObjectReference } from "kubernetes-types/autoscaling/v2.js"
import type { Scale } from "kubernetes-types/autoscaling/v1.js"
import { BUILTIN_RESOURCES, type ResourceRef } from "../../api/index.ts"
import type { Client } from "../../client/index.ts"

interface ApiResourceList {
  readonly resources?: readonly {
    readonly name: string
    readonly namespaced?: boolean
    readonly kind: string
  }[]
}

interface ApiGroup {
  readonly preferredVersion?: { readonly version: string }
  readonly versions?: readonly { readonly version: string }[]
}

function splitApiVersion(apiVersion: string | undefined): { group: string; version: string } {
  const v = apiVersion ?? ""
  const slash = v.indexOf("/")
  if (slash < 0) return { group: "", version: v || "v1" }
  return { group: v.slice(0, slash), version: v.slice(slash + 1) }
}

/** The resource of `kind` in a discovery document, when it serves /scale. */
function scalableIn(list: ApiResourceList, group: string, version: string, kind: string) {
  const names = new Set((list.resources ?? []).map((r) => r.name))
  const r = (list.resources ?? []).find(
    (x) => x.kind === kind && !x.name.includes("/") && names.has(`${x.name}/scale`),
  )
  return r ? { group, version, resource: r.name, kind, namespaced: !!r.namespaced } : undefined
}

/**
 * Maps scale target references to served resources. Discovery documents are remembered per
 * group version and read again when a kind is not found in them (a CRD created later).
 */
export class ScaleTargets {
  readonly #client: Client
  readonly #lists = new Map<string, ApiResourceList>()

  constructor(client: Client) {
    this.#client = client
  }

  /** The resource serving `ref`'s /scale. @throws Error `no matches for kind ...` when none does */
  async resolve(ref: CrossVersionObjectReference): Promise<ResourceRef> {
    const { group, version } = splitApiVersion(ref.apiVersion)
    const builtin = BUILTIN_RESOURCES.find(
      (r) =>
        r.group === group &&
        r.version === version &&
        r.kind === ref.kind &&
        r.subresources.some((s) => s.name === "scale"),
    )
    if (builtin) return builtin
    const gv = group ? `${group}/${version}` : version
    const cached = this.#lists.get(gv)
    const hit = cached && scalableIn(cached, group, version, ref.kind)
    if (hit) return hit
    const d = await this.#discover(group, version)
    if (d && d.version === version) this.#lists.set(gv, d.list)
    const found = d && scalableIn(d.list, group, d.version, ref.kind)
    if (!found) throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`)
    return found
  }

  /** The discovery document of the group version, or of the group's preferred version. */
  async #discover(
    group: string,
    version: string,
  ): Promise<{ list: ApiResourceList; version: string } | undefined> {
    const get = (path: string) => this.#client.request<ApiResourceList>({ method: "GET", path })
    try {
      return { list: await get(group ? `/apis/${group}/${version}` : `/api/${version}`), version }
    } catch {
      // An unknown version: upstream's mapper then tries the group's other versions.
      if (!group) return undefined
      try {
        const g = await this.#client.request<ApiGroup>({ method: "GET", path: `/apis/${group}` })
        const preferred = g.preferredVersion?.version ?? g.versions?.[0]?.version
        if (!preferred || preferred === version) return undefined
        return { list: await get(`/apis/${group}/${preferred}`), version: preferred }
      } catch {
        return undefined
      }
    }
  }
}

/** GET the target's Scale (autoscaling/v1). */
export function getScale(client: Client, ref: ResourceRef, namespace: string, name: string): Promise<Scale> {
  return client.request<Scale>({ method: "GET", ref, namespace, name, subresource: "scale" })
}

/** PUT the target's Scale with `replicas`. */
export function updateScale(
  client: Client,
  ref: ResourceRef,
  scale: Scale,
  replicas: number,
): Promise<Scale> {
  const { namespace = "", name = "" } = scale.metadata ?? {}
  return client.request<Scale>({
    method: "PUT",
    ref,
    namespace,
    name,
    subresource: "scale",
    body: { apiVersion: "autoscaling/v1", kind: "Scale", ...scale, spec: { ...scale.spec, replicas } },
  })
}
