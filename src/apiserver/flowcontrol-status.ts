/**
 * The FlowSchema status upstream's API Priority and Fairness config consumer keeps: each
 * FlowSchema's `Dangling` condition says whether the PriorityLevelConfiguration it names exists
 * (False, reason Found) or not (True, reason NotFound). Changed conditions are applied
 * (server-side apply, forced) to flowschemas/<name>/status as
 * api-priority-and-fairness-config-consumer-v1. Driven by the watch cache's FlowSchema and
 * PriorityLevelConfiguration events; every pass looks at all of them, as upstream's does. A
 * schema written more than 5 times in a minute is held back, and one pass retried 30 to 75
 * seconds later (one pending retry, the earliest, as upstream's queue keeps one per key).
 */
import type { FlowSchema, FlowSchemaCondition } from "kubernetes-types/flowcontrol/v1.js"
import { ApiError, findResource, notFound, type ResourceInfo } from "../api/index.ts"
import type { Clock, Logger } from "../util/index.ts"
import { appliedObject } from "./apply/index.ts"
import { type Served, timestamp } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"
import type { WatchCache } from "./watch-cache.ts"
import { runCacheLoop } from "./cache-loop.ts"

const GROUP = "flowcontrol.apiserver.k8s.io"
/** Upstream's ConfigConsumerAsFieldManager. */
const FIELD_MANAGER = "api-priority-and-fairness-config-consumer-v1"
const RETRY_MS = 1_000
/** Upstream holds back a FlowSchema written more than this many times in the last minute... */
const MAX_WRITES_PER_MINUTE = 5
/** ...for 30 to 75 seconds. */
const HOLD_MS = 30_000

/**
 * The Dangling condition `fs` should have when the level it names does (or does not) exist, or
 * undefined when its current one says so already (its time is then left alone).
 */
export function danglingCondition(
  fs: FlowSchema,
  levelExists: boolean,
  nowMs: number,
): FlowSchemaCondition | undefined {
  const level = fs.spec?.priorityLevelConfiguration?.name ?? ""
  const want = levelExists
    ? {
        status: "False",
        reason: "Found",
        message: `This FlowSchema references the PriorityLevelConfiguration object named "${level}" and it exists`,
      }
    : {
        status: "True",
        reason: "NotFound",
        message: `This FlowSchema references the PriorityLevelConfiguration object named "${level}" but there is no such object`,
      }
  const cur = (fs.status?.conditions ?? []).find((c) => c.type === "Dangling")
  if (cur?.status === want.status && cur.reason === want.reason && cur.message === want.message)
    return undefined
  // Upstream's condition, in its field order
  const { status, reason, message } = want
  return { type: "Dangling", status, lastTransitionTime: timestamp(nowMs), reason, message }
}

/** What the controller works with. */
export interface FlowSchemaStatusDeps {
  readonly registry: Registry
  readonly cache: WatchCache
  readonly served: (info: ResourceInfo) => Served
  readonly clock: Clock
  readonly log: Logger
}

/** Keeps every FlowSchema's Dangling condition. */
export class FlowSchemaStatusController {
  readonly #d: FlowSchemaStatusDeps
  readonly #schemas: Served
  readonly #levels: Served
  /** When each FlowSchema was written, newest last, within the last minute. */
  readonly #writes = new Map<string, number[]>()
  #dirty = true
  #poke: () => void = () => {}
  /** The one pending retry (upstream's queue keeps one per key, the earliest). */
  #retry: { readonly at: number; readonly cancel: AbortController } | undefined

  constructor(deps: FlowSchemaStatusDeps) {
    this.#d = deps
    const served = (resource: string) => deps.served(findResource(GROUP, "v1", resource) as ResourceInfo)
    this.#schemas = served("flowschemas")
    this.#levels = served("prioritylevelconfigurations")
  }

  /** Syncs after every change of a FlowSchema or a PriorityLevelConfiguration until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    const { cache } = this.#d
    return runCacheLoop(
      {
        cache,
        start: (poke) => {
          this.#poke = () => {
            this.#dirty = true
            poke()
          }
          return [this.#schemas, this.#levels].map((s) =>
            cache.resource(s.prefix).subscribe(() => this.#poke()),
          )
        },
        step: async (signal) => {
          if (!this.#dirty) return false
          this.#dirty = false
          const delayMs = await this.sync().catch((err: unknown) => {
            this.#d.log.warn({ err: String(err) }, "Cannot set the FlowSchema conditions")
            return RETRY_MS
          })
          if (delayMs > 0) this.#retryAfter(delayMs, signal)
          return true
        },
      },
      signal,
    )
  }

  /** Another pass in `ms`, unless one is due by then already (a later one is called off). */
  #retryAfter(ms: number, signal: AbortSignal): void {
    const at = this.#d.clock.now() + ms
    if (this.#retry && this.#retry.at <= at) return
    this.#retry?.cancel.abort()
    const retry = { at, cancel: new AbortController() }
    this.#retry = retry
    this.#d.clock.sleep(ms, AbortSignal.any([signal, retry.cancel.signal])).then(
      () => {
        if (this.#retry === retry) this.#retry = undefined
        this.#poke()
      },
      () => {}, // stopped, or called off for an earlier one
    )
  }

  /**
   * One pass over every FlowSchema; returns how long to wait before another when a schema written
   * too often was held back (0 when none was). @throws the first write error
   */
  async sync(): Promise<number> {
    const { cache, clock } = this.#d
    const levels = new Set<string>()
    for (const pl of cache.resource(this.#levels.prefix).objects.values()) levels.add(pl.metadata?.name ?? "")
    const schemas = [...cache.resource(this.#schemas.prefix).objects.values()] as FlowSchema[]
    let delayMs = 0
    const errors: unknown[] = []
    for (const fs of schemas) {
      const now = clock.now()
      const condition = danglingCondition(
        fs,
        levels.has(fs.spec?.priorityLevelConfiguration?.name ?? ""),
        now,
      )
      if (!condition) continue
      const name = fs.metadata?.name ?? ""
      if (this.#tooOften(name, now)) {
        delayMs ||= HOLD_MS + Math.floor(Math.random() * 45) * 1000
        continue
      }
      await this.#apply(name, condition).catch((err: unknown) => {
        // A deleted schema's event is on its way: nothing more to do
        if (!(err instanceof ApiError && err.reason === "NotFound")) errors.push(err)
      })
    }
    this.#forget(new Set(schemas.map((fs) => fs.metadata?.name ?? "")), clock.now())
    if (errors.length) throw errors[0]
    return delayMs
  }

  /**
   * Records a write of `name` at `now` unless it was written too often in the last minute (more
   * than 5 times, a write a minute old still counting, as upstream's shouldDelayUpdate counts).
   */
  #tooOften(name: string, now: number): boolean {
    const recent = (this.#writes.get(name) ?? []).filter((t) => t >= now - 60_000)
    if (recent.length > MAX_WRITES_PER_MINUTE) return true
    recent.push(now)
    this.#writes.set(name, recent)
    return false
  }

  /** Drops the writes older than a minute, and those of the schemas no longer in `existing`. */
  #forget(existing: ReadonlySet<string>, now: number): void {
    for (const [name, times] of this.#writes) {
      if (!existing.has(name) || !times.some((t) => t >= now - 60_000)) this.#writes.delete(name)
    }
  }

  async #apply(name: string, condition: FlowSchemaCondition): Promise<void> {
    const { registry, clock } = this.#d
    const config = {
      apiVersion: `${GROUP}/v1`,
      kind: "FlowSchema",
      metadata: { name },
      status: { conditions: [condition] },
    }
    await registry.update(
      this.#schemas,
      { namespace: "", name },
      (cur) => {
        if (!cur) throw notFound({ resource: "flowschemas", group: GROUP }, name)
        const target = { info: this.#schemas.info, subresource: "status", nowMs: clock.now() }
        return appliedObject(cur, config, { manager: FIELD_MANAGER, force: true }, target)
      },
      { subresource: "status" },
    )
  }
}
