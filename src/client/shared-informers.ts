/** SharedInformers: one informer (one watch) per resource and scope for a whole process. */
import { setMaxListeners } from "node:events"
import type { ApiObject, ResourceRef } from "../api/index.ts"
import { type Clock, type Logger, realClock, silentLogger, whenAborted } from "../util/index.ts"
import type { Client, SelectorOptions } from "./client.ts"
import { type Informer, ListWatchInformer, type TransformFunc } from "./informer.ts"
import { labelSelectorString } from "./_wire.ts"

/** Hands out shared informers; what controllers receive in their dependencies. */
export interface Informers {
  /**
   * The informer of `ref` within `scope` (a namespace and selectors; default everything),
   * created on first use and shared by every later caller. Started when the factory runs.
   */
  get<T extends ApiObject>(ref: ResourceRef<T>, scope?: SelectorOptions): Informer<T>
}

/** Options of SharedInformers. */
export interface SharedInformersOptions {
  readonly clock?: Clock
  readonly log?: Logger
  /** Applied to every object of every informer before caching (client-go's WithTransform). */
  readonly transform?: TransformFunc
}

interface Entry {
  readonly name: string
  readonly informer: Informer<ApiObject>
  running?: Promise<void>
}

/**
 * The Informers factory of one process. `run(signal)` starts every informer created so far and
 * any created later, until `signal` aborts.
 */
export class SharedInformers implements Informers {
  readonly #client: Client
  readonly #clock: Clock
  readonly #log: Logger
  readonly #transform: TransformFunc | undefined
  readonly #entries = new Map<string, Entry>()
  /** The entries of unscoped informers by the ref asked with (weakly: refs may be made on the fly). */
  readonly #unscoped = new WeakMap<ResourceRef, Entry>()
  #signal: AbortSignal | undefined

  constructor(client: Client, opts: SharedInformersOptions = {}) {
    this.#client = client
    this.#clock = opts.clock ?? realClock
    this.#log = opts.log ?? silentLogger()
    this.#transform = opts.transform
  }

  get<T extends ApiObject>(ref: ResourceRef<T>, scope?: SelectorOptions): Informer<T> {
    // Components ask for their informers in every reconcile and cycle: the common unscoped
    // lookup goes by the ref itself, without building the id.
    const unscoped = scope === undefined
    const known = unscoped ? this.#unscoped.get(ref) : undefined
    if (known) return known.informer as unknown as Informer<T>
    const entry = this.#entry(ref, scope ?? {})
    if (unscoped) this.#unscoped.set(ref, entry)
    return entry.informer as unknown as Informer<T>
  }

  #entry<T extends ApiObject>(ref: ResourceRef<T>, scope: SelectorOptions): Entry {
    const id = idOf(ref, scope)
    let entry = this.#entries.get(id)
    if (!entry) {
      const name = ref.group ? `${ref.resource}.${ref.group}` : ref.resource
      const informer = new ListWatchInformer<T>(this.#client.resource(ref), {
        ...scope,
        clock: this.#clock,
        log: this.#log.child({ informer: name }),
        ...(this.#transform ? { transform: this.#transform } : {}),
      })
      entry = { name, informer: informer as unknown as Informer<ApiObject> }
      this.#entries.set(id, entry)
      if (this.#signal) this.#start(entry, this.#signal)
    }
    return entry
  }

  /** True when every informer created so far has synced. */
  hasSynced(): boolean {
    for (const e of this.#entries.values()) if (!e.informer.hasSynced()) return false
    return true
  }

  /** Resolves true once every informer created so far has synced, false if `signal` aborts first. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    const all = await Promise.all([...this.#entries.values()].map((e) => e.informer.waitForSync(signal)))
    return all.every(Boolean)
  }

  /** Runs the informers until `signal` aborts; resolves once they have all stopped. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#signal) throw new TypeError("Cannot run SharedInformers twice at once")
    // Every informer's watch listens for the abort (one per resource: dozens with the garbage
    // collector): give them a signal of their own without Node's listener limit.
    const stop = new AbortController()
    setMaxListeners(0, stop.signal)
    const forward = () => stop.abort(signal.reason)
    signal.addEventListener("abort", forward, { once: true })
    if (signal.aborted) forward()
    this.#signal = stop.signal
    try {
      for (const entry of this.#entries.values()) this.#start(entry, stop.signal)
      await whenAborted(stop.signal)
      await Promise.all([...this.#entries.values()].map((e) => e.running))
    } finally {
      signal.removeEventListener("abort", forward)
      for (const e of this.#entries.values()) delete e.running
      this.#signal = undefined
    }
  }

  #start(entry: Entry, signal: AbortSignal): void {
    entry.running = entry.informer.run(signal).catch((err: unknown) => {
      this.#log.error({ err: String(err), informer: entry.name }, "Informer stopped")
    })
  }
}

function idOf(ref: ResourceRef, scope: SelectorOptions): string {
  const label = labelSelectorString(scope.labelSelector) ?? ""
  return `${ref.group}/${ref.version}/${ref.resource}|${scope.namespace ?? ""}|${label}|${scope.fieldSelector ?? ""}`
}
