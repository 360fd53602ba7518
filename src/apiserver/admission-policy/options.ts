/**
 * The ValidatingAdmissionPolicy plugin's view of the server: policies, bindings and params from
 * the watch cache (params converted to the paramKind's version when stored at another), the
 * request's namespace from the cache or the store, and the served resources' conversions.
 */
import { type ApiObject, notFound, type ResourceInfo } from "../../api/index.ts"
import type { ResourceTable } from "../crd/resource-table.ts"
import { needsConversion, type Served } from "../registry/context.ts"
import type { WatchCache } from "../watch-cache.ts"
import type { MatchEnv } from "../webhook/match.ts"
import type { PolicyAdmissionOptions } from "./dispatch.ts"
import { PolicySource } from "./source.ts"
import { entriesUnder } from "../cache-objects.ts"

/** What the plugin's options are made from. */
export interface PolicyParts {
  readonly cache: WatchCache
  readonly table: ResourceTable
  readonly served: (info: ResourceInfo) => Served
  /** Converts an object of `info`'s kind to `toVersion`. */
  readonly convert: (obj: ApiObject, info: ResourceInfo, toVersion: string) => ApiObject
  /** The namespace named, from the cache or (a promise of it) from the store. */
  readonly namespace: (name: string) => ApiObject | undefined | Promise<ApiObject | undefined>
  /** How webhooks read namespaces' labels and equivalent resources (shared). */
  readonly match: MatchEnv
}

const GROUP = "admissionregistration.k8s.io"

function builtinPrefix(p: PolicyParts, resource: string): string {
  const info = p.table.find(GROUP, "v1", resource)
  if (!info) throw new TypeError(`The server does not serve ${GROUP}/v1 ${resource}`)
  return p.served(info).prefix
}

/** The plugin's options over `p`. */
export function policyAdmissionOptions(p: PolicyParts): PolicyAdmissionOptions {
  const source = new PolicySource(
    p.cache.resource(builtinPrefix(p, "validatingadmissionpolicies")),
    p.cache.resource(builtinPrefix(p, "validatingadmissionpolicybindings")),
    p.cache,
  )
  return {
    source,
    match: p.match,
    async namespace(name) {
      const ns = await p.namespace(name)
      if (!ns) throw notFound({ resource: "namespaces" }, name)
      return ns
    },
    params: {
      get(info, namespace, name) {
        const s = p.served(info)
        const obj = p.cache
          .resource(s.prefix)
          .objects.get(`${s.prefix}${namespace ? `${namespace}/` : ""}${name}`)
        return obj && (needsConversion(s) || info.custom) ? p.convert(obj, info, info.version) : obj
      },
      resolve: (group, version, kind) =>
        p.table.all().find((i) => i.group === group && i.version === version && i.kind === kind),
      list(info, namespace) {
        const s = p.served(info)
        const within = namespace ? `${s.prefix}${namespace}/` : s.prefix
        const convert = needsConversion(s) || !!info.custom
        const out: ApiObject[] = []
        for (const [, obj] of entriesUnder(p.cache.resource(s.prefix).objects, within)) {
          out.push(convert ? p.convert(obj, info, info.version) : obj)
        }
        return out
      },
    },
    convert: (obj, from, to) => p.convert(obj, from, to.version),
  }
}
