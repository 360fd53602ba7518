/** Reading and writing an HPA's target through its /scale subresource. */
import type { CrossVersionObjectReference } from "kubernetes-types/autoscaling/v2.js"
import type { Scale } from "kubernetes-types/autoscaling/v1.js"
import { BUILTIN_RESOURCES, type ResourceInfo } from "../../api/index.ts"
import type { Client } from "../../client/index.ts"

/** The served resource of a scale target reference. @throws Error when none has /scale */
export function scaleResource(ref: CrossVersionObjectReference): ResourceInfo {
  const [group, version] = (ref.apiVersion ?? "").includes("/")
    ? (ref.apiVersion as string).split("/")
    : ["", ref.apiVersion ?? "v1"]
  const info = BUILTIN_RESOURCES.find(
    (r) =>
      r.group === group &&
      (!version || r.version === version) &&
      r.kind === ref.kind &&
      r.subresources.some((s) => s.name === "scale"),
  )
  if (!info) throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`)
  return info
}

/** GET the target's Scale. */
export function getScale(
  client: Client,
  info: ResourceInfo,
  namespace: string,
  name: string,
): Promise<Scale> {
  return client.request<Scale>({ method: "GET", ref: info, namespace, name, subresource: "scale" })
}

/** PUT the target's Scale with `replicas`. */
export function updateScale(
  client: Client,
  info: ResourceInfo,
  scale: Scale,
  replicas: number,
): Promise<Scale> {
  const { namespace = "", name = "" } = scale.metadata ?? {}
  return client.request<Scale>({
    method: "PUT",
    ref: info,
    namespace,
    name,
    subresource: "scale",
    body: { ...scale, spec: { ...scale.spec, replicas } },
  })
}
