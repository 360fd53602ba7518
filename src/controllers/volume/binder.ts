/**
 * The PersistentVolume binder (upstream's persistentvolume-binder controller): binds claims to
 * volumes and keeps both phases, hands claims of provisioned classes to their provisioner, and
 * reclaims volumes whose claims are gone. One queue carries both kinds of key: a claim's
 * "ns/name" and a volume's "name" (volumes are cluster-scoped, so their keys have no slash).
 */
import { type ApiObject, PersistentVolumeClaims, PersistentVolumes, StorageClasses } from "../../api/index.ts"
import {
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  type KeyQueue,
  type Reconciler,
} from "../../client/index.ts"
import { hasNoClass, syncClaim } from "./claim-sync.ts"
import {
  BINDER_COMPONENT,
  claimRefKey,
  classOf,
  defaultClassOf,
  isDefaultClass,
  type Pv,
  type Pvc,
  type Sc,
} from "./helpers.ts"
import { whenAborted } from "../../util/index.ts"
import { syncVolume } from "./volume-sync.ts"
import type { BinderContext } from "./writes.ts"

/** A volume change wakes the volume, its claim, and (when it may now serve one) pending claims. */
function volumeKeys(deps: () => ControllerDeps | undefined, obj: ApiObject): string[] {
  const pv = obj as Pv
  const keys = [pv.metadata?.name ?? ""]
  const claim = claimRefKey(pv)
  if (claim) keys.push(claim)
  const d = deps()
  if (d && (!pv.spec?.claimRef || pv.status?.phase === "Available")) {
    for (const c of d.informers.get(PersistentVolumeClaims).cache.list() as Pvc[]) {
      if (!c.spec?.volumeName) keys.push(`${c.metadata?.namespace}/${c.metadata?.name}`)
    }
  }
  return keys
}

/** A class change wakes the pending claims of that class (and, for a default class, those without one). */
function classKeys(deps: () => ControllerDeps | undefined, obj: ApiObject): string[] {
  const d = deps()
  if (!d) return []
  const name = obj.metadata?.name ?? ""
  const isDefault = isDefaultClass(obj as Sc)
  return (d.informers.get(PersistentVolumeClaims).cache.list() as Pvc[])
    .filter((c) => !c.spec?.volumeName && (classOf(c) === name || (isDefault && hasNoClass(c))))
    .map((c) => `${c.metadata?.namespace}/${c.metadata?.name}`)
}

class BinderReconciler implements Reconciler {
  readonly #deps: ControllerDeps
  readonly #ctx: BinderContext
  #queue: KeyQueue | undefined

  constructor(deps: ControllerDeps) {
    this.#deps = deps
    const recorder = new ClientEventRecorder(deps.client, {
      component: BINDER_COMPONENT,
      clock: deps.clock,
      log: deps.log,
    })
    this.#ctx = { client: deps.client, recorder }
  }

  run(queue: KeyQueue, signal: AbortSignal): Promise<void> {
    this.#queue = queue
    return whenAborted(signal)
  }

  async reconcile(key: string): Promise<void> {
    const { informers } = this.#deps
    const volumes = informers.get(PersistentVolumes).cache
    const claims = informers.get(PersistentVolumeClaims).cache
    if (!key.includes("/")) {
      const pv = volumes.get(key) as Pv | undefined
      if (!pv) return // gone: nothing to converge
      const queue = this.#queue ?? { add: () => {}, addAfter: () => {} }
      return syncVolume(this.#ctx, { claim: (k) => claims.get(k) as Pvc | undefined, queue }, pv)
    }
    const claim = claims.get(key) as Pvc | undefined
    if (!claim) {
      // Gone: its volumes are released and reclaimed.
      for (const pv of volumes.list() as Pv[])
        if (claimRefKey(pv) === key) await this.reconcile(pv.metadata?.name ?? "")
      return
    }
    const classes = informers.get(StorageClasses).cache
    await syncClaim(
      this.#ctx,
      {
        volumes: () => volumes.list() as Pv[],
        volume: (name) => volumes.get(name) as Pv | undefined,
        storageClass: (name) => classes.get(name) as Sc | undefined,
        defaultClass: () => defaultClassOf(classes.list() as Sc[]),
      },
      claim,
    )
  }
}

/** Builds the persistentvolume-binder controller. */
export function persistentVolumeBinderController(): ControllerSpec {
  let current: ControllerDeps | undefined
  const deps = () => current
  return {
    name: "persistentvolume-binder",
    for: PersistentVolumeClaims,
    watches: [
      { ref: PersistentVolumes, map: (obj) => volumeKeys(deps, obj) },
      { ref: StorageClasses, map: (obj) => classKeys(deps, obj) },
      { ref: PersistentVolumeClaims, map: (obj) => [(obj as Pvc).spec?.volumeName ?? ""].filter(Boolean) },
    ],
    create(d) {
      current = d
      return new BinderReconciler(d)
    },
  }
}
