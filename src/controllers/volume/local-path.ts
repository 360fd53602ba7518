/**
 * The local-path provisioner (k3s's embedded rancher.io/local-path): a claim of its class, once
 * the scheduler picked a node (volume.kubernetes.io/selected-node), gets a directory under the
 * base dir and a hostPath PersistentVolume `pvc-<claim uid>` pinned to that node, pre-bound to
 * the claim for the binder to finish. A Released volume of its own with reclaim policy Delete
 * loses its directory, then the volume. On start it creates the default `local-path` class.
 * It creates directories on the host it runs on: right for the one-process cluster, where it
 * runs beside the only kubelet.
 */
import { mkdir, rm } from "node:fs/promises"
import { join, resolve, sep } from "node:path"
import {
  claimRefOf,
  ignoreNotFound,
  isAlreadyExists,
  Nodes,
  PersistentVolumeClaims,
  PersistentVolumes,
  StorageClasses,
} from "../../api/index.ts"
import {
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  type EventRecorder,
  type KeyQueue,
  type Reconciler,
} from "../../client/index.ts"
import {
  ANN_DEFAULT_CLASS,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  classOf,
  type Pv,
  type Pvc,
  type Sc,
} from "./helpers.ts"

/** The provisioner's name, as k3s registers it. */
export const LOCAL_PATH_PROVISIONER = "rancher.io/local-path"
/** The default class it creates. */
export const LOCAL_PATH_CLASS = "local-path"

/** Options of the local-path provisioner. */
export interface LocalPathOptions {
  /** Where volume directories go (k8ts: `<data-dir>/storage`). */
  readonly baseDir: string
  /** Create the default `local-path` StorageClass on start when missing (default true). */
  readonly createDefaultClass?: boolean
}

/** The default StorageClass: WaitForFirstConsumer, Delete, marked default. */
export function localPathStorageClass(): Sc {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [ANN_DEFAULT_CLASS]: "true" } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
  }
}

function claimKey(c: Pvc): string {
  return `${c.metadata?.namespace}/${c.metadata?.name}`
}

class LocalPathReconciler implements Reconciler {
  readonly #deps: ControllerDeps
  readonly #opts: LocalPathOptions
  readonly #base: string
  readonly #recorder: EventRecorder

  constructor(deps: ControllerDeps, opts: LocalPathOptions) {
    this.#deps = deps
    this.#opts = opts
    this.#base = resolve(opts.baseDir)
    this.#recorder = new ClientEventRecorder(deps.client, {
      component: LOCAL_PATH_PROVISIONER,
      clock: deps.clock,
      log: deps.log,
    })
  }

  async run(_queue: KeyQueue, signal: AbortSignal): Promise<void> {
    if (this.#opts.createDefaultClass !== false) await this.#ensureClass()
    await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }))
  }

  async #ensureClass(): Promise<void> {
    if (this.#deps.informers.get(StorageClasses).cache.get(LOCAL_PATH_CLASS)) return
    try {
      await this.#deps.client.resource(StorageClasses).create(localPathStorageClass())
    } catch (err) {
      if (!isAlreadyExists(err)) this.#deps.log.error({ err: String(err) }, "Cannot create StorageClass")
    }
  }

  async reconcile(key: string): Promise<void> {
    const { informers } = this.#deps
    if (!key.includes("/")) {
      const pv = informers.get(PersistentVolumes).cache.get(key) as Pv | undefined
      if (pv) await this.#reclaim(pv)
      return
    }
    const claim = informers.get(PersistentVolumeClaims).cache.get(key) as Pvc | undefined
    if (!claim || claim.metadata?.deletionTimestamp || claim.spec?.volumeName) return
    if (claim.metadata?.annotations?.[ANN_STORAGE_PROVISIONER] !== LOCAL_PATH_PROVISIONER) return
    const sc = informers.get(StorageClasses).cache.get(classOf(claim)) as Sc | undefined
    if (sc?.provisioner !== LOCAL_PATH_PROVISIONER) return
    if (informers.get(PersistentVolumes).cache.get(`pvc-${claim.metadata?.uid}`)) return // done already
    await this.#provision(claim, sc)
  }

  async #provision(claim: Pvc, sc: Sc): Promise<void> {
    const node = claim.metadata?.annotations?.[ANN_SELECTED_NODE]
    const event = (type: "Normal" | "Warning", reason: string, message: string) =>
      this.#recorder.event(claim, type, reason, message, PersistentVolumeClaims)
    event(
      "Normal",
      "Provisioning",
      `External provisioner is provisioning volume for claim "${claimKey(claim)}"`,
    )
    if (!node) {
      event(
        "Warning",
        "ProvisioningFailed",
        'failed to provision volume with StorageClass "' +
          (sc.metadata?.name ?? "") +
          '": configuration error, no node was specified',
      )
      return
    }
    const name = `pvc-${claim.metadata?.uid}`
    const path = join(this.#base, `${name}_${claim.metadata?.namespace}_${claim.metadata?.name}`)
    await mkdir(path, { recursive: true, mode: 0o777 })
    const nodeObj = this.#deps.informers.get(Nodes).cache.get(node)
    const hostname = nodeObj?.metadata?.labels?.["kubernetes.io/hostname"] ?? node
    try {
      await this.#deps.client
        .resource(PersistentVolumes)
        .create(this.#volume(claim, sc, { name, path, hostname }))
    } catch (err) {
      if (!isAlreadyExists(err)) throw err
      return
    }
    event("Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${name}`)
  }

  #volume(claim: Pvc, sc: Sc, v: { name: string; path: string; hostname: string }): Pv {
    return {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: v.name, annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER } },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.storage ?? "0" },
        accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
        storageClassName: sc.metadata?.name ?? "",
        volumeMode: claim.spec?.volumeMode ?? "Filesystem",
        claimRef: claimRefOf(claim),
        hostPath: { path: v.path, type: "DirectoryOrCreate" },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [v.hostname] }] },
            ],
          },
        },
      },
    }
  }

  /** Deletes the directory and the volume of a Released volume of ours whose policy is Delete. */
  async #reclaim(pv: Pv): Promise<void> {
    if (pv.metadata?.annotations?.[ANN_PROVISIONED_BY] !== LOCAL_PATH_PROVISIONER) return
    if (pv.status?.phase !== "Released" || pv.spec?.persistentVolumeReclaimPolicy !== "Delete") return
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path
    // Only ever remove what lies inside the base dir.
    if (path && resolve(path).startsWith(this.#base + sep)) {
      await rm(resolve(path), { recursive: true, force: true })
    } else if (path) {
      this.#deps.log.warn(
        { volume: pv.metadata?.name, path },
        "Not deleting a directory outside the base dir",
      )
    }
    await this.#deps.client
      .resource(PersistentVolumes)
      .delete({ name: pv.metadata?.name ?? "" })
      .catch(ignoreNotFound)
  }
}

/** Builds the local-path provisioner controller. */
export function localPathProvisionerController(opts: LocalPathOptions): ControllerSpec {
  return {
    name: "local-path-provisioner",
    for: PersistentVolumeClaims,
    watches: [
      { ref: PersistentVolumes, map: (obj) => [obj.metadata?.name ?? ""] },
      { ref: Nodes, map: () => [] },
      { ref: StorageClasses, map: () => [] },
    ],
    create: (deps) => new LocalPathReconciler(deps, opts),
  }
}
