/**
 * Volume expansion for the volumes k8ts can grow in place (upstream's expand controller plus the
 * part of an external resizer it needs): a Bound claim whose storage request exceeds its
 * status.capacity, bound to a hostPath or local volume, is grown by raising the volume's
 * spec.capacity (a host directory has no filesystem to resize) and then the claim's
 * status.capacity. The claim carries the Resizing condition meanwhile; Events follow the
 * resizer's (Resizing, VolumeResizeSuccessful). Admission already refused classes without
 * allowVolumeExpansion and validation refused shrinking.
 */
import type { PersistentVolumeClaimCondition } from "kubernetes-types/core/v1.js"
import { PersistentVolumeClaims, PersistentVolumes, parseQuantity } from "../../api/index.ts"
import {
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  type EventRecorder,
} from "../../client/index.ts"
import type { Pv, Pvc } from "./helpers.ts"
import { rfc3339 } from "../../util/index.ts"

/** The controller's component name in Events. */
export const EXPANDER_COMPONENT = "volume_expand"
const RESIZING = "Resizing"
const FS_RESIZE_PENDING = "FileSystemResizePending"

function nano(q: string | undefined): bigint | undefined {
  return q === undefined ? undefined : parseQuantity(q)?.nano
}

/** The size to grow the claim to, when it asks for more than it has. */
function wantedSize(pvc: Pvc): string | undefined {
  const want = pvc.spec?.resources?.requests?.storage
  const have = pvc.status?.capacity?.storage
  const w = nano(want)
  const h = nano(have)
  return w !== undefined && h !== undefined && w > h ? want : undefined
}

/** True for the volumes grown by raising their recorded capacity alone. */
function growsInPlace(pv: Pv): boolean {
  return !!pv.spec?.hostPath || !!pv.spec?.local
}

function withoutResizeConditions(pvc: Pvc): PersistentVolumeClaimCondition[] {
  return (pvc.status?.conditions ?? []).filter((c) => c.type !== RESIZING && c.type !== FS_RESIZE_PENDING)
}

/** Marks the claim Resizing (and records the size being allocated) unless it is already. */
async function markResizing(deps: ControllerDeps, pvc: Pvc, size: string, now: string): Promise<Pvc> {
  if (pvc.status?.conditions?.some((c) => c.type === RESIZING)) return pvc
  const condition: PersistentVolumeClaimCondition = {
    type: RESIZING,
    status: "True",
    lastTransitionTime: now,
  }
  const status = {
    ...(pvc.status ?? {}),
    allocatedResources: { ...(pvc.status?.allocatedResources ?? {}), storage: size },
    conditions: [...withoutResizeConditions(pvc), condition],
  }
  return deps.client.resource(PersistentVolumeClaims).updateStatus({ ...pvc, status })
}

/** Raises the volume's capacity to `size` when below it. */
async function growVolume(deps: ControllerDeps, pv: Pv, size: string): Promise<void> {
  const cur = nano(pv.spec?.capacity?.storage)
  const want = nano(size)
  if (cur !== undefined && want !== undefined && cur >= want) return
  const spec = { ...(pv.spec ?? {}), capacity: { ...(pv.spec?.capacity ?? {}), storage: size } }
  await deps.client.resource(PersistentVolumes).update({ ...pv, spec })
}

/** Records the new size in the claim's status and drops the resize conditions. */
async function markResized(deps: ControllerDeps, pvc: Pvc, size: string): Promise<Pvc> {
  const status = {
    ...(pvc.status ?? {}),
    capacity: { ...(pvc.status?.capacity ?? {}), storage: size },
    allocatedResources: { ...(pvc.status?.allocatedResources ?? {}), storage: size },
    conditions: withoutResizeConditions(pvc),
  }
  if (status.conditions.length === 0) delete (status as { conditions?: unknown }).conditions
  return deps.client.resource(PersistentVolumeClaims).updateStatus({ ...pvc, status })
}

async function syncClaim(deps: ControllerDeps, recorder: EventRecorder, key: string): Promise<void> {
  const pvc = deps.informers.get(PersistentVolumeClaims).cache.get(key) as Pvc | undefined
  if (!pvc || pvc.metadata?.deletionTimestamp || pvc.status?.phase !== "Bound") return
  const size = wantedSize(pvc)
  const pvName = pvc.spec?.volumeName ?? ""
  const pv = deps.informers.get(PersistentVolumes).cache.get(pvName) as Pv | undefined
  if (!size || !pv || !growsInPlace(pv)) return
  const now = rfc3339(deps.clock.now())
  const resizing = await markResizing(deps, pvc, size, now)
  if (resizing !== pvc) {
    recorder.event(resizing, "Normal", "Resizing", `External resizer is resizing volume ${pvName}`)
  }
  await growVolume(deps, pv, size)
  const done = await markResized(deps, resizing, size)
  recorder.event(done, "Normal", "VolumeResizeSuccessful", "Resize volume succeeded")
}

/** Builds the persistentvolume-expander controller. */
export function persistentVolumeExpanderController(): ControllerSpec {
  return {
    name: "persistentvolume-expander",
    for: PersistentVolumeClaims,
    create(deps) {
      const recorder = new ClientEventRecorder(deps.client, {
        component: EXPANDER_COMPONENT,
        clock: deps.clock,
        log: deps.log,
      })
      return { reconcile: (key) => syncClaim(deps, recorder, key) }
    },
  }
}
