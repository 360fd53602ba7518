/**
 * Waiting in tests that drive real processes, sockets or a real-time component (a kubelet, a
 * hollow node), where no FakeClock can settle the work: poll a probe until it answers.
 * Controller tests on a FakeClock use settleUntil instead.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../api/index.ts"
import type { Client } from "../client/index.ts"

/** How long until waits, and how often it asks. */
export interface UntilOptions {
  /** Give up after this long (default 10 s). */
  readonly ms?: number
  /** Ask again after this long (default 20 ms). */
  readonly everyMs?: number
}

/**
 * Polls `probe` until it returns something truthy, and returns that; a throw counts as "not
 * yet". @throws Error naming `what` (and the probe's last error) once `ms` has passed
 */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  opts: UntilOptions | number = {},
): Promise<T> {
  const { ms = 10_000, everyMs = 20 } = typeof opts === "number" ? { ms: opts } : opts
  const end = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await probe()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() >= end) break
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`)
}

/**
 * Polls pod `name` (namespace default) until `ok` holds for it, and returns it.
 * @throws Error naming `what` and the pod's last status once `ms` has passed
 */
export async function untilPod(
  client: Client,
  name: string,
  ok: (pod: Pod) => boolean,
  what = `pod ${name}`,
  opts: UntilOptions | number = {},
): Promise<Pod> {
  let last: Pod | undefined
  const probe = async () => {
    const pod: Pod & ApiObject = await client.resource(Pods).get({ namespace: "default", name })
    last = pod
    return ok(pod) ? pod : undefined
  }
  try {
    return await until(what, probe, opts)
  } catch (err) {
    if (!last) throw err
    throw new Error(`${(err as Error).message} (its status: ${JSON.stringify(last.status)})`)
  }
}

/** Polls pod `name` (namespace default) until its phase is one of `phases`. */
export function untilPhase(client: Client, name: string, ...phases: string[]): Promise<Pod> {
  return untilPod(
    client,
    name,
    (p) => phases.includes(p.status?.phase ?? ""),
    `${name} ${phases.join(" or ")}`,
  )
}
