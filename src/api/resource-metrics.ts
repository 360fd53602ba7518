/**
 * The metrics.k8s.io/v1beta1 objects (metrics-server's API, which kubernetes-types lacks):
 * NodeMetrics and PodMetrics, usage as quantities over a window ending at `timestamp`.
 */
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"

/** CPU and memory as quantities ("250m", "12345Ki"). */
export type ResourceUsage = Readonly<Record<string, string>>

/** A node's usage. */
export interface NodeMetrics {
  apiVersion?: "metrics.k8s.io/v1beta1"
  kind?: "NodeMetrics"
  metadata?: ObjectMeta
  /** The end of the window (RFC 3339). */
  timestamp: string
  /** A Go duration ("15s"). */
  window: string
  usage: ResourceUsage
}

/** One container's usage in a PodMetrics. */
export interface ContainerMetrics {
  name: string
  usage: ResourceUsage
}

/** A pod's usage, per container. */
export interface PodMetrics {
  apiVersion?: "metrics.k8s.io/v1beta1"
  kind?: "PodMetrics"
  metadata?: ObjectMeta
  timestamp: string
  window: string
  containers: ContainerMetrics[]
}
