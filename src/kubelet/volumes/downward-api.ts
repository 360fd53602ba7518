/**
 * The downwardAPI volume (and projection): pod fields (name, namespace, uid, labels,
 * annotations) and container resources as files, as upstream's CollectData writes them; labels
 * and annotations as sorted `key="value"` lines.
 */
import type { DownwardAPIVolumeFile, Pod } from "kubernetes-types/core/v1.js"
import { resourceValue } from "../env.ts"
import type { FileProjection } from "./atomic-writer.ts"
import { aggregate } from "./errors.ts"
import { goQuote } from "../../util/index.ts"

/** Upstream's FormatMap: `key="value"` lines in key order, no final newline. */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote((m as Record<string, string>)[k] as string)}`)
    .join("\n")
}

/** The value of a fieldRef path in a downward API volume. @throws Error for other paths */
export function podFieldValue(pod: Pod, path: string): string {
  const meta = pod.metadata ?? {}
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path)
  if (sub) return (sub[1] === "labels" ? meta.labels : meta.annotations)?.[sub[2] as string] ?? ""
  switch (path) {
    case "metadata.labels":
      return formatMap(meta.labels)
    case "metadata.annotations":
      return formatMap(meta.annotations)
    case "metadata.name":
      return meta.name ?? ""
    case "metadata.namespace":
      return meta.namespace ?? ""
    case "metadata.uid":
      return meta.uid ?? ""
    default:
      throw new Error(`unsupported fieldPath: ${path}`)
  }
}

function itemValue(pod: Pod, item: DownwardAPIVolumeFile): string {
  if (item.fieldRef) return podFieldValue(pod, item.fieldRef.fieldPath)
  const ref = item.resourceFieldRef
  if (!ref) return ""
  const name = ref.containerName ?? ""
  const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
    (x) => x.name === name,
  )
  if (!c) throw new Error(`container ${name} not found`)
  return resourceValue(c, ref)
}

/** The files of a downwardAPI volume or projection. @throws Error aggregating the items that failed */
export function downwardApiPayload(
  pod: Pod,
  opts: { readonly items: readonly DownwardAPIVolumeFile[]; readonly defaultMode: number },
): Record<string, FileProjection> {
  const out: Record<string, FileProjection> = {}
  const errors: string[] = []
  for (const item of opts.items) {
    try {
      out[item.path] = { data: Buffer.from(itemValue(pod, item)), mode: item.mode ?? opts.defaultMode }
    } catch (err) {
      errors.push((err as Error).message)
    }
  }
  if (errors.length) throw new Error(aggregate(errors))
  return out
}
