/**
 * The configMap volume (and projection): the ConfigMap's keys as files, read through the client
 * on every sync so the files follow updates.
 */
import type { ConfigMapProjection, ConfigMapVolumeSource } from "kubernetes-types/core/v1.js"
import { ConfigMaps, isNotFound } from "../../api/index.ts"
import type { Client } from "../../client/index.ts"
import type { FileProjection } from "./atomic-writer.ts"
import { keysPayload } from "./key-payload.ts"

/** Upstream's default mode of configMap, secret, downwardAPI and projected files. */
export const DEFAULT_MODE = 0o644

/** The decoded data of ConfigMap `name`, or undefined when it does not exist. */
async function configMapData(
  client: Client,
  namespace: string,
  name: string,
): Promise<Map<string, Buffer> | undefined> {
  try {
    const cm = await client.resource(ConfigMaps).get({ namespace, name })
    const data = new Map<string, Buffer>()
    for (const [k, v] of Object.entries(cm.data ?? {})) data.set(k, Buffer.from(v))
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(v, "base64"))
    return data
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

/**
 * The files of a configMap volume or projection.
 * @throws Error `configmap "x" not found` (unless optional), or naming a missing key
 */
export async function configMapPayload(
  client: Client,
  opts: {
    readonly namespace: string
    readonly source: ConfigMapVolumeSource | ConfigMapProjection
    readonly defaultMode: number
  },
): Promise<Record<string, FileProjection>> {
  const name = opts.source.name ?? ""
  const optional = opts.source.optional === true
  const data = await configMapData(client, opts.namespace, name)
  if (!data && !optional) throw new Error(`configmap "${name}" not found`)
  return keysPayload({
    data: data ?? new Map(),
    ...(opts.source.items ? { items: opts.source.items } : {}),
    defaultMode: opts.defaultMode,
    optional,
    missingKey: "configmap references non-existent config key",
  })
}
