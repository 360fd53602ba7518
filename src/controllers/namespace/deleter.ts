/**
 * Deletes everything in a terminating namespace, resource by resource (upstream's
 * namespacedResourcesDeleter): delete the collection (or each item), list what is left, and
 * report what remains, which finalizers hold it, and how long graceful pods may still take.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import { ApiError, type ApiObject, isPodTerminal, type List, Pods } from "../../api/index.ts"
import type { Client } from "../../client/index.ts"
import {
  type DiscoveredResource,
  discoverResources,
  discoveryFailureMessage,
  supportsVerbs,
} from "../discovery/index.ts"
import type { DeletionReport } from "./conditions.ts"

/** A pass over a namespace's content. */
export interface ContentResult extends DeletionReport {
  /** Seconds until pods still terminating gracefully should be gone (0: none expected). */
  readonly estimateSeconds: number
}

/** Assumed time for finalizers to finish when content waits on them. */
const FINALIZER_ESTIMATE_SECONDS = 15

function isUnsupported(err: unknown): boolean {
  return err instanceof ApiError && (err.reason === "MethodNotAllowed" || err.reason === "NotFound")
}

function gvrName(r: DiscoveredResource): string {
  return `${r.resource}.${r.group}`
}

function gvrString(r: DiscoveredResource): string {
  return `${r.group}/${r.version}, Resource=${r.resource}`
}

interface GvrResult {
  readonly estimate: number
  readonly remaining: number
  readonly finalizers: ReadonlyMap<string, number>
}

/** Deletes the content of one namespace; see the module comment. */
export class NamespaceContentDeleter {
  readonly #client: Client
  readonly #now: () => number

  constructor(client: Client, now: () => number) {
    this.#client = client
    this.#now = now
  }

  /** Deletes what it can everywhere; errors per resource are collected, not thrown. */
  async deleteAllContent(namespace: string, deletedAt: number): Promise<ContentResult> {
    const found = await discoverResources(this.#client)
    const failedGroups = Object.keys(found.failed)
    const discoveryError = failedGroups.length
      ? `Discovery failed for some groups, ${failedGroups.length} failing: ${discoveryFailureMessage(found.failed)}`
      : undefined
    const deletable = found.resources.filter((r) => r.namespaced && supportsVerbs(r, ["delete"]))
    const contentErrors: string[] = []
    const remaining = new Map<string, number>()
    const finalizers = new Map<string, number>()
    let estimate = 0
    for (const r of deletable) {
      try {
        const res = await this.#deleteResource(r, namespace, deletedAt)
        estimate = Math.max(estimate, res.estimate)
        if (res.remaining > 0) remaining.set(gvrName(r), res.remaining)
        for (const [f, n] of res.finalizers) finalizers.set(f, (finalizers.get(f) ?? 0) + n)
      } catch (err) {
        contentErrors.push(err instanceof Error ? err.message : String(err))
        if (err instanceof RemainingError) {
          estimate = Math.max(estimate, err.estimate)
          remaining.set(gvrName(r), err.remaining)
        }
      }
    }
    return {
      ...(discoveryError ? { discoveryError } : {}),
      contentErrors,
      remaining,
      finalizers,
      estimateSeconds: estimate,
    }
  }

  async #deleteResource(r: DiscoveredResource, namespace: string, deletedAt: number): Promise<GvrResult> {
    const estimate =
      r.group === "" && r.resource === "pods" ? await this.#podEstimate(namespace, deletedAt) : 0
    const collection = supportsVerbs(r, ["deletecollection"]) && (await this.#deleteCollection(r, namespace))
    if (!collection) await this.#deleteEach(r, namespace)
    const left = await this.#list(r, namespace)
    if (!left || left.length === 0) return { estimate, remaining: 0, finalizers: new Map() }
    const finalizers = new Map<string, number>()
    for (const item of left) {
      for (const f of item.metadata?.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1)
    }
    if (estimate > 0) return { estimate, remaining: left.length, finalizers }
    // Content held by finalizers is expected: give them time.
    if (finalizers.size) return { estimate: FINALIZER_ESTIMATE_SECONDS, remaining: left.length, finalizers }
    throw new RemainingError(
      `unexpected items still remain in namespace: ${namespace} for gvr: ${gvrString(r)}`,
      left.length,
      estimate,
    )
  }

  /** True when the server deleted the collection; false when it does not support that. */
  async #deleteCollection(r: DiscoveredResource, namespace: string): Promise<boolean> {
    try {
      await this.#client.request({
        method: "DELETE",
        ref: r,
        namespace,
        body: { propagationPolicy: "Background" },
      })
      return true
    } catch (err) {
      if (isUnsupported(err)) return false
      throw err
    }
  }

  async #deleteEach(r: DiscoveredResource, namespace: string): Promise<void> {
    const items = await this.#list(r, namespace)
    for (const item of items ?? []) {
      try {
        await this.#client
          .resource(r)
          .delete({ namespace, name: item.metadata?.name ?? "" }, { propagationPolicy: "Background" })
      } catch (err) {
        if (!isUnsupported(err)) throw err
      }
    }
  }

  /** The items left, or undefined when the resource cannot be listed. */
  async #list(r: DiscoveredResource, namespace: string): Promise<ApiObject[] | undefined> {
    if (!supportsVerbs(r, ["list"])) return undefined
    try {
      const list: List = await this.#client.resource(r).list({ namespace })
      return list.items
    } catch (err) {
      if (isUnsupported(err)) return undefined
      throw err
    }
  }

  /** The longest grace period of the namespace's running pods, unless it has already passed. */
  async #podEstimate(namespace: string, deletedAt: number): Promise<number> {
    const pods = await this.#client.resource(Pods).list({ namespace })
    let estimate = 0
    for (const pod of pods.items as Pod[]) {
      if (isPodTerminal(pod)) continue
      estimate = Math.max(estimate, pod.spec?.terminationGracePeriodSeconds ?? 0)
    }
    return this.#now() - deletedAt >= estimate * 1000 ? 0 : estimate
  }
}

/** Items remain that nothing (no finalizer, no grace period) accounts for. */
class RemainingError extends Error {
  override name = "RemainingError"
  constructor(
    message: string,
    readonly remaining: number,
    readonly estimate: number,
  ) {
    super(message)
  }
}
