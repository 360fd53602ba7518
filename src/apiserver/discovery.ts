/**
 * Discovery documents: legacy (/api, /apis, /apis/G/V) and aggregated (apidiscovery.k8s.io/v2).
 * They list what this server serves itself. A group version only an APIService with a service
 * names is left out: k8ts does not proxy to extension servers, and listing it (upstream lists an
 * unreachable one as Stale) would make kubectl, helm and namespace deletion report it failed for good.
 */
import { type ResourceInfo, groupVersion } from "../api/index.ts"

/** The served resources of one group version. */
interface GroupVersion {
  readonly group: string
  readonly version: string
  readonly resources: ResourceInfo[]
}

/** Groups the resources by group and version, keeping the registry's order (preferred version first). */
export function groupVersions(resources: readonly ResourceInfo[]): GroupVersion[] {
  const out: GroupVersion[] = []
  for (const r of resources) {
    let gv = out.find((g) => g.group === r.group && g.version === r.version)
    if (!gv) {
      gv = { group: r.group, version: r.version, resources: [] }
      out.push(gv)
    }
    gv.resources.push(r)
  }
  return out
}

/** GET /api (legacy APIVersions). */
export function apiVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  }
}

function groupNames(resources: readonly ResourceInfo[]): string[] {
  return [...new Set(resources.filter((r) => r.group).map((r) => r.group))]
}

/** One APIGroup (legacy). */
export function apiGroup(resources: readonly ResourceInfo[], group: string) {
  const versions = groupVersions(resources)
    .filter((g) => g.group === group)
    .map((g) => ({ groupVersion: groupVersion(g), version: g.version }))
  if (versions.length === 0) return undefined
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions, preferredVersion: versions[0] }
}

/** GET /apis (legacy APIGroupList). */
export function apiGroupList(resources: readonly ResourceInfo[]) {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groupNames(resources).map((g) => {
      const {
        kind: _k,
        apiVersion: _a,
        ...rest
      } = apiGroup(resources, g) as NonNullable<ReturnType<typeof apiGroup>>
      return rest
    }),
  }
}

/** GET /api/v1 or /apis/G/V (legacy APIResourceList), or undefined when not served. */
export function apiResourceList(resources: readonly ResourceInfo[], group: string, version: string) {
  const list = resources.filter((r) => r.group === group && r.version === version)
  if (list.length === 0) return undefined
  const out: Record<string, unknown>[] = []
  for (const r of list) {
    out.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    })
    for (const sub of r.subresources) {
      out.push({
        name: `${r.resource}/${sub.name}`,
        singularName: "",
        namespaced: r.namespaced,
        ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}),
        kind: sub.kind ?? r.kind,
        verbs: sub.verbs,
      })
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion({ group, version }),
    resources: out,
  }
}

function discoveryResource(r: ResourceInfo) {
  return {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? "Namespaced" : "Cluster",
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: {
              group: s.group ?? r.group,
              version: s.version ?? r.version,
              kind: s.kind ?? r.kind,
            },
            verbs: s.verbs,
          })),
        }
      : {}),
  }
}

/** Aggregated discovery (APIGroupDiscoveryList) for /api (core) or /apis (named groups). */
export function aggregatedDiscovery(resources: readonly ResourceInfo[], core: boolean, version = "v2") {
  const gvs = groupVersions(resources).filter((g) => (g.group === "") === core)
  const groups = core ? [""] : groupNames(resources)
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((group) => ({
      metadata: group ? { name: group } : {},
      versions: gvs
        .filter((g) => g.group === group)
        .map((g) => ({
          version: g.version,
          resources: g.resources.map(discoveryResource),
          freshness: "Current",
        })),
    })),
  }
}

/** The Content-Type of an aggregated discovery response. */
export function aggregatedContentType(version: string): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`
}
