/**
 * The pods with inter-pod affinity terms filed by a label their terms require, so a cycle
 * checks only the existing pods whose terms could select the incoming pod instead of every pod
 * with a term (upstream walks them all). A term whose selector has matchLabels selects only
 * pods with its first pair; a pod whose terms require different labels, or none, is always a
 * candidate.
 */
import type { NodeInfo } from "./framework/node-info.ts"
import type { AffinityTerm, PodInfo } from "./framework/pod-info.ts"

/** Where one pod with terms is filed: under a label pair, or with those always checked. */
type Place = readonly [key: string, value: string] | undefined

function allTerms(pi: PodInfo): AffinityTerm[] {
  return [
    ...pi.requiredAffinity,
    ...pi.requiredAntiAffinity,
    ...pi.preferredAffinity,
    ...pi.preferredAntiAffinity,
  ]
}

/** The one label every term of the pod requires, if they agree on one. */
function placeOf(pi: PodInfo): Place {
  let place: Place
  for (const t of allTerms(pi)) {
    const pair = t.requiredLabel
    if (!pair) return undefined
    if (!place) place = pair
    else if (place[0] !== pair[0] || place[1] !== pair[1]) return undefined
  }
  return place
}

/** Pods with affinity terms and their nodes, by the label their terms require. */
export class AffinityIndex {
  readonly #byLabel = new Map<string, Map<string, Map<PodInfo, NodeInfo>>>()
  readonly #always = new Map<PodInfo, NodeInfo>()
  readonly #places = new Map<PodInfo, Place>()

  /** Files `pi` (which has terms) on `node`. */
  add(pi: PodInfo, node: NodeInfo): void {
    this.remove(pi)
    const place = placeOf(pi)
    this.#places.set(pi, place)
    if (!place) {
      this.#always.set(pi, node)
      return
    }
    let values = this.#byLabel.get(place[0])
    if (!values) this.#byLabel.set(place[0], (values = new Map()))
    let pods = values.get(place[1])
    if (!pods) values.set(place[1], (pods = new Map()))
    pods.set(pi, node)
  }

  /** Forgets `pi`. */
  remove(pi: PodInfo): void {
    if (!this.#places.has(pi)) return
    const place = this.#places.get(pi)
    this.#places.delete(pi)
    if (!place) {
      this.#always.delete(pi)
      return
    }
    const values = this.#byLabel.get(place[0])
    const pods = values?.get(place[1])
    if (!values || !pods) return
    pods.delete(pi)
    if (pods.size > 0) return
    values.delete(place[1])
    if (values.size === 0) this.#byLabel.delete(place[0])
  }

  /** Calls `fn` for each filed pod whose terms may select a pod with `labels` (a superset). */
  forEachCandidate(
    labels: Readonly<Record<string, string>>,
    fn: (pi: PodInfo, node: NodeInfo) => void,
  ): void {
    for (const [pi, node] of this.#always) fn(pi, node)
    if (this.#byLabel.size === 0) return
    for (const key in labels) {
      const pods = this.#byLabel.get(key)?.get(labels[key] as string)
      if (pods) for (const [pi, node] of pods) fn(pi, node)
    }
  }
}
