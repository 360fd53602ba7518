/**
 * A container runtime that records every call in the kubelet's runtime operation metrics,
 * under the CRI method names upstream's instrumented runtime service uses. Methods it does not
 * know pass through untouched.
 */
import type { ContainerRuntime } from "../runtime/runtime.ts"
import type { KubeletMetrics } from "./kubelet-metrics.ts"

/** CRI operation names by runtime method. */
const OPERATIONS: Readonly<Record<string, string>> = {
  runSandbox: "run_podsandbox",
  removeSandbox: "remove_podsandbox",
  sandboxes: "list_podsandbox",
  start: "start_container",
  stop: "stop_container",
  remove: "remove_container",
  updateResources: "update_container",
  updateSandboxResources: "update_podsandbox_resources",
  list: "list_containers",
  exec: "exec_sync",
  execStream: "exec",
  attach: "attach",
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as Promise<unknown> | undefined)?.then === "function"
}

/** `runtime` with its calls counted and timed in `metrics`. */
export function instrumentRuntime(runtime: ContainerRuntime, metrics: KubeletMetrics): ContainerRuntime {
  return new Proxy(runtime, {
    get(target, prop, _receiver) {
      const v: unknown = Reflect.get(target, prop, target)
      if (typeof v !== "function") return v
      const fn = (v as (...args: unknown[]) => unknown).bind(target)
      const op = typeof prop === "string" ? OPERATIONS[prop] : undefined
      if (!op) return fn
      return (...args: unknown[]): unknown => {
        const start = process.hrtime.bigint()
        const done = (failed: boolean) =>
          metrics.runtimeOperation(op, Number(process.hrtime.bigint() - start) / 1e9, failed)
        let out: unknown
        try {
          out = fn(...args)
        } catch (err) {
          done(true)
          throw err
        }
        if (!isPromise(out)) {
          done(false)
          return out
        }
        return out.then(
          (res) => (done(false), res),
          (err: unknown) => {
            done(true)
            throw err
          },
        )
      }
    },
  })
}
