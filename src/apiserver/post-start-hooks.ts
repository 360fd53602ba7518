/**
 * The API server's post-start hooks, as upstream's generic API server lists them on /healthz,
 * /livez and /readyz: `poststarthook/<name>`, failing with "not finished" until the hook's work
 * is done, in the order the hooks were added. Only the work this server does is a hook (the
 * system namespaces, the bootstrap objects, the address repair, ...), named as upstream names it.
 */
/** A health check: undefined when it passes, else why not. */
export type HealthCheck = () => Promise<string | undefined>

/** Upstream's error of a hook that has not finished (errHookNotFinished). */
const NOT_FINISHED = "not finished"

/** The hooks of one server; each is listed from when it is added. */
export class PostStartHooks {
  readonly #done = new Map<string, boolean>()

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
   * Runs `work` as hook `name`: finished once it resolves; when it throws, the hook stays
   * unfinished (its check keeps failing) and the returned promise rejects with an error naming
   * the hook, as upstream's `PostStartHook "<name>" failed: <err>` (the caller logs it).
   */
  async run(name: string, work: () => Promise<void>): Promise<void> {
    try {
      await work()
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      throw new Error(`PostStartHook "${name}" failed: ${why}`, { cause: err })
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
