/**
 * Pods nominated to a node by preemption (upstream's nominator): they wait for their victims to
 * go, and count on that node for pods of lower or equal priority meanwhile.
 */
import type { PodInfo } from "./framework/pod-info.ts"

const NONE: readonly PodInfo[] = Object.freeze([])

/** Nominated pods by node. */
export class Nominator {
  readonly #byNode = new Map<string, Map<string, PodInfo>>()

  /** Records that `pi` was nominated to `node`, replacing an earlier nomination. */
  add(pi: PodInfo, node: string): void {
    this.delete(pi.uid)
    let m = this.#byNode.get(node)
    if (!m) this.#byNode.set(node, (m = new Map()))
    m.set(pi.uid, pi)
  }

  /** Forgets the nomination of `uid`, if any. */
  delete(uid: string): void {
    if (this.#byNode.size === 0) return
    for (const [node, m] of this.#byNode) if (m.delete(uid) && m.size === 0) this.#byNode.delete(node)
  }

  /** The pods nominated to `node`. */
  podsFor(node: string): readonly PodInfo[] {
    if (this.#byNode.size === 0) return NONE
    const m = this.#byNode.get(node)
    return m ? [...m.values()] : NONE
  }
}
