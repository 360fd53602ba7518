/**
 * A component described by data, so another thread can start it: the module that exports its
 * start function, that function's name and its options (structured-cloneable). The same
 * description starts it on this thread or in a component thread (component-threads.ts).
 */
import type { ComponentDeps, Running } from "./components.ts"

/** A component to start: `start(deps, options)` of `module`, named `name`. */
export interface ComponentTask {
  readonly name: string
  /** The module's URL (e.g. `new URL("./components.ts", import.meta.url).href`). */
  readonly module: string
  /** The module's export that starts it. */
  readonly start: string
  readonly options: unknown
}

/** What a task's start function is. */
export type StartComponent<O> = (deps: ComponentDeps, options: O) => Running | Promise<Running>

/**
 * The task that starts `name` with `start`, exported by that name from `module` (the caller's
 * own import of it types the options).
 */
export function componentTask<O>(
  name: string,
  module: string,
  start: StartComponent<O>,
  options: O,
): ComponentTask {
  return { name, module, start: start.name, options }
}

/**
 * Imports the task's module and starts it with `deps`.
 * @throws TypeError when the module has no such export
 */
export async function startTask(task: ComponentTask, deps: ComponentDeps): Promise<Running> {
  const mod = (await import(task.module)) as Record<string, unknown>
  const start = mod[task.start]
  if (typeof start !== "function") {
    throw new TypeError(`Cannot start ${task.name}: ${task.module} exports no function ${task.start}`)
  }
  return (start as StartComponent<unknown>)(deps, task.options)
}
