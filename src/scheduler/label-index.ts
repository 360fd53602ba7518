/**
 * Every counted pod filed under each of its labels, with its node: the incoming pod's own
 * inter-pod affinity terms find the pods they may select by the label their selector requires,
 * instead of walking every pod of the cluster (as upstream does, in parallel). A pod is filed as
 * one slot, so a newer version with the same labels replaces its PodInfo in place.
 */
import type { NodeInfo } from "./framework/node-info.ts"
import type { PodInfo } from "./framework/pod-info.ts"

/** One filed pod: the same object under each of its labels. */
interface Slot {
  pi: PodInfo
  readonly node: NodeInfo
}

/** Pods and their nodes by label key and value. */
export class LabelIndex {
  readonly #byLabel = new Map<string, Map<string, Set<Slot>>>()
  /** The slots by pod uid. */
  readonly #slots = new Map<string, Slot>()

  /** Files `pi` on `node` under each of its labels (replacing what was filed for its uid). */
  add(pi: PodInfo, node: NodeInfo): void {
    this.remove(pi)
    const slot: Slot = { pi, node }
    this.#slots.set(pi.uid, slot)
    const labels = pi.labels
    for (const key in labels) {
      const value = labels[key] as string
      let values = this.#byLabel.get(key)
      if (!values) this.#byLabel.set(key, (values = new Map()))
      let pods = values.get(value)
      if (!pods) values.set(value, (pods = new Set()))
      pods.add(slot)
    }
  }

  /** Forgets what is filed for the pod's uid. */
  remove(pi: PodInfo): void {
    const slot = this.#slots.get(pi.uid)
    if (!slot) return
    this.#slots.delete(pi.uid)
    const labels = slot.pi.labels
    for (const key in labels) {
      const value = labels[key] as string
      const values = this.#byLabel.get(key)
      const pods = values?.get(value)
      if (!values || !pods?.delete(slot) || pods.size > 0) continue
      values.delete(value)
      if (values.size === 0) this.#byLabel.delete(key)
    }
  }

  /**
   * Puts `pi` in the place of the PodInfo filed for its uid when both have the very same labels
   * object (see withNewerPod); false when nothing is filed or the labels are another object.
   */
  replace(pi: PodInfo): boolean {
    const slot = this.#slots.get(pi.uid)
    if (!slot || slot.pi.labels !== pi.labels) return false
    slot.pi = pi
    return true
  }

  /** Calls `fn` for each filed pod labelled `key`=`value`. */
  forEach(key: string, value: string, fn: (pi: PodInfo, node: NodeInfo) => void): void {
    const pods = this.#byLabel.get(key)?.get(value)
    if (pods) for (const slot of pods) fn(slot.pi, slot.node)
  }
}
