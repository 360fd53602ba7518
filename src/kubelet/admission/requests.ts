/**
 * A pod's effective resource request as the kubelet's admission counts it (upstream's
 * computePodResourceRequest): the sum of its containers and sidecars, or the largest regular
 * init container plus the sidecars started before it, whichever is larger, plus the overhead.
 * Amounts by resource name: cpu in millicores, everything else in whole units. The amounts of
 * a frozen pod or node (an informer cache's) are computed once: admission adds up every
 * admitted pod's each time.
 */
import type { Container, Node, Pod } from "kubernetes-types/core/v1.js"
import { milliValue, unitValue } from "../../api/index.ts"

/** Amounts by resource name (cpu in millicores). */
export type Amounts = Map<string, number>

/** The amount of one quantity of resource `name` (cpu in millicores). */
export function amountOf(name: string, q: unknown): number {
  return name === "cpu" ? milliValue(q) : unitValue(q)
}

/** Amounts from a ResourceList. */
export function amountsOf(list: Readonly<Record<string, unknown>> | undefined): Amounts {
  const out: Amounts = new Map()
  for (const [name, q] of Object.entries(list ?? {})) out.set(name, amountOf(name, q))
  return out
}

function add(into: Amounts, more: Amounts): void {
  for (const [k, v] of more) into.set(k, (into.get(k) ?? 0) + v)
}

function max(into: Amounts, other: Amounts): void {
  for (const [k, v] of other) into.set(k, Math.max(into.get(k) ?? 0, v))
}

function requestsOf(c: Container): Amounts {
  return amountsOf(c.resources?.requests)
}

/** The allocatable amounts of frozen nodes, by node object. */
const allocatable = new WeakMap<Node, ReadonlyMap<string, number>>()

/** What the node can give pods (its allocatable, else its capacity; shared: do not change it). */
export function nodeAllocatable(node: Node): ReadonlyMap<string, number> {
  const have = allocatable.get(node)
  if (have) return have
  const amounts = amountsOf(node.status?.allocatable ?? node.status?.capacity)
  if (Object.isFrozen(node)) allocatable.set(node, amounts)
  return amounts
}

/** The requests of frozen pods, by pod object (a new version is a new object). */
const cached = new WeakMap<Pod, ReadonlyMap<string, number>>()

/** The pod's effective request (shared: do not change it). */
export function podRequests(pod: Pod): ReadonlyMap<string, number> {
  const have = cached.get(pod)
  if (have) return have
  const sum = computeRequests(pod)
  if (Object.isFrozen(pod)) cached.set(pod, sum)
  return sum
}

function computeRequests(pod: Pod): Amounts {
  const sum: Amounts = new Map()
  for (const c of pod.spec?.containers ?? []) add(sum, requestsOf(c))
  const sidecars: Amounts = new Map()
  const initMax: Amounts = new Map()
  for (const c of pod.spec?.initContainers ?? []) {
    const req = requestsOf(c)
    if (c.restartPolicy === "Always") {
      add(sum, req)
      add(sidecars, req)
      max(initMax, sidecars)
    } else {
      add(req, sidecars)
      max(initMax, req)
    }
  }
  max(sum, initMax)
  add(sum, amountsOf(pod.spec?.overhead))
  return sum
}
