/**
 * The projected volume: configMap, secret, downwardAPI and serviceAccountToken sources merged
 * into one directory, as upstream's collectData does (errors of all sources aggregated).
 * clusterTrustBundle sources are skipped when optional and fail otherwise (not supported).
 */
import type { Pod, ProjectedVolumeSource, VolumeProjection } from "kubernetes-types/core/v1.js"
import type { Client } from "../../client/index.ts"
import type { FileProjection } from "./atomic-writer.ts"
import { configMapPayload, DEFAULT_MODE } from "./config-map.ts"
import { downwardApiPayload } from "./downward-api.ts"
import { aggregate } from "./errors.ts"
import { secretPayload } from "./secret.ts"
import type { ServiceAccountTokens } from "./service-account-token.ts"

/** What a projected volume reads. */
export interface ProjectedDeps {
  readonly client: Client
  readonly tokens: ServiceAccountTokens
}

async function sourcePayload(
  deps: ProjectedDeps,
  pod: Pod,
  source: VolumeProjection,
  defaultMode: number,
): Promise<Record<string, FileProjection>> {
  const namespace = pod.metadata?.namespace ?? "default"
  if (source.configMap)
    return configMapPayload(deps.client, { namespace, source: source.configMap, defaultMode })
  if (source.secret) return secretPayload(deps.client, { namespace, source: source.secret, defaultMode })
  if (source.downwardAPI)
    return downwardApiPayload(pod, { items: source.downwardAPI.items ?? [], defaultMode })
  if (source.serviceAccountToken) {
    const token = await deps.tokens.token(pod, source.serviceAccountToken)
    return { [source.serviceAccountToken.path]: { data: Buffer.from(token), mode: defaultMode } }
  }
  const bundle = source.clusterTrustBundle
  if (bundle && !bundle.optional) throw new Error("clusterTrustBundle projections are not supported by k8ts")
  return {}
}

/** The files of a projected volume. @throws Error aggregating the sources that failed */
export async function projectedPayload(
  deps: ProjectedDeps,
  pod: Pod,
  volume: ProjectedVolumeSource,
): Promise<Record<string, FileProjection>> {
  const defaultMode = volume.defaultMode ?? DEFAULT_MODE
  const out: Record<string, FileProjection> = {}
  const errors: string[] = []
  for (const source of volume.sources ?? []) {
    try {
      Object.assign(out, await sourcePayload(deps, pod, source, defaultMode))
    } catch (err) {
      errors.push((err as Error).message)
    }
  }
  if (errors.length) throw new Error(aggregate(errors))
  return out
}
