/**
 * Discovery for controllers that act on every kind (namespace deletion, garbage collection):
 * the preferred version of each served resource and its verbs, read from the API's discovery
 * documents so resources added later (custom resources) are included (client-go's
 * ServerPreferredResources, compressed).
 */
import type { ResourceRef } from "../../api/index.ts"
import type { Client } from "../../client/index.ts"

/** One served resource at its group's preferred version. */
export interface DiscoveredResource extends ResourceRef {
  readonly verbs: readonly string[]
}

/** What discovery found, and the group versions it could not read. */
export interface DiscoveryResult {
  readonly resources: readonly DiscoveredResource[]
  /** e.g. `{ "metrics.k8s.io/v1beta1": "the server is currently unable to handle the request" }`. */
  readonly failed: Readonly<Record<string, string>>
}

interface ApiResourceList {
  readonly groupVersion?: string
  readonly resources?: readonly {
    readonly name: string
    readonly namespaced?: boolean
    readonly kind: string
    readonly verbs?: readonly string[]
  }[]
}

interface ApiGroupList {
  readonly groups?: readonly {
    readonly name: string
    readonly preferredVersion?: { readonly version: string }
    readonly versions?: readonly { readonly version: string }[]
  }[]
}

function resourcesOf(group: string, version: string, list: ApiResourceList): DiscoveredResource[] {
  return (list.resources ?? [])
    .filter((r) => !r.name.includes("/")) // subresources are reached through their parent
    .map((r) => ({
      group,
      version,
      resource: r.name,
      kind: r.kind,
      namespaced: !!r.namespaced,
      verbs: r.verbs ?? [],
    }))
}

/**
 * Reads every group's preferred version. A group version that fails is reported in `failed`
 * and the rest is still returned, as upstream treats partial discovery.
 * @throws ApiError when the group list itself cannot be read
 */
export async function discoverResources(client: Client, signal?: AbortSignal): Promise<DiscoveryResult> {
  const groups = await client.request<ApiGroupList>({
    method: "GET",
    path: "/apis",
    ...(signal ? { signal } : {}),
  })
  const wanted: { group: string; version: string; path: string }[] = [
    { group: "", version: "v1", path: "/api/v1" },
  ]
  for (const g of groups.groups ?? []) {
    const version = g.preferredVersion?.version ?? g.versions?.[0]?.version
    if (version) wanted.push({ group: g.name, version, path: `/apis/${g.name}/${version}` })
  }
  const failed: Record<string, string> = {}
  const lists = await Promise.all(
    wanted.map(async (w) => {
      try {
        // No signal here: a listener per group on one signal would trip Node's leak warning.
        const list = await client.request<ApiResourceList>({ method: "GET", path: w.path })
        return resourcesOf(w.group, w.version, list)
      } catch (err) {
        failed[w.group ? `${w.group}/${w.version}` : w.version] =
          err instanceof Error ? err.message : String(err)
        return []
      }
    }),
  )
  return { resources: lists.flat(), failed }
}

/** True when the resource supports every verb in `verbs`. */
export function supportsVerbs(r: DiscoveredResource, verbs: readonly string[]): boolean {
  return verbs.every((v) => r.verbs.includes(v))
}

/**
 * Upstream's ErrGroupDiscoveryFailed message:
 * `unable to retrieve the complete list of server APIs: <gv>: <err>, ...`.
 */
export function discoveryFailureMessage(failed: Readonly<Record<string, string>>): string {
  const parts = Object.keys(failed)
    .sort()
    .map((gv) => `${gv}: ${failed[gv] ?? ""}`)
  return `unable to retrieve the complete list of server APIs: ${parts.join(", ")}`
}
