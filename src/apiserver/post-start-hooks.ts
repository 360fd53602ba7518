/**
 * The API server's post-start hooks, as upstream's generic API server lists them on /healthz,
 * /livez and /readyz: `poststarthook/<name>`, failing with "not finished" until the hook's work
 * is done, in the order the hooks were added. Only the work this server does is a hook (the
 * system namespaces, the bootstrap objects, the address repair, ...), named as upstream names it.
 */
import { type Clock, realClock } from "../util/index.ts"
import type { Logger } from "../util/index.ts"

/** A health check: undefined when it passes, else why not. */
export type HealthCheck = () => Promise<string | undefined>

/** Upstream's error of a hook that has not finished (errHookNotFinished). */
const NOT_FINISHED = "not finished"

/**
 * How a hook's work is retried: every second for 30 s, as upstream's bootstrap hooks poll
 * (`wait.PollUntilContextTimeout(ctx, time.Second, 30*time.Second, true, ...)` around the
 * system PriorityClasses and the RBAC roles) before their error stops the server.
 */
export const HOOK_RETRY_MS = 1000
export const HOOK_TIMEOUT_MS = 30_000

/** The hooks of one server; each is listed from when it is added. */
export class PostStartHooks {
  readonly #done = new Map<string, boolean>()
  readonly #clock: Clock
  readonly #log: Logger | undefined

  /** `log`: where each failed try is told (the hook's work is retried, see run). */
  constructor(opts: { readonly clock?: Clock; readonly log?: Logger } = {}) {
    this.#clock = opts.clock ?? realClock
    this.#log = opts.log
  }

  /**
   * Adds hook `name`, pending until finish(name).
   * @throws TypeError when a hook of that name was added before
   */
  add(...names: string[]): void {
    for (const name of names) {
      if (this.#done.has(name))
        throw new TypeError(`Cannot add post-start hook "${name}": it was added before`)
      this.#done.set(name, false)
    }
  }

  /** Hook `name` has done its work (a name never added is ignored). */
  finish(name: string): void {
    if (this.#done.has(name)) this.#done.set(name, true)
  }

  /**
   * Runs `work` as hook `name`: finished once it resolves. A try that throws is retried every
   * HOOK_RETRY_MS; once HOOK_TIMEOUT_MS passed since the first, the hook stays unfinished (its
   * check keeps failing) and the returned promise rejects with an error naming the hook, as
   * upstream's `PostStartHook "<name>" failed: <err>`, which stops its server (the caller's to
   * do). Rejects with `signal`'s reason when it aborts between tries.
   */
  async run(name: string, work: () => Promise<void>, signal?: AbortSignal): Promise<void> {
    const started = this.#clock.now()
    for (;;) {
      try {
        await work()
        break
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err)
        if (this.#clock.now() - started >= HOOK_TIMEOUT_MS)
          throw new Error(`PostStartHook "${name}" failed: ${why}`, { cause: err })
        this.#log?.warn({ hook: name, err: why }, "Post-start hook failed, retrying")
        await this.#clock.sleep(HOOK_RETRY_MS, signal)
      }
    }
    this.finish(name)
  }

  /** Whether hook `name` has finished. */
  finished(name: string): boolean {
    return this.#done.get(name) === true
  }

  /** One check per hook (`poststarthook/<name>`), in the order they were added. */
  checks(): [string, HealthCheck][] {
    return [...this.#done.keys()].map((name) => [
      `poststarthook/${name}`,
      async () => (this.#done.get(name) ? undefined : NOT_FINISHED),
    ])
  }
}
