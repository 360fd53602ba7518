/**
 * The secret volume (and projection): the Secret's keys as files, decoded, read through the
 * client on every sync so the files follow updates.
 */
import type { SecretProjection, SecretVolumeSource } from "kubernetes-types/core/v1.js"
import { isNotFound, Secrets } from "../../api/index.ts"
import type { Client } from "../../client/index.ts"
import type { FileProjection } from "./atomic-writer.ts"
import { keysPayload } from "./key-payload.ts"

/** The decoded data of Secret `name`, or undefined when it does not exist. */
async function secretData(
  client: Client,
  namespace: string,
  name: string,
): Promise<Map<string, Buffer> | undefined> {
  try {
    const s = await client.resource(Secrets).get({ namespace, name })
    const data = new Map<string, Buffer>()
    for (const [k, v] of Object.entries(s.data ?? {})) data.set(k, Buffer.from(v, "base64"))
    for (const [k, v] of Object.entries(s.stringData ?? {})) data.set(k, Buffer.from(v))
    return data
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

/** The source's secret name: `secretName` on a volume, `name` on a projection. */
function nameOf(source: SecretVolumeSource | SecretProjection): string {
  return ("secretName" in source ? source.secretName : (source as SecretProjection).name) ?? ""
}

/**
 * The files of a secret volume or projection.
 * @throws Error `secret "x" not found` (unless optional), or naming a missing key
 */
export async function secretPayload(
  client: Client,
  opts: {
    readonly namespace: string
    readonly source: SecretVolumeSource | SecretProjection
    readonly defaultMode: number
  },
): Promise<Record<string, FileProjection>> {
  const name = nameOf(opts.source)
  const optional = opts.source.optional === true
  const data = await secretData(client, opts.namespace, name)
  if (!data && !optional) throw new Error(`secret "${name}" not found`)
  return keysPayload({
    data: data ?? new Map(),
    ...(opts.source.items ? { items: opts.source.items } : {}),
    defaultMode: opts.defaultMode,
    optional,
    missingKey: "references non-existent secret key",
  })
}
