/**
 * Components for the component-thread tests: each does one thing through its client (or fails
 * in one way), so the test sees what crosses the thread boundary.
 */
import { isMainThread } from "node:worker_threads"
import { ConfigMaps } from "../../src/api/index.ts"
import type { ComponentDeps, Running } from "../../cmd/components.ts"

/** Creates the ConfigMap `name` in default, then waits until stopped; its stats say its thread. */
export function startWriter(deps: ComponentDeps, opts: { name: string }): Running {
  const stop = new AbortController()
  const done = (async () => {
    await deps.client
      .resource(ConfigMaps)
      .create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: opts.name, namespace: "default" } })
    // Stopped while the create was on its way back: the abort has happened already.
    if (stop.signal.aborted) return
    await new Promise<void>((resolve) =>
      stop.signal.addEventListener("abort", () => resolve(), { once: true }),
    )
  })()
  const health = async () => ({ status: "True" as const, message: "writing", error: "" })
  return { name: "writer", done, stop, health, stats: () => ({ isMainThread }) }
}

/** Fails at once: its done rejects. */
export function startFailing(): Running {
  const stop = new AbortController()
  return { name: "failing", done: Promise.reject(new Error("the fixture broke")), stop }
}

/** Throws while starting. */
export function startBroken(): Running {
  throw new Error("cannot start the fixture")
}

/** Starts, then throws outside any promise: its thread dies. */
export function startCrashing(): Running {
  const stop = new AbortController()
  setTimeout(() => {
    throw new Error("uncaught in the fixture")
  }, 10)
  return { name: "crashing", done: new Promise(() => {}), stop }
}
