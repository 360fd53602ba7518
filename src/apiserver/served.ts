/**
 * The storage view of each served resource (its key prefix and storage version), made once per
 * resource: every request asks.
 */
import { type ResourceInfo, findResource } from "../api/index.ts"
import type { Served } from "./registry/context.ts"

const servedViews = new WeakMap<ResourceInfo, Served>()

/** The storage view of a served resource (made once per resource: every request asks). */
export function servedOf(info: ResourceInfo): Served {
  let s = servedViews.get(info)
  if (!s) {
    s = makeServed(info)
    servedViews.set(info, s)
  }
  return s
}

function makeServed(info: ResourceInfo): Served {
  const group = info.storageGroup ?? info.group
  const prefix = group ? `/registry/${group}/${info.resource}/` : `/registry/${info.resource}/`
  return { info, prefix, storageVersion: info.storageVersion ?? info.version, storageGroup: group }
}

/** The key prefix of a built-in resource, e.g. "/registry/namespaces/". */
export function prefixOf(group: string, version: string, resource: string): string {
  return servedOf(findResource(group, version, resource) as ResourceInfo).prefix
}
