/** What every resource handler receives. */
import type { HealthProbe } from "../component-status.ts"
import type { ResourceInfo } from "../../api/index.ts"
import type { Store } from "../../storage/index.ts"
import type { Clock, Logger } from "../../util/index.ts"
import type { Authorizer, RuleResolver } from "../authz.ts"
import type { ApiRequest, UserInfo } from "../http.ts"
import type { RequestInfo } from "../request-info.ts"
import type { Registry } from "../registry/registry.ts"
import type { Served } from "../registry/context.ts"
import type { WatchCache } from "../watch-cache.ts"
import type { ResourceTable } from "../crd/resource-table.ts"
import type { MetricsPoints } from "../resource-metrics/points.ts"
import type { ObjectLookup, ServiceAccountTokenOptions } from "../serviceaccount/config.ts"

/** How the API server reaches kubelets: HTTPS with a client certificate, or plain HTTP. */
export interface KubeletClientConfig {
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string }
}

/** The server-wide parts handlers use. */
export interface ServerParts {
  readonly store: Store
  readonly cache: WatchCache
  readonly registry: Registry
  readonly clock: Clock
  readonly log: Logger
  /** The served resources, built-in and custom. */
  readonly resources: ResourceTable
  /** How to reach kubelets (pods/log). */
  readonly kubeletClient: KubeletClientConfig
  /** The latest resource metrics scraped from the kubelets (metrics.k8s.io). */
  readonly resourceMetrics: MetricsPoints
  /** Service account token issuing, when the server has a signing key. */
  readonly serviceAccountTokens?: {
    readonly options: ServiceAccountTokenOptions
    readonly lookup: ObjectLookup
  }
  /** The probes of the scheduler and controller manager when they run in this process (componentstatuses). */
  readonly componentHealth?: () => Readonly<Record<string, HealthProbe | undefined>>
  /** The server's authorizer and rule resolver (the access reviews ask them). */
  readonly authorization: { readonly authorize: Authorizer; readonly rulesFor: RuleResolver }
  /** The server's authenticator (TokenReview asks it about a token). */
  readonly authenticate?: (req: ApiRequest) => Promise<UserInfo | undefined>
  /** Serves a resource at another version (e.g. autoscaling/v1 of a stored v2 HPA). */
  served(info: ResourceInfo): Served
}

/** One resource request after routing. */
export interface ResourceRequest {
  readonly req: ApiRequest
  readonly ri: RequestInfo
  readonly served: Served
  /** The namespace, "" for cluster-scoped resources. */
  readonly namespace: string
  readonly parts: ServerParts
}
