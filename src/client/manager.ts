/**
 * ControllerManager: runs the enabled controllers on shared informers, reports each one's
 * health, and restarts a controller loop that crashes, with exponential backoff.
 */
import { setMaxListeners } from "node:events"
import { type Clock, type Logger, realClock, silentLogger } from "../util/index.ts"
import type { Client } from "./client.ts"
import { Controller, type ControllerSpec, type ControllerStats } from "./controller.ts"
import { stripManagedFields } from "./informer.ts"
import { SharedInformers } from "./shared-informers.ts"

/** Options of ControllerManager. */
export interface ControllerManagerOptions {
  /** Every known controller; `enabled` picks which run. */
  readonly controllers: readonly ControllerSpec[]
  /**
   * kube-controller-manager's `--controllers`: `*` for all, `name` to enable, `-name` to
   * disable (default `["*"]`).
   */
  readonly enabled?: readonly string[]
  readonly client: Client
  /** Informers shared with other components; the caller runs them. Default: the manager's own. */
  readonly informers?: SharedInformers
  readonly clock?: Clock
  readonly log?: Logger
  /** The first restart after a crash waits this long, doubling up to 5 minutes (default 1 s). */
  readonly restartBackoffMs?: number
}

/** Where a controller's loop is. */
export type ControllerState = "waiting" | "running" | "crashed" | "stopped"

/** One controller's health and counters. */
export interface ControllerHealth extends ControllerStats {
  readonly name: string
  readonly state: ControllerState
  /** How often the loop was restarted after a crash. */
  readonly restarts: number
  /** The last crash, if any. */
  readonly lastError?: string
}

const MAX_RESTART_BACKOFF_MS = 300_000
/** A loop that ran this long before crashing starts its backoff afresh. */
const STABLE_AFTER_MS = 600_000

interface Slot {
  readonly controller: Controller
  state: ControllerState
  restarts: number
  lastError?: string
}

/** True when `name` is enabled by a `--controllers` style list. */
export function isControllerEnabled(name: string, enabled: readonly string[]): boolean {
  if (enabled.includes(`-${name}`)) return false
  return enabled.includes(name) || enabled.includes("*")
}

/** Runs a set of controllers as one component. */
export class ControllerManager {
  readonly #opts: ControllerManagerOptions
  readonly #clock: Clock
  readonly #log: Logger
  readonly #informers: SharedInformers
  readonly #ownInformers: boolean
  readonly #slots: Slot[]

  constructor(opts: ControllerManagerOptions) {
    this.#opts = opts
    this.#clock = opts.clock ?? realClock
    this.#log = opts.log ?? silentLogger()
    this.#ownInformers = !opts.informers
    // Without managedFields, as kube-controller-manager's informers (no controller reads them).
    this.#informers =
      opts.informers ??
      new SharedInformers(opts.client, { clock: this.#clock, log: this.#log, transform: stripManagedFields })
    const names = new Set<string>()
    for (const spec of opts.controllers) {
      if (names.has(spec.name)) throw new TypeError(`Cannot register controller "${spec.name}" twice`)
      names.add(spec.name)
    }
    const deps = { client: opts.client, informers: this.#informers, clock: this.#clock, log: this.#log }
    this.#slots = opts.controllers
      .filter((spec) => isControllerEnabled(spec.enabledBy ?? spec.name, opts.enabled ?? ["*"]))
      .map((spec) => ({ controller: new Controller(spec, deps), state: "waiting", restarts: 0 }))
  }

  /** The names of the enabled controllers. */
  get names(): string[] {
    return this.#slots.map((s) => s.controller.name)
  }

  /** Each enabled controller's state and counters. */
  health(): ControllerHealth[] {
    return this.#slots.map((s) => ({
      name: s.controller.name,
      state: s.state,
      restarts: s.restarts,
      ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
      ...s.controller.stats(),
    }))
  }

  /** True when every enabled controller is running. */
  isHealthy(): boolean {
    return this.#slots.every((s) => s.state === "running")
  }

  /** Runs the enabled controllers (and the informers, unless shared) until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = this.#ownInformers ? this.#informers.run(signal) : Promise.resolve()
    this.#log.info({ controllers: this.names }, "Starting controllers")
    // Every controller listens for the abort: a signal of their own that allows that many, so the
    // caller's signal carries one listener and Node's leak warning stays quiet.
    const stop = new AbortController()
    setMaxListeners(this.#slots.length + 10, stop.signal)
    const forward = () => stop.abort(signal.reason)
    signal.addEventListener("abort", forward, { once: true })
    if (signal.aborted) forward()
    try {
      await Promise.all(this.#slots.map((slot) => this.#supervise(slot, stop.signal)))
    } finally {
      signal.removeEventListener("abort", forward)
    }
    await informers
  }

  async #supervise(slot: Slot, signal: AbortSignal): Promise<void> {
    const name = slot.controller.name
    let crashes = 0
    while (!signal.aborted) {
      const started = this.#clock.now()
      slot.state = "running"
      try {
        await slot.controller.run(signal)
        if (signal.aborted) break
        throw new Error("the controller loop returned while the manager was running")
      } catch (err) {
        if (signal.aborted) break
        if (this.#clock.now() - started >= STABLE_AFTER_MS) crashes = 0
        const delay = Math.min((this.#opts.restartBackoffMs ?? 1000) * 2 ** crashes++, MAX_RESTART_BACKOFF_MS)
        slot.state = "crashed"
        slot.lastError = err instanceof Error ? err.message : String(err)
        this.#log.error({ controller: name, err: slot.lastError, restartMs: delay }, "Controller crashed")
        try {
          await this.#clock.sleep(delay, signal)
        } catch {
          break
        }
        slot.restarts++
      }
    }
    slot.state = "stopped"
  }
}
