/**
 * The kubelet's configuration as its `/configz` endpoint serves it: upstream's
 * KubeletConfiguration (kubelet.config.k8s.io/v1beta1) under the key `kubeletconfig`, with the
 * values this kubelet runs with, durations in Go's notation ("1m0s") and, as upstream's, no kind
 * or apiVersion (the configz handler marshals the converted struct, whose TypeMeta is empty).
 * Fields of settings k8ts has no counterpart for are left out rather than made up.
 */
import { EVENT_BURST, EVENT_QPS } from "../client/index.ts"
import { quantityOf } from "../api/index.ts"
import { goDuration } from "../util/index.ts"
import { NODE_LEASE_SECONDS } from "./node-lease.ts"

/** What the configuration is made from: the kubelet's settings, defaults applied. */
export interface ConfigzInput {
  readonly address: string
  readonly port: number
  readonly syncFrequencyMs: number
  readonly clusterDomain: string
  readonly clusterDNS: readonly string[]
  readonly resolvConf: string
  readonly maxPods: number
  readonly podCIDR?: string
  readonly containerLogMaxSize: string | number
  readonly containerLogMaxFiles: number
  /** The restart back-off's cap. */
  readonly maxContainerRestartMs: number
  /** How often the node's status and lease are refreshed. */
  readonly nodeStatusUpdateMs: number
  readonly nodeStatusReportMs: number
}

/** Upstream's cap on the restart back-off, under which crashLoopBackOff stays empty. */
const DEFAULT_MAX_RESTART_MS = 300_000

/** The KubeletConfiguration `/configz` serves under `kubeletconfig`, in upstream's field order. */
export function kubeletConfiguration(c: ConfigzInput): Record<string, unknown> {
  const logMaxSize =
    typeof c.containerLogMaxSize === "number"
      ? quantityOf(c.containerLogMaxSize, "BinarySI")
      : c.containerLogMaxSize
  return {
    enableServer: true,
    syncFrequency: goDuration(c.syncFrequencyMs),
    address: c.address,
    port: c.port,
    // The node API takes only client certificates of the cluster CA, and authorizes every caller so admitted.
    authentication: {
      x509: {},
      webhook: { enabled: false, cacheTTL: "2m0s" },
      anonymous: { enabled: false },
    },
    authorization: {
      mode: "AlwaysAllow",
      webhook: { cacheAuthorizedTTL: "5m0s", cacheUnauthorizedTTL: "30s" },
    },
    eventRecordQPS: EVENT_QPS,
    eventBurst: EVENT_BURST,
    enableDebuggingHandlers: true,
    clusterDomain: c.clusterDomain,
    ...(c.clusterDNS.length ? { clusterDNS: [...c.clusterDNS] } : {}),
    streamingConnectionIdleTimeout: "4h0m0s",
    nodeStatusUpdateFrequency: goDuration(c.nodeStatusUpdateMs),
    nodeStatusReportFrequency: goDuration(c.nodeStatusReportMs),
    nodeLeaseDurationSeconds: NODE_LEASE_SECONDS,
    cgroupDriver: "cgroupfs",
    maxPods: c.maxPods,
    ...(c.podCIDR ? { podCIDR: c.podCIDR } : {}),
    resolvConf: c.resolvConf,
    containerLogMaxSize: logMaxSize,
    containerLogMaxFiles: c.containerLogMaxFiles,
    shutdownGracePeriod: "0s",
    shutdownGracePeriodCriticalPods: "0s",
    crashLoopBackOff:
      c.maxContainerRestartMs === DEFAULT_MAX_RESTART_MS
        ? {}
        : { maxContainerRestartPeriod: goDuration(c.maxContainerRestartMs) },
    registerNode: true,
  }
}
