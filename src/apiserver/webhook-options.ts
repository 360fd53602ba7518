/**
 * The admission webhooks' view of the server (its watch cache, resource table, store and
 * conversions), from which the webhook admission plugins are made.
 */
import { type ApiObject, notFound, type ResourceInfo } from "../api/index.ts"
import type { Store } from "../storage/index.ts"
import type { Logger } from "../util/index.ts"
import type { Authorizer } from "./authz.ts"
import type { ResourceTable } from "./crd/resource-table.ts"
import { builtinTypeOf } from "./decode-types.ts"
import { pruneUnknownFields } from "./field-validation.ts"
import { withoutOmittedZeros } from "./omit-zero.ts"
import { decode } from "./registry/context.ts"
import { prefixOf, servedOf } from "./served.ts"
import type { WatchCache } from "./watch-cache.ts"
import { cacheServiceResolver, WebhookSource, type WebhookAdmissionOptions } from "./webhook/index.ts"

/** What the admission webhook plugins are made from. */
export interface WebhookParts {
  readonly cache: WatchCache
  /** The server's authorizer, for CEL's `authorizer` in conditions and policies. */
  readonly authorize: Authorizer
  readonly table: ResourceTable
  readonly store: Store
  readonly convert: (obj: ApiObject, info: ResourceInfo, toVersion: string) => ApiObject
  readonly defaults: (info: ResourceInfo, obj: ApiObject) => void
  readonly log: Logger
}

/** The admission webhooks' view of the server: its caches, resources and conversions. */
export function webhookOptions(p: WebhookParts): WebhookAdmissionOptions {
  const ar = "admissionregistration.k8s.io"
  const source = new WebhookSource(
    p.cache.resource(prefixOf(ar, "v1", "mutatingwebhookconfigurations")),
    p.cache.resource(prefixOf(ar, "v1", "validatingwebhookconfigurations")),
    p.cache,
  )
  const namespaces = p.cache.resource(prefixOf("", "v1", "namespaces"))
  const servicesPrefix = prefixOf("", "v1", "services")
  const slicesPrefix = prefixOf("discovery.k8s.io", "v1", "endpointslices")
  return {
    source,
    match: {
      // From the cache; a namespace it does not have yet is read from the store, as upstream.
      async namespaceLabels(name) {
        const key = `${namespaces.prefix}${name}`
        let ns = namespaces.objects.get(key)
        if (!ns) {
          const e = await p.store.get(key)
          if (e) ns = decode(e.value, e.revision)
        }
        if (!ns) throw notFound({ resource: "namespaces" }, name)
        return ns.metadata?.labels
      },
      equivalents(info) {
        const prefix = servedOf(info).prefix
        return p.table.all().filter((i) => servedOf(i).prefix === prefix)
      },
      authorize: p.authorize,
    },
    resolve: cacheServiceResolver({
      services: p.cache.resource(servicesPrefix).objects,
      servicesPrefix,
      slices: p.cache.resource(slicesPrefix).objects,
      slicesPrefix,
    }),
    convert: (obj, from, to) => p.convert(obj, from, to.version),
    decode(info, obj) {
      const type = builtinTypeOf(info)
      if (!type) return obj
      pruneUnknownFields(obj, type)
      return withoutOmittedZeros(type, obj) as ApiObject
    },
    defaults: p.defaults,
    log: p.log,
  }
}
