/**
 * The DaemonSet rolling update (upstream's rollingUpdate): without surge, delete old pods while
 * no more than maxUnavailable nodes lack an available pod; with surge, start new pods beside old
 * ones on up to maxSurge nodes and delete each old pod once its replacement is available.
 */
import { isPodAvailable } from "../../api/index.ts"
import type { PodObject } from "../set-pods/index.ts"
import type { NodeToPods } from "./manage.ts"
import { type DaemonSetObject, type NodeObject, nodeShouldRunDaemonPod } from "./placement.ts"
import { isPodUpdated, templateGeneration } from "./pods.ts"

/** An int or a percentage such as "25%". */
type IntOrString = number | string

/** An int-or-percent of `total`, percentages rounded up (upstream's GetScaledValueFromIntOrPercent). */
export function scaledValue(v: IntOrString | undefined, total: number): number {
  if (v === undefined) return 0
  if (typeof v === "number") return v
  const m = /^(\d+)%$/.exec(v)
  if (!m) return Number.parseInt(v, 10) || 0
  return Math.ceil((Number(m[1]) * total) / 100)
}

/** The pods a rolling update step wants deleted and the nodes it wants new pods on. */
export interface UpdatePlan {
  readonly podsToDelete: PodObject[]
  readonly nodesToCreate: string[]
}

/** What a rolling update step reads. */
export interface UpdateInput {
  readonly ds: DaemonSetObject
  readonly nodes: readonly NodeObject[]
  readonly nodeToPods: NodeToPods
  readonly hash: string
  readonly now: number
}

/** The new and old pod of a node; `ok` false when it has more than one of either. */
function podsOnNode(
  input: UpdateInput,
  pods: readonly PodObject[],
): { newPod?: PodObject; oldPod?: PodObject; ok: boolean } {
  const generation = templateGeneration(input.ds)
  let newPod: PodObject | undefined
  let oldPod: PodObject | undefined
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue
    if (isPodUpdated(pod, input.hash, generation)) {
      if (newPod) return { ok: false }
      newPod = pod
    } else {
      if (oldPod) return { ok: false }
      oldPod = pod
    }
  }
  return { ok: true, ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}) }
}

/** maxSurge and maxUnavailable over the nodes that want a pod; adds those nodes to the map. */
function desiredCounts(input: UpdateInput): { maxSurge: number; maxUnavailable: number; desired: number } {
  let desired = 0
  for (const node of input.nodes) {
    if (!nodeShouldRunDaemonPod(node, input.ds).shouldRun) continue
    desired++
    const name = node.metadata?.name ?? ""
    if (!input.nodeToPods.has(name)) input.nodeToPods.set(name, [])
  }
  const ru = input.ds.spec?.updateStrategy?.rollingUpdate
  const maxSurge = scaledValue(ru?.maxSurge, desired)
  let maxUnavailable = scaledValue(ru?.maxUnavailable ?? 1, desired)
  // An impossible configuration (validation forbids it): fall back to one at a time.
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1
  return { maxSurge, maxUnavailable, desired }
}

function sortedEntries(map: NodeToPods): [string, PodObject[]][] {
  return [...map].sort(([a], [b]) => a.localeCompare(b))
}

function planWithoutSurge(input: UpdateInput, maxUnavailable: number): UpdatePlan {
  const minReady = input.ds.spec?.minReadySeconds ?? 0
  let unavailable = 0
  const replacements: PodObject[] = []
  const candidates: PodObject[] = []
  for (const [, pods] of sortedEntries(input.nodeToPods)) {
    const { newPod, oldPod, ok } = podsOnNode(input, pods)
    // Several pods (or none, or both kinds): the placement pass sorts the node out first.
    if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
      unavailable++
    } else if (newPod) {
      if (!isPodAvailable(newPod, minReady, input.now)) unavailable++
    } else if (oldPod && !isPodAvailable(oldPod, minReady, input.now)) {
      // An old pod that is not available anyway can be replaced at no cost.
      replacements.push(oldPod)
      unavailable++
    } else if (oldPod && unavailable < maxUnavailable) {
      candidates.push(oldPod)
    }
  }
  const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length)
  return { podsToDelete: [...replacements, ...candidates.slice(0, room)], nodesToCreate: [] }
}

function planWithSurge(input: UpdateInput, maxSurge: number, desired: number): UpdatePlan {
  const minReady = input.ds.spec?.minReadySeconds ?? 0
  const available = (p: PodObject) => isPodAvailable(p, minReady, input.now)
  const nodes = new Map(input.nodes.map((n) => [n.metadata?.name ?? "", n]))
  const shouldRun = (name: string) => {
    const node = nodes.get(name)
    return !!node && nodeShouldRunDaemonPod(node, input.ds).shouldRun
  }
  let surging = 0
  let numAvailable = 0
  const podsToDelete: PodObject[] = []
  const sunset: PodObject[] = []
  const allowed: string[] = []
  const candidates: string[] = []
  for (const [name, pods] of sortedEntries(input.nodeToPods)) {
    const { newPod, oldPod, ok } = podsOnNode(input, pods)
    if (!ok) {
      surging++
      continue
    }
    const counted = oldPod ?? newPod
    if (counted && available(counted)) numAvailable++
    if (!oldPod) continue
    if (newPod) {
      // Already surged here: the old pod goes once the new one is available.
      if (available(newPod)) podsToDelete.push(oldPod)
      else surging++
    } else if (!available(oldPod)) {
      if (shouldRun(name)) allowed.push(name)
      else podsToDelete.push(oldPod)
    } else if (!shouldRun(name)) {
      sunset.push(oldPod)
    } else if (surging < maxSurge) {
      candidates.push(name)
    }
  }
  // Pods on nodes that stopped qualifying go only as pods elsewhere become available.
  podsToDelete.push(...sunset.slice(0, Math.max(0, numAvailable - desired)))
  const room = Math.min(Math.max(0, maxSurge - surging), candidates.length)
  return { podsToDelete, nodesToCreate: [...allowed, ...candidates.slice(0, room)] }
}

/** Plans one rolling update step; see the module comment. */
export function planRollingUpdate(input: UpdateInput): UpdatePlan {
  const { maxSurge, maxUnavailable, desired } = desiredCounts(input)
  return maxSurge === 0 ? planWithoutSurge(input, maxUnavailable) : planWithSurge(input, maxSurge, desired)
}
