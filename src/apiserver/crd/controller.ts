/**
 * The API server's CRD controllers, as upstream's apiextensions-apiserver runs them: naming
 * (status.acceptedNames and the NamesAccepted condition), establishing (Established), and the
 * customresourcecleanup.apiextensions.k8s.io finalizer that deletes a CRD's objects before the
 * CRD goes. Driven by the watch cache's CRD events; keys only; writes through the registry.
 */
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import { type ApiObject, ApiError, CustomResourceDefinitions, emptyCrdStatus } from "../../api/index.ts"
import type { Clock, Logger } from "../../util/index.ts"
import { type Served, decode } from "../registry/context.ts"
import type { Registry } from "../registry/registry.ts"
import type { WatchCache } from "../watch-cache.ts"
import { runCacheLoop } from "../cache-loop.ts"
import { namingStatus, setCondition } from "./naming.ts"
import { customResourcePrefix, customResources, hasCondition, type ResourceTable } from "./resource-table.ts"

type Crd = CustomResourceDefinition & ApiObject

/** The finalizer that holds a CRD until its custom resources are gone. */
export const CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"

/** What the controller needs from the server. */
export interface CrdControllerDeps {
  readonly registry: Registry
  readonly cache: WatchCache
  readonly table: ResourceTable
  readonly clock: Clock
  readonly log: Logger
  readonly served: (info: typeof CustomResourceDefinitions) => Served
}

const RETRY_MS = 500

/** Runs the naming, establishing and cleanup loop until `signal` aborts. */
export class CrdController {
  readonly #d: CrdControllerDeps
  readonly #crds: Served
  readonly #pending = new Set<string>()
  /** CRDs waiting for their last objects (with finalizers) to go, and how to stop waiting. */
  readonly #waiting = new Map<string, () => void>()
  #poke: () => void = () => {}

  constructor(deps: CrdControllerDeps) {
    this.#d = deps
    this.#crds = deps.served(CustomResourceDefinitions)
  }

  #objects(): Crd[] {
    return [...this.#d.cache.resource(this.#crds.prefix).objects.values()] as Crd[]
  }

  /** Reconciles `name` again after a short wait, without holding up the others. */
  #retry(name: string, signal?: AbortSignal): void {
    this.#d.clock.sleep(RETRY_MS, signal).then(
      () => this.#enqueue(name),
      () => {},
    )
  }

  #enqueue(name: string): void {
    this.#pending.add(name)
    this.#poke()
  }

  /** Follows the CRD cache and reconciles each changed CRD. */
  run(signal: AbortSignal): Promise<void> {
    const { cache, table } = this.#d
    return runCacheLoop(
      {
        cache,
        start: (poke) => {
          this.#poke = poke
          const off = cache.resource(this.#crds.prefix).subscribe((ev) => {
            const crd = ev.object as Crd
            if (ev.type === "DELETED") table.remove(crd.metadata?.name ?? "")
            else table.set(crd)
            this.#enqueue(crd.metadata?.name ?? "")
          })
          for (const crd of this.#objects()) {
            table.set(crd)
            this.#enqueue(crd.metadata?.name ?? "")
          }
          return [off]
        },
        step: async (signal) => {
          const name = this.#pending.values().next().value
          if (name === undefined) return false
          this.#pending.delete(name)
          await this.#reconcile(name).catch((err: unknown) => {
            this.#d.log.warn({ err: String(err), crd: name }, "Cannot reconcile the CustomResourceDefinition")
            this.#retry(name, signal)
          })
          return true
        },
      },
      signal,
    )
  }

  async #get(name: string): Promise<Crd | undefined> {
    try {
      return (await this.#d.registry.get(this.#crds, "", name)) as Crd
    } catch (err) {
      if (err instanceof ApiError && err.reason === "NotFound") return undefined
      throw err
    }
  }

  async #writeStatus(name: string, status: (crd: Crd) => Crd["status"]): Promise<Crd> {
    const { object } = await this.#d.registry.update(
      this.#crds,
      { namespace: "", name },
      (cur) => ({ ...(cur as Crd), status: status(cur as Crd) }),
      { subresource: "status" },
    )
    this.#d.table.set(object as Crd)
    return object as Crd
  }

  async #reconcile(name: string): Promise<void> {
    const crd = await this.#get(name)
    if (!crd) return
    if (crd.metadata?.deletionTimestamp) return this.#cleanup(crd)
    const now = this.#now()
    const next = namingStatus(crd, this.#objects(), now)
    if (JSON.stringify(next) === JSON.stringify(crd.status)) {
      this.#d.table.set(crd)
      return
    }
    await this.#writeStatus(name, (cur) => namingStatus(cur, this.#objects(), now))
  }

  #now(): string {
    return new Date(Math.floor(this.#d.clock.now() / 1000) * 1000).toISOString().replace(".000Z", "Z")
  }

  #terminating(reason: string, message: string, status: "True" | "False" = "True") {
    const now = this.#now()
    return (cur: Crd): Crd["status"] => {
      const s = cur.status ?? emptyCrdStatus()
      return {
        ...s,
        conditions: setCondition(s.conditions ?? [], { type: "Terminating", status, reason, message }, now),
      }
    }
  }

  /** Deletes every object of a terminating CRD, then releases its finalizer. */
  async #cleanup(crd: Crd): Promise<void> {
    const name = crd.metadata?.name ?? ""
    if (!(crd.metadata?.finalizers ?? []).includes(CLEANUP_FINALIZER)) return
    await this.#writeStatus(
      name,
      this.#terminating("InstanceDeletionInProgress", "CustomResource deletion is in progress"),
    )
    // A CRD never established never served objects: nothing to delete.
    const established = hasCondition(crd, "Established")
    const remaining = established ? await this.#deleteAll(crd) : 0
    if (remaining > 0) return this.#awaitDeletions(crd)
    this.#waiting.get(name)?.()
    await this.#writeStatus(
      name,
      established
        ? this.#terminating("InstanceDeletionCompleted", "removed all instances", "False")
        : this.#terminating("NeverEstablished", "resource was never established", "False"),
    )
    await this.#d.registry.update(this.#crds, { namespace: "", name }, (cur) => {
      const c = cur as Crd
      const finalizers = (c.metadata?.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER)
      return { ...c, metadata: { ...c.metadata, finalizers } }
    })
  }

  /** Reconciles a terminating CRD again when one of its objects goes (or after a while). */
  #awaitDeletions(crd: Crd): void {
    const name = crd.metadata?.name ?? ""
    if (this.#waiting.has(name)) return
    const off = this.#d.cache.resource(customResourcePrefix(crd)).subscribe((ev) => {
      if (ev.type !== "DELETED") return
      this.#waiting.get(name)?.()
      this.#enqueue(name)
    })
    this.#waiting.set(name, () => {
      off()
      this.#waiting.delete(name)
    })
    this.#retry(name)
  }

  /** Deletes the CRD's objects; returns how many are still stored. */
  async #deleteAll(crd: Crd): Promise<number> {
    const pairs = customResources(crd)
    const storage = pairs.find(([info]) => info.version === info.storageVersion)?.[0] ?? pairs[0]?.[0]
    const { entries } = await this.#d.registry.deps.store.list(customResourcePrefix(crd))
    if (!storage) return entries.length
    const served: Served = {
      info: storage,
      prefix: customResourcePrefix(crd),
      storageVersion: storage.version,
      storageGroup: storage.group,
    }
    for (const e of entries) {
      const obj = decode(e.value as string, e.revision)
      if (obj.metadata?.deletionTimestamp) continue
      await this.#d.registry
        .delete(served, { namespace: obj.metadata?.namespace ?? "", name: obj.metadata?.name ?? "" }, {})
        .catch((err: unknown) => {
          if (!(err instanceof ApiError && err.reason === "NotFound")) throw err
        })
    }
    return (await this.#d.registry.deps.store.list(customResourcePrefix(crd))).entries.length
  }
}
