/**
 * The system namespaces controller, as upstream's start-system-namespaces-controller hook starts
 * it: default, kube-system, kube-public and kube-node-lease are created when the watch cache does
 * not hold them, at once and then every minute. A namespace that cannot be created is logged and
 * tried again at the next pass; it never stops the server (the hook finishes at once).
 */
import { ApiError, type ResourceInfo, findResource } from "../api/index.ts"
import type { Clock, Logger } from "../util/index.ts"
import { IMMORTAL_NAMESPACES } from "./admission.ts"
import { keyFor, type Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"
import type { WatchCache } from "./watch-cache.ts"

/** Upstream's interval between the controller's passes (wait.Until, one minute). */
export const SYSTEM_NAMESPACES_INTERVAL_MS = 60_000

/** The namespaces the controller keeps (upstream's SystemNamespaces). */
export const SYSTEM_NAMESPACES = [...IMMORTAL_NAMESPACES, "kube-node-lease"] as const

const NAMESPACES = findResource("", "v1", "namespaces") as ResourceInfo

/** What the controller works with. */
export interface SystemNamespacesDeps {
  readonly registry: Registry
  readonly cache: WatchCache
  readonly served: (info: ResourceInfo) => Served
  readonly clock: Clock
  readonly log: Logger
}

/** Creates the system namespaces that are missing, now and every minute. */
export class SystemNamespaces {
  readonly #d: SystemNamespacesDeps
  readonly #s: Served

  constructor(deps: SystemNamespacesDeps) {
    this.#d = deps
    this.#s = deps.served(NAMESPACES)
  }

  /** One pass: each namespace the cache does not hold is created; a failure is logged. */
  async sync(): Promise<void> {
    const cached = this.#d.cache.resource(this.#s.prefix).objects
    for (const name of SYSTEM_NAMESPACES) {
      if (cached.has(keyFor(this.#s, "", name))) continue
      try {
        await this.#d.registry.create(this.#s, "", { metadata: { name } })
      } catch (err) {
        if (err instanceof ApiError && err.reason === "AlreadyExists") continue
        this.#d.log.warn(
          { err: err instanceof Error ? err.message : String(err), namespace: name },
          "Unable to create a required kubernetes system namespace",
        )
      }
    }
  }

  /**
   * Starts the passes: the first at once, the next each a minute after the one before ended,
   * until `signal` aborts. Resolves once the first pass is done (it never rejects).
   */
  start(signal: AbortSignal): Promise<void> {
    const first = this.#pass()
    void first.then(async () => {
      while (!signal.aborted) {
        await this.#d.clock.sleep(SYSTEM_NAMESPACES_INTERVAL_MS, signal).catch(() => {})
        if (!signal.aborted) await this.#pass()
      }
    })
    return first
  }

  /**
   * One pass whose unexpected error (one sync() does not catch, such as the cache failing) is
   * logged: thrown out of the detached loop it would be an unhandled rejection, stopping the
   * process, and it would end the passes.
   */
  #pass(): Promise<void> {
    return this.sync().catch((err: unknown) => {
      this.#d.log.error(
        { err: err instanceof Error ? err.message : String(err) },
        "System namespaces controller pass failed",
      )
    })
  }
}
