/**
 * What createApiServer takes (ApiServerOptions) and what it returns (ApiServer): the server's
 * options and its handler surface.
 */
import type { Registry as MetricsRegistry } from "prom-client"
import type { ResourceInfo } from "../api/index.ts"
import type { Store } from "../storage/index.ts"
import type { Cidr, Clock, Logger } from "../util/index.ts"
import type { AdmissionPlugin } from "./admission.ts"
import type { AuthorizationMode } from "./authorization-modes.ts"
import type { Authorizer } from "./authz.ts"
import type { HealthProbe } from "./component-status.ts"
import type { KubeletClientConfig } from "./handlers/context.ts"
import type { ApiRequest, ApiResponse, UserInfo } from "./http.ts"
import type { KubernetesServiceOptions } from "./kubernetes-service.ts"
import type { SummaryFetcher } from "./resource-metrics/index.ts"
import type { ServiceAccountTokenOptions } from "./serviceaccount/index.ts"

/** Options of createApiServer. */
export interface ApiServerOptions {
  readonly store: Store
  readonly clock?: Clock
  readonly log?: Logger
  /** Who sent a request; undefined means anonymous. Throw ApiError Unauthorized to refuse. */
  readonly authenticate?: (req: ApiRequest) => Promise<UserInfo | undefined>
  /**
   * Whether anonymous requests are allowed (default true): when refused, an unauthenticated
   * request is a 401 (upstream's --anonymous-auth=false), except on `anonymousPaths`.
   */
  readonly allowAnonymous?: boolean
  /**
   * With anonymous requests refused, the paths where an unauthenticated request is still
   * system:anonymous (and then authorized as any other), each matched exactly: the conditions
   * of upstream's anonymous authenticator (its AuthenticationConfiguration's anonymous.conditions).
   */
  readonly anonymousPaths?: readonly string[]
  /**
   * Upstream's --authorization-mode: the authorizers asked about every request after
   * system:masters, in order (default AlwaysAllow). Check them with authorizationModeErrors.
   * Ignored when `authorize` is given.
   */
  readonly authorizationModes?: readonly AuthorizationMode[]
  /**
   * Decides every request instead of the modes' authorizers (tests): it overrides
   * `authorizationModes` (no RBAC index, no escalation check; rule reviews answer incomplete).
   */
  readonly authorize?: Authorizer
  /** Built-in admission plugins turned off by name (upstream's --disable-admission-plugins). */
  readonly disableAdmissionPlugins?: readonly string[]
  /** Extra admission plugins, after the built-in ones. */
  readonly admission?: readonly AdmissionPlugin[]
  /** The address clients reach the server at, for discovery's serverAddressByClientCIDRs. */
  readonly advertiseAddress?: string
  /** How to reach kubelets for pods/log (default plain HTTP). */
  readonly kubeletClient?: KubeletClientConfig
  /** The range ClusterIPs come from (default 10.96.0.0/12). */
  readonly serviceCidr?: Cidr
  /** How often the kubelets' resource usage is scraped for metrics.k8s.io (default 15 s). */
  readonly metricResolutionMs?: number
  /**
   * Reads a node's /stats/summary for metrics.k8s.io (default: from its kubelet over
   * kubeletClient; without either nothing is scraped and the metrics API answers empty).
   */
  readonly summaries?: SummaryFetcher
  /** Where /metrics comes from; the server registers its own metrics in it (default: a new one). */
  readonly metrics?: MetricsRegistry
  /**
   * Service account tokens: with them the server serves serviceaccounts/<name>/token, accepts
   * its tokens, runs ServiceAccount admission and serves issuer discovery.
   */
  readonly serviceAccountTokens?: ServiceAccountTokenOptions
  /**
   * The probes of the scheduler and controller manager running in this process, asked on each
   * componentstatuses request (a function: they may start after the server). Components without
   * one are judged by their leader Lease.
   */
  readonly componentHealth?: () => Readonly<Record<string, HealthProbe | undefined>>
  /** Events the watch cache keeps per resource (default 20,000): older watches get 410 Expired. */
  readonly watchCacheWindow?: number
  /**
   * The caller keeps the `kubernetes` Service (startKubernetesService): its bootstrap-controller
   * post-start hook is listed from the start, unfinished until the Service is first written.
   */
  readonly kubernetesService?: boolean
  /**
   * The cluster's controller manager runs the autoregister controller (upstream's aggregator runs
   * it in the API server): the health endpoints list autoregister-completion, failing until every
   * built-in group version's APIService has been seen Available.
   */
  readonly autoregister?: boolean
  /** The host name this server's identity Lease is named after (default: the machine's). */
  readonly hostname?: string
}

/** A running API server's handler surface. */
export interface ApiServer {
  /** Handles one request. Never throws: failures become Status responses. */
  handle(req: ApiRequest): Promise<ApiResponse>
  /** The same, with the web fetch signature. */
  fetch(request: Request): Promise<Response>
  /** Runs the watch cache until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>
  /**
   * Keeps the `kubernetes` Service and its endpoints pointing at this server until `signal`
   * aborts; resolves once they were first written, with the loop's completion.
   */
  startKubernetesService(
    opts: KubernetesServiceOptions,
    signal: AbortSignal,
  ): Promise<{ done: Promise<void> }>
  /**
   * Resolves once the cache has loaded and the post-start hooks' work is done (the system
   * namespaces exist, ...); rejects with the error of a hook that kept failing.
   */
  ready(): Promise<void>
  /** The served resources. */
  readonly resources: readonly ResourceInfo[]
}
