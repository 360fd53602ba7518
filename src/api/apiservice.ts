/**
 * The apiregistration.k8s.io/v1 APIService (kube-aggregator's type, which kubernetes-types
 * lacks): which server answers one group version, either this API server itself ("local", no
 * `spec.service`) or a Service in the cluster, and the condition saying whether it is available.
 */
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"

/** The Service an extension API server listens behind. */
export interface APIServiceServiceReference {
  namespace?: string
  name?: string
  /** Defaults to 443. */
  port?: number
}

/** What an APIService asks for. */
export interface APIServiceSpec {
  /** Unset for a group version this API server serves itself. */
  service?: APIServiceServiceReference
  group?: string
  version?: string
  insecureSkipTLSVerify?: boolean
  /** A PEM bundle, base64 on the wire. */
  caBundle?: string
  groupPriorityMinimum: number
  versionPriority: number
}

/** One condition; `Available` is the only type upstream writes. */
export interface APIServiceCondition {
  type: string
  status: "True" | "False" | "Unknown" | string
  lastTransitionTime?: string
  reason?: string
  message?: string
}

/** The observed state. */
export interface APIServiceStatus {
  conditions?: APIServiceCondition[]
}

/** An APIService: named `<version>.<group>` (`v1.` for the core group). */
export interface APIService {
  apiVersion?: "apiregistration.k8s.io/v1"
  kind?: "APIService"
  metadata?: ObjectMeta
  spec?: APIServiceSpec
  status?: APIServiceStatus
}

/** The condition type of an APIService's availability. */
export const APISERVICE_AVAILABLE = "Available"

/** The label upstream's autoregister controller puts on the APIServices it manages. */
export const AUTOREGISTER_MANAGED_LABEL = "kube-aggregator.kubernetes.io/automanaged"

/** The condition every local APIService carries (upstream's NewLocalAvailableAPIServiceCondition). */
export function localAvailableCondition(now: string): APIServiceCondition {
  return {
    type: APISERVICE_AVAILABLE,
    status: "True",
    lastTransitionTime: now,
    reason: "Local",
    message: "Local APIServices are always available",
  }
}

/** The condition of `type`, if the APIService has one. */
export function apiServiceCondition(svc: APIService, type: string): APIServiceCondition | undefined {
  return svc.status?.conditions?.find((c) => c.type === type)
}

/**
 * `conditions` with `next` set (upstream's SetAPIServiceCondition): an existing condition of its
 * type keeps its lastTransitionTime unless the status changes; reason and message are replaced.
 * Returns a new list; the input is not changed.
 */
export function withAPIServiceCondition(
  conditions: readonly APIServiceCondition[] | undefined,
  next: APIServiceCondition,
): APIServiceCondition[] {
  const list = [...(conditions ?? [])]
  const i = list.findIndex((c) => c.type === next.type)
  if (i < 0) return [...list, next]
  const cur = list[i] as APIServiceCondition
  const changed = cur.status !== next.status
  const merged: APIServiceCondition = {
    ...cur,
    status: next.status,
    ...(changed ? { lastTransitionTime: next.lastTransitionTime } : {}),
  }
  if (next.reason) merged.reason = next.reason
  else delete merged.reason
  if (next.message) merged.message = next.message
  else delete merged.message
  list[i] = merged
  return list
}
