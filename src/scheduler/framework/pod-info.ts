/**
 * A pod as the scheduler sees it, computed once: its effective requests, priority, host ports
 * and compiled inter-pod affinity terms (upstream's PodInfo and AffinityTerm).
 */
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from "kubernetes-types/core/v1.js"
import type { LabelSelector, Labels } from "../../api/index.ts"
import { podRequests, type Resource } from "./resource.ts"
import { compileSelector } from "./selector.ts"

/** A compiled PodAffinityTerm. */
export interface AffinityTerm {
  readonly topologyKey: string
  /**
   * The namespaces the term names; the pod's own when it names none and has no
   * namespaceSelector (upstream's getNamespacesFromPodAffinityTerm).
   */
  readonly namespaces: ReadonlySet<string>
  /** The namespaceSelector, matched against a namespace's labels; undefined when absent (none). */
  readonly namespaceSelector: ((labels: Labels | undefined) => boolean) | undefined
  /** True when the namespaceSelector is empty: the term looks in every namespace. */
  readonly allNamespaces: boolean
  readonly matches: (labels: Labels | undefined) => boolean
  /**
   * A label every pod the term selects has (the first pair of its matchLabels), undefined when
   * the selector has no matchLabels: the cache files the term's pod under it.
   */
  readonly requiredLabel: readonly [key: string, value: string] | undefined
  readonly weight: number
}

/** The labels of a namespace, undefined when the scheduler does not know it. */
export type NamespaceLabels = (namespace: string) => Labels | undefined

/** A pod with what the scheduler computes from it once. */
export interface PodInfo {
  readonly pod: Pod
  /** "namespace/name". */
  readonly key: string
  readonly uid: string
  readonly namespace: string
  /** The pod's labels (empty when it has none). */
  readonly labels: Labels
  readonly priority: number
  /** The effective requests (Fit filters with them). */
  readonly requests: Resource
  /** The requests with defaults for containers without cpu or memory requests (for scores). */
  readonly nonZero: Resource
  /** hostPorts as "protocol/ip/port". */
  readonly ports: readonly string[]
  readonly requiredAffinity: readonly AffinityTerm[]
  readonly requiredAntiAffinity: readonly AffinityTerm[]
  readonly preferredAffinity: readonly AffinityTerm[]
  readonly preferredAntiAffinity: readonly AffinityTerm[]
  /** True when it has any inter-pod affinity or anti-affinity term. */
  readonly withAffinity: boolean
}

const NO_LABELS: Labels = Object.freeze({})

/** The pod's priority (spec.priority, 0 when unset), as upstream's PodPriority. */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0
}

function isEmptySelector(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0
}

function firstPair(sel: LabelSelector | undefined): readonly [string, string] | undefined {
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) return [k, v]
  return undefined
}

function compileTerm(pod: Pod, t: PodAffinityTerm, weight: number): AffinityTerm {
  const own = pod.metadata?.namespace ?? "default"
  const namespaces = new Set(t.namespaces ?? [])
  const nsSel = t.namespaceSelector as LabelSelector | undefined | null
  if (namespaces.size === 0 && !nsSel) namespaces.add(own)
  return {
    topologyKey: t.topologyKey,
    namespaces,
    namespaceSelector: nsSel ? compileSelector(nsSel) : undefined,
    allNamespaces: !!nsSel && isEmptySelector(nsSel),
    matches: compileSelector(t.labelSelector as LabelSelector | undefined),
    requiredLabel: firstPair(t.labelSelector as LabelSelector | undefined),
    weight,
  }
}

function hostPortsOf(pod: Pod): string[] {
  const out: string[] = []
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue
      out.push(`${p.protocol ?? "TCP"}/${p.hostIP || "0.0.0.0"}/${p.hostPort}`)
    }
  }
  return out
}

const NO_TERMS: readonly AffinityTerm[] = Object.freeze([])

function compileRequired(pod: Pod, terms: readonly PodAffinityTerm[] | undefined): readonly AffinityTerm[] {
  return terms?.length ? terms.map((t) => compileTerm(pod, t, 1)) : NO_TERMS
}

function compileWeighted(
  pod: Pod,
  terms: readonly WeightedPodAffinityTerm[] | undefined,
): readonly AffinityTerm[] {
  return terms?.length ? terms.map((w) => compileTerm(pod, w.podAffinityTerm, w.weight)) : NO_TERMS
}

/** Builds the PodInfo of `pod`. */
export function newPodInfo(pod: Pod): PodInfo {
  const a = pod.spec?.affinity
  const namespace = pod.metadata?.namespace ?? "default"
  const key = `${namespace}/${pod.metadata?.name ?? ""}`
  const requiredAffinity = compileRequired(
    pod,
    a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
  )
  const requiredAntiAffinity = compileRequired(
    pod,
    a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
  )
  const preferredAffinity = compileWeighted(
    pod,
    a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
  )
  const preferredAntiAffinity = compileWeighted(
    pod,
    a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
  )
  // One literal with every field, here and in withNewerPod: every PodInfo has the same shape.
  return {
    pod,
    key,
    uid: pod.metadata?.uid ?? key,
    namespace,
    labels: pod.metadata?.labels ?? NO_LABELS,
    priority: podPriority(pod),
    requests: podRequests(pod),
    nonZero: podRequests(pod, true),
    ports: hostPortsOf(pod),
    requiredAffinity,
    requiredAntiAffinity,
    preferredAffinity,
    preferredAntiAffinity,
    withAffinity:
      requiredAffinity.length +
        requiredAntiAffinity.length +
        preferredAffinity.length +
        preferredAntiAffinity.length >
      0,
  }
}

/**
 * True when the term selects `pod` (upstream's AffinityTerm.Matches): the pod's namespace is
 * named by the term or its labels (from `nsLabels`) match the namespaceSelector, and the pod's
 * labels match the labelSelector. A namespace the scheduler does not know matches no selector
 * but the empty one.
 */
export function termMatches(term: AffinityTerm, pod: PodInfo, nsLabels?: NamespaceLabels): boolean {
  if (!term.allNamespaces && !term.namespaces.has(pod.namespace)) {
    const sel = term.namespaceSelector
    const labels = sel ? nsLabels?.(pod.namespace) : undefined
    if (!sel || !labels || !sel(labels)) return false
  }
  return term.matches(pod.labels)
}

/**
 * The PodInfo of a newer version of the same bound pod: what cannot change on a bound pod
 * (ports, affinity terms) is kept; its labels, which can, are read again (the older labels object
 * is kept when they are equal, so the cache's label index sees no change). Its requests are
 * computed again when an in-place resize may have changed them (see resizeInputsChanged), as
 * upstream's cache replaces the pod's old PodInfo with a new one on every update.
 */
export function withNewerPod(pi: PodInfo, pod: Pod): PodInfo {
  const labels = pod.metadata?.labels ?? NO_LABELS
  const resized = resizeInputsChanged(pi.pod, pod)
  return {
    pod,
    key: pi.key,
    uid: pi.uid,
    namespace: pi.namespace,
    labels: sameLabels(pi.labels, labels) ? pi.labels : labels,
    priority: pi.priority,
    requests: resized ? podRequests(pod) : pi.requests,
    nonZero: resized ? podRequests(pod, true) : pi.nonZero,
    ports: pi.ports,
    requiredAffinity: pi.requiredAffinity,
    requiredAntiAffinity: pi.requiredAntiAffinity,
    preferredAffinity: pi.preferredAffinity,
    preferredAntiAffinity: pi.preferredAntiAffinity,
    withAffinity: pi.withAffinity,
  }
}

/**
 * What a bound pod's requests are computed from and an in-place resize changes: the spec's
 * resources (containers, init containers, pod level), the generations, the containers' status
 * resources and the resize conditions.
 */
function resizeInputs(pod: Pod): string {
  const st = pod.status as (Pod["status"] & { observedGeneration?: number }) | undefined
  const statusOf = (s: { name: string; resources?: unknown; allocatedResources?: unknown }) => [
    s.name,
    s.resources,
    s.allocatedResources,
  ]
  return JSON.stringify([
    pod.spec?.containers?.map((c) => c.resources),
    pod.spec?.initContainers?.map((c) => c.resources),
    (pod.spec as { resources?: unknown } | undefined)?.resources,
    pod.metadata?.generation,
    st?.observedGeneration,
    st?.containerStatuses?.map(statusOf),
    st?.initContainerStatuses?.map(statusOf),
    st?.conditions?.filter((c) => c.type.startsWith("PodResize")).map((c) => [c.type, c.status, c.reason]),
  ])
}

/** True when the requests of a bound pod may differ between its versions `a` and `b` (a resize). */
export function resizeInputsChanged(a: Pod, b: Pod): boolean {
  return a !== b && resizeInputs(a) !== resizeInputs(b)
}

/** True when any request of `b` is less than `a`'s (a resize scaled the pod down). */
export function requestsWentDown(a: PodInfo, b: PodInfo): boolean {
  const x = a.requests
  const y = b.requests
  if (x === y) return false
  if (y.milliCPU < x.milliCPU || y.memory < x.memory || y.ephemeralStorage < x.ephemeralStorage) return true
  for (const [k, v] of x.scalar) if ((y.scalar.get(k) ?? 0) < v) return true
  return false
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true
  let n = 0
  for (const k in a) {
    if (a[k] !== b[k]) return false
    n++
  }
  for (const _ in b) n--
  return n === 0
}

/** True when the pod has any inter-pod affinity or anti-affinity term. */
export function hasAffinity(pi: PodInfo): boolean {
  return pi.withAffinity
}
