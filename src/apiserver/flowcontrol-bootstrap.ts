/**
 * Upstream's priority-and-fairness-config-producer: the API Priority and Fairness configuration
 * the API server maintains. The suggested priority levels and flow schemas, then the mandatory
 * ones, are created when missing and revised as flowcontrol-ensure.ts decides; objects the
 * configuration no longer names but annotated as the server's are deleted. Once before the
 * server is ready, then every minute. They are stored, not enforced (k8ts does no APF), so they
 * exist for `kubectl get flowschemas` and tools that read them.
 */
import {
  ApiError,
  type ApiObject,
  findResource,
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  type ResourceInfo,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from "../api/index.ts"
import type { Clock, Logger } from "../util/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"
import type { WatchCache } from "./watch-cache.ts"
import { isUnwanted, revision, type Strategy } from "./flowcontrol-ensure.ts"

const GROUP = "flowcontrol.apiserver.k8s.io"
const FIELD_MANAGER = "api-priority-and-fairness-config-producer-v1"
const INTERVAL_MS = 60_000

/** What the producer works with. */
export interface FlowControlBootstrapDeps {
  readonly registry: Registry
  /** Where the objects to remove are listed from, as upstream's lister. */
  readonly cache: WatchCache
  readonly served: (info: ResourceInfo) => Served
  readonly clock: Clock
  readonly log: Logger
}

function isReason(err: unknown, reason: string): boolean {
  return err instanceof ApiError && err.reason === reason
}

/** Keeps the bootstrap flowcontrol configuration. */
export class FlowControlBootstrap {
  readonly #d: FlowControlBootstrapDeps
  readonly #levels: Served
  readonly #schemas: Served

  constructor(deps: FlowControlBootstrapDeps) {
    this.#d = deps
    const served = (resource: string) => deps.served(findResource(GROUP, "v1", resource) as ResourceInfo)
    this.#levels = served("prioritylevelconfigurations")
    this.#schemas = served("flowschemas")
  }

  /** One pass, in upstream's order; the first error stops it. */
  async ensure(): Promise<void> {
    await this.#ensureAll(this.#levels, SUGGESTED_PRIORITY_LEVELS, "suggested")
    await this.#ensureAll(this.#schemas, SUGGESTED_FLOW_SCHEMAS, "suggested")
    await this.#ensureAll(this.#levels, MANDATORY_PRIORITY_LEVELS, "mandatory")
    await this.#ensureAll(this.#schemas, MANDATORY_FLOW_SCHEMAS, "mandatory")
    await this.#removeUnwanted(this.#schemas, [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS])
    await this.#removeUnwanted(this.#levels, [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS])
  }

  /** Ensures every minute until `signal` aborts (the first pass is the caller's). */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.#d.clock.sleep(INTERVAL_MS, signal).catch(() => {})
      if (signal.aborted) return
      await this.ensure().catch((err: unknown) =>
        this.#d.log.warn({ err: String(err) }, "APF bootstrap ensurer ran into error, will retry later"),
      )
    }
  }

  async #ensureAll(s: Served, objects: readonly object[], strategy: Strategy): Promise<void> {
    for (const obj of objects) await this.#ensureOne(s, obj as ApiObject, strategy)
  }

  async #ensureOne(s: Served, bootstrap: ApiObject, strategy: Strategy): Promise<void> {
    const { registry } = this.#d
    const name = bootstrap.metadata?.name ?? ""
    let current: ApiObject | undefined
    while (!current) {
      current = await registry.get(s, "", name).catch((err: unknown) => {
        if (isReason(err, "NotFound")) return undefined
        throw err
      })
      if (current) break
      // A missing object is always created again
      const created = await registry
        .create(s, "", structuredClone(bootstrap), { fieldManager: FIELD_MANAGER })
        .catch((err: unknown) => {
          if (isReason(err, "AlreadyExists")) return undefined
          throw err
        })
      if (created) return
    }
    const revised = revision(s.info, current, bootstrap, strategy)
    if (!revised) return
    await registry
      .update(s, { namespace: "", name }, () => revised, {
        fieldManager: FIELD_MANAGER,
        clientResourceVersion: current.metadata?.resourceVersion ?? "",
      })
      .catch((err: unknown) => {
        // Somebody changed it meanwhile: the next pass looks again
        if (!isReason(err, "Conflict")) throw err
      })
  }

  async #removeUnwanted(s: Served, wanted: readonly object[]): Promise<void> {
    const names = new Set(wanted.map((o) => (o as ApiObject).metadata?.name))
    const listed = [...this.#d.cache.resource(s.prefix).objects.values()]
    for (const obj of listed) {
      const name = obj.metadata?.name ?? ""
      if (names.has(name) || !isUnwanted(obj)) continue
      await this.#d.registry.delete(s, { namespace: "", name }, {}).catch((err: unknown) => {
        if (!isReason(err, "NotFound")) throw err
      })
      this.#d.log.info({ name, kind: s.info.kind }, "Deleted an unwanted APF object")
    }
  }
}
