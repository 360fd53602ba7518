/**
 * Which plugin sets up each kind of pod volume, and how: emptyDir, configMap, secret,
 * downwardAPI, projected (written with the atomic writer), hostPath (type-checked),
 * persistentVolumeClaim and ephemeral (through the bound PV's path).
 */
import type { Pod, Volume } from "kubernetes-types/core/v1.js"
import type { Client } from "../../client/index.ts"
import type { Logger } from "../../util/index.ts"
import { type Payload, writeAtomically } from "./atomic-writer.ts"
import { configMapPayload, DEFAULT_MODE } from "./config-map.ts"
import { downwardApiPayload } from "./downward-api.ts"
import { setUpEmptyDir } from "./empty-dir.ts"
import { VolumeProcessError } from "./errors.ts"
import { checkHostPathType } from "./host-path.ts"
import { volumeDir } from "./paths.ts"
import { resolveClaim } from "./persistent-volume-claim.ts"
import { projectedPayload } from "./projected.ts"
import { secretPayload } from "./secret.ts"
import type { ServiceAccountTokens } from "./service-account-token.ts"
import type { MountedVolume } from "./volume-mounts.ts"

/** What the plugins use. */
export interface PluginContext {
  readonly client: Client
  /** The kubelet's root directory. */
  readonly root: string
  readonly tokens: ServiceAccountTokens
  readonly log?: Logger
  /** The size of a memory-backed emptyDir without sizeLimit (default: the node's memory). */
  readonly nodeMemoryBytes?: number
}

/** A volume a plugin accepted: the name its events use, and its set-up. */
export interface ProcessedVolume {
  /** The name in mount events (a claim's PersistentVolume name, else the pod's volume name). */
  readonly specName: string
  /** Makes the volume ready. @throws Error with upstream's message */
  setUp(): Promise<MountedVolume>
}

/** An API-data volume written by the atomic writer under the pod's directory. */
function dataVolume(
  ctx: PluginContext,
  pod: Pod,
  v: Volume,
  plugin: string,
  payload: () => Promise<Payload>,
) {
  const path = volumeDir(ctx.root, pod.metadata?.uid ?? "", `kubernetes.io~${plugin}`, v.name)
  return {
    specName: v.name,
    async setUp(): Promise<MountedVolume> {
      writeAtomically(path, await payload())
      return { path, readOnly: true }
    },
  }
}

function hostPathVolume(
  specName: string,
  path: string,
  type: string | undefined,
  readOnly: boolean,
): ProcessedVolume {
  return {
    specName,
    async setUp(): Promise<MountedVolume> {
      checkHostPathType(path, type)
      return { path, readOnly }
    },
  }
}

function noPlugin(v: Volume): VolumeProcessError {
  return new VolumeProcessError(
    `failed to get Plugin from volumeSpec for volume "${v.name}" err=no volume plugin matched`,
  )
}

/**
 * Finds the plugin of volume `v` (resolving claims to their PersistentVolume).
 * @throws VolumeProcessError when no plugin handles it or its claim is not usable
 */
export async function processVolume(ctx: PluginContext, pod: Pod, v: Volume): Promise<ProcessedVolume> {
  const namespace = pod.metadata?.namespace ?? "default"
  const emptyDir = v.emptyDir
  if (emptyDir) {
    const path = volumeDir(ctx.root, pod.metadata?.uid ?? "", "kubernetes.io~empty-dir", v.name)
    return {
      specName: v.name,
      async setUp(): Promise<MountedVolume> {
        setUpEmptyDir(path, emptyDir, {
          ...(ctx.log ? { log: ctx.log } : {}),
          ...(ctx.nodeMemoryBytes !== undefined ? { nodeMemoryBytes: ctx.nodeMemoryBytes } : {}),
        })
        return { path, readOnly: false }
      },
    }
  }
  if (v.hostPath) return hostPathVolume(v.name, v.hostPath.path, v.hostPath.type, false)
  if (v.persistentVolumeClaim || v.ephemeral) {
    const claim = await resolveClaim(ctx.client, pod, v)
    return hostPathVolume(claim.pvName, claim.path, claim.hostPathType, claim.readOnly)
  }
  const configMap = v.configMap
  if (configMap) {
    const defaultMode = configMap.defaultMode ?? DEFAULT_MODE
    return dataVolume(ctx, pod, v, "configmap", () =>
      configMapPayload(ctx.client, { namespace, source: configMap, defaultMode }),
    )
  }
  const secret = v.secret
  if (secret) {
    const defaultMode = secret.defaultMode ?? DEFAULT_MODE
    return dataVolume(ctx, pod, v, "secret", () =>
      secretPayload(ctx.client, { namespace, source: secret, defaultMode }),
    )
  }
  const downward = v.downwardAPI
  if (downward) {
    const defaultMode = downward.defaultMode ?? DEFAULT_MODE
    return dataVolume(ctx, pod, v, "downward-api", async () =>
      downwardApiPayload(pod, { items: downward.items ?? [], defaultMode }),
    )
  }
  const projected = v.projected
  if (projected) return dataVolume(ctx, pod, v, "projected", () => projectedPayload(ctx, pod, projected))
  throw noPlugin(v)
}
