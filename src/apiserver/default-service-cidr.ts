/**
 * The `kubernetes` ServiceCIDR, made from this server's service range (upstream's
 * kubernetes-service-cidr-controller): created when missing, marked Ready when nothing has said
 * otherwise, never rewritten when it differs (that is reported once; an administrator decides).
 * Reconciled at start and every 10 seconds, so a deleted one comes back.
 */
import {
  ApiError,
  DEFAULT_SERVICE_CIDR_NAME,
  notFound,
  type ResourceInfo,
  SERVICE_CIDR_READY,
  type ServiceCIDR,
  serviceCIDRCondition,
  ServiceCIDRs,
} from "../api/index.ts"
import type { Clock, Logger } from "../util/index.ts"
import type { Served } from "./registry/context.ts"
import { timestamp } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"

/** The field manager of the status it writes, upstream's controller name. */
const MANAGER = "kubernetes-service-cidr-controller"
const INTERVAL_MS = 10_000

/** What the reconciler works with. */
export interface DefaultServiceCIDRDeps {
  readonly registry: Registry
  readonly served: (info: ResourceInfo) => Served
  readonly clock: Clock
  readonly log: Logger
  /** Told after each pass that succeeded. */
  readonly reconciled?: () => void
}

/** Keeps the default ServiceCIDR for `cidrs` (this server's ranges, primary first). */
export class DefaultServiceCIDR {
  readonly #d: DefaultServiceCIDRDeps
  readonly #cidrs: readonly string[]
  readonly #s: Served
  #reportedMismatch = false
  #reportedNotReady = false

  constructor(deps: DefaultServiceCIDRDeps, cidrs: readonly string[]) {
    this.#d = deps
    this.#cidrs = cidrs
    this.#s = deps.served(ServiceCIDRs)
  }

  /** One pass: create it if missing, then its status. */
  async reconcile(): Promise<void> {
    await this.#reconcile()
    this.#d.reconciled?.()
  }

  async #reconcile(): Promise<void> {
    let cur = (await this.#d.registry.get(this.#s, "", DEFAULT_SERVICE_CIDR_NAME).catch((err: unknown) => {
      if (err instanceof ApiError && err.reason === "NotFound") return undefined
      throw err
    })) as ServiceCIDR | undefined
    if (!cur) {
      this.#d.log.info({ cidrs: this.#cidrs }, "Creating the default ServiceCIDR")
      const body = { metadata: { name: DEFAULT_SERVICE_CIDR_NAME }, spec: { cidrs: [...this.#cidrs] } }
      cur = (await this.#d.registry.create(this.#s, "", body).catch((err: unknown) => {
        if (err instanceof ApiError && err.reason === "AlreadyExists") return undefined
        throw err
      })) as ServiceCIDR | undefined
      if (!cur) return // another server made it: its next pass looks at the status
    }
    await this.#syncStatus(cur)
  }

  async #syncStatus(cur: ServiceCIDR): Promise<void> {
    // A ServiceCIDR being deleted is the controller manager's to finish
    if (cur.metadata?.deletionTimestamp) return
    const spec = cur.spec?.cidrs ?? []
    if (spec.length !== this.#cidrs.length || spec.some((c, i) => c !== this.#cidrs[i])) {
      if (!this.#reportedMismatch) {
        this.#d.log.warn(
          { serviceCIDR: spec, flags: this.#cidrs, reason: "KubernetesDefaultServiceCIDRInconsistent" },
          "The default ServiceCIDR does not match the service range this server was started with",
        )
        this.#reportedMismatch = true
      }
      return
    }
    const ready = serviceCIDRCondition(cur)
    if (ready?.status === "True") return
    if (ready?.status === "False") {
      // Somebody else's verdict: not overwritten, as upstream leaves it to an administrator
      if (!this.#reportedNotReady) {
        this.#d.log.warn(
          { reason: ready.reason, message: ready.message },
          "The default ServiceCIDR is not Ready",
        )
        this.#reportedNotReady = true
      }
      return
    }
    const condition = {
      type: SERVICE_CIDR_READY,
      status: "True",
      lastTransitionTime: timestamp(this.#d.clock.now()),
      reason: "",
      message: "Kubernetes default Service CIDR is ready",
    }
    await this.#d.registry.update(
      this.#s,
      { namespace: "", name: DEFAULT_SERVICE_CIDR_NAME },
      (obj) => {
        const o = obj as ServiceCIDR | undefined
        if (!o)
          throw notFound({ resource: "servicecidrs", group: "networking.k8s.io" }, DEFAULT_SERVICE_CIDR_NAME)
        const others = (o.status?.conditions ?? []).filter((c) => c.type !== SERVICE_CIDR_READY)
        return { ...o, status: { ...o.status, conditions: [...others, condition] } }
      },
      { subresource: "status", fieldManager: MANAGER },
    )
  }

  /** Reconciles every 10 seconds until `signal` aborts (the first pass is the caller's). */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.#d.clock.sleep(INTERVAL_MS, signal).catch(() => {})
      if (signal.aborted) return
      await this.reconcile().catch((err: unknown) =>
        this.#d.log.warn({ err: String(err) }, "Cannot reconcile the default ServiceCIDR"),
      )
    }
  }
}
