/**
 * The kubelet's volume manager: sets up each pod's volumes under `<root>/pods/<uid>/volumes`
 * before its containers start (upstream's layout and FailedMount events), refreshes the
 * API-data volumes (configMap, secret, downwardAPI, projected) on every sync so they follow
 * updates, resolves each container's mounts (volumes, subPaths and the kubelet-managed files),
 * and removes the pod's directory when the pod is torn down.
 */
import type { Container, Pod, Volume } from "kubernetes-types/core/v1.js"
import { readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import type { ApiObject } from "../../api/index.ts"
import type { Client, EventRecorder } from "../../client/index.ts"
import { type Logger, silentLogger } from "../../util/index.ts"
import { unmountUnder } from "./empty-dir.ts"
import { VolumeProcessError } from "./errors.ts"
import { type ManagedFiles, managedFiles, type NodeDnsOptions } from "./managed-files.ts"
import { podDir } from "./paths.ts"
import { spreadSubfolders } from "../spread-folders.ts"
import { dnsTypeOf } from "./resolv-conf.ts"
import { ServiceAccountTokens } from "./service-account-token.ts"
import { type PluginContext, type ProcessedVolume, processVolume } from "./volume-plugins.ts"
import { type MountedVolume, volumeMounts } from "./volume-mounts.ts"

/** Options of VolumeManager. */
export interface VolumeManagerOptions {
  readonly client: Client
  /** The kubelet's root directory (upstream's --root-dir). */
  readonly root: string
  readonly dns: NodeDnsOptions
  readonly now?: () => number
  readonly log?: Logger
  /** The size of a memory-backed emptyDir without sizeLimit (default: the node's memory). */
  readonly nodeMemoryBytes?: number
}

/** What the manager holds about one pod. */
interface PodVolumes {
  readonly mounted: Map<string, MountedVolume>
  /** Set-up attempts that left a volume unmounted, in a row (for the back-off). */
  failures: number
  warnedDns: boolean
}

/** Upstream's back-off between mount attempts: 500 ms doubling to 2 m 2 s. */
const BACKOFF_INITIAL_MS = 500
const BACKOFF_MAX_MS = 122_000

const NO_CLUSTER_DNS =
  'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.'

/** Upstream's pod name in events: `name_namespace(uid)`. */
function podLabel(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`
}

/** Options of VolumeManager.mounts. */
export interface ContainerMountOptions {
  readonly podIPs: readonly string[]
  /** The container's environment (for subPathExpr). */
  readonly env: Readonly<Record<string, string>>
  readonly events: EventRecorder
}

/** Sets up pod volumes and resolves container mounts. */
export class VolumeManager {
  readonly #o: VolumeManagerOptions
  readonly #ctx: PluginContext
  readonly #log: Logger
  readonly #pods = new Map<string, PodVolumes>()

  constructor(opts: VolumeManagerOptions) {
    this.#o = opts
    this.#log = opts.log ?? silentLogger()
    this.#ctx = {
      client: opts.client,
      root: opts.root,
      tokens: new ServiceAccountTokens(opts.client, opts.now ?? Date.now),
      log: this.#log,
      ...(opts.nodeMemoryBytes !== undefined ? { nodeMemoryBytes: opts.nodeMemoryBytes } : {}),
    }
  }

  /**
   * Makes `<root>/pods`, each of whose sub-folders is one pod's tree: spread over the file
   * system's groups (spread-folders.ts). Resolves whether or not that could be done.
   */
  init(): Promise<void> {
    return spreadSubfolders([join(this.#o.root, "pods")])
  }

  #state(uid: string): PodVolumes {
    let s = this.#pods.get(uid)
    if (!s) {
      s = { mounted: new Map(), failures: 0, warnedDns: false }
      this.#pods.set(uid, s)
    }
    return s
  }

  /** Sets up (or refreshes) one volume; returns the processing error, if any. */
  async #setUpOne(pod: Pod, v: Volume, s: PodVolumes, events: EventRecorder): Promise<string | undefined> {
    let processed: ProcessedVolume
    try {
      processed = await processVolume(this.#ctx, pod, v)
    } catch (err) {
      if (err instanceof VolumeProcessError) return err.message
      throw err
    }
    try {
      s.mounted.set(v.name, await processed.setUp())
    } catch (err) {
      const message = `MountVolume.SetUp failed for volume "${processed.specName}" : ${(err as Error).message}`
      this.#log.warn(
        { pod: podLabel(pod), volume: v.name, err: (err as Error).message },
        "Cannot set up a volume",
      )
      events.event(pod as ApiObject, "Warning", "FailedMount", message)
    }
    return undefined
  }

  /**
   * Sets up the pod's volumes, or refreshes those whose contents come from the API. Returns 0
   * once every volume is mounted, else the milliseconds before trying again (FailedMount events
   * say why). A volume mounted once stays usable when a refresh fails.
   */
  async setUp(pod: Pod, events: EventRecorder): Promise<number> {
    const s = this.#state(pod.metadata?.uid ?? "")
    const volumes = pod.spec?.volumes ?? []
    const unprocessed: string[] = []
    const errors: string[] = []
    for (const v of volumes) {
      // Only volumes whose contents come from the API change once set up.
      if (s.mounted.has(v.name) && !isApiData(v)) continue
      const err = await this.#setUpOne(pod, v, s, events)
      if (err) {
        unprocessed.push(v.name)
        errors.push(err)
      }
    }
    const unmounted = volumes.filter((v) => !s.mounted.has(v.name)).map((v) => v.name)
    if (errors.length) {
      const list = (names: string[]) => `[${[...names].sort().join(" ")}]`
      events.event(
        pod as ApiObject,
        "Warning",
        "FailedMount",
        `Unable to attach or mount volumes: unmounted volumes=${list(unmounted)}, unattached volumes=[], failed to process volumes=${list(unprocessed)}: ${errors.join("; ")}`,
      )
    }
    if (!unmounted.length) {
      s.failures = 0
      return 0
    }
    const wait = Math.min(BACKOFF_INITIAL_MS * 2 ** s.failures, BACKOFF_MAX_MS)
    s.failures++
    return wait
  }

  /** The volumes of a pod that are set up, by name. */
  volumes(uid: string): ReadonlyMap<string, MountedVolume> {
    return this.#pods.get(uid)?.mounted ?? new Map()
  }

  /**
   * The mounts of one start of container `c`: its volumeMounts, then /etc/hosts,
   * /etc/resolv.conf and the termination-message file.
   * @throws ContainerConfigError for an unknown volume or a bad subPath
   */
  async mounts(pod: Pod, c: Container, opts: ContainerMountOptions): Promise<ManagedFiles> {
    const s = this.#state(pod.metadata?.uid ?? "")
    const own = volumeMounts(c, { volumes: s.mounted, env: opts.env })
    const dns = this.#o.dns
    if (!s.warnedDns && dnsTypeOf(pod) === "Cluster" && !dns.clusterDNS.length) {
      s.warnedDns = true
      opts.events.event(
        pod as ApiObject,
        "Warning",
        "MissingClusterDNS",
        `pod: "${podLabel(pod)}". ${NO_CLUSTER_DNS}`,
      )
    }
    const managed = await managedFiles(pod, c, {
      root: this.#o.root,
      podIPs: opts.podIPs,
      dns,
      volumeMounts: own,
    })
    for (const w of managed.dnsWarnings) opts.events.event(pod as ApiObject, "Warning", "DNSConfigForming", w)
    return { ...managed, mounts: [...own, ...managed.mounts] }
  }

  /** Removes everything the pod had on the node (its whole pod directory). */
  tearDown(uid: string): void {
    if (!uid) return
    this.#pods.delete(uid)
    this.#ctx.tokens.forget(uid)
    this.#removePodDir(uid)
  }

  /** Unmounts what the pod's volumes mounted (memory-backed emptyDirs), then removes its directory. */
  #removePodDir(uid: string): void {
    const dir = podDir(this.#o.root, uid)
    try {
      unmountUnder(join(dir, "volumes"))
    } catch (err) {
      this.#log.error({ uid, err: (err as Error).message }, "Unmounting the pod's volumes failed")
      return // removing the directory would delete the contents of what is still mounted
    }
    rmSync(dir, { recursive: true, force: true })
  }

  /** Removes the directories of pods not in `live` (left by a previous run). */
  cleanOrphans(live: ReadonlySet<string>): void {
    let uids: string[]
    try {
      uids = readdirSync(join(this.#o.root, "pods"))
    } catch {
      return
    }
    for (const uid of uids) {
      if (live.has(uid) || this.#pods.has(uid)) continue
      this.#log.info({ uid }, "Removing the directory of a pod that is gone")
      this.#removePodDir(uid)
    }
  }
}

/** Volumes whose contents come from the API and are refreshed on every sync. */
function isApiData(v: Volume): boolean {
  return !!(v.configMap || v.secret || v.downwardAPI || v.projected)
}
