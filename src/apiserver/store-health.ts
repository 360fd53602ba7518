/**
 * The health check of the store behind the `etcd` and `etcd-readiness` checks of /healthz,
 * /livez and /readyz, as upstream's etcd prober: a read of `/registry/health` that must answer
 * within 2 s, at most one read a second (a check in between gets the last read's answer).
 */
import type { Store } from "../storage/index.ts"

/** The key the probe reads (upstream's `<prefix>/health`): absent is fine, failing is not. */
const HEALTH_KEY = "/registry/health"
/** Upstream's default healthcheck and readiness timeouts. */
const PROBE_TIMEOUT_MS = 2000

/** A check: undefined when healthy, else why not (upstream's error text). */
export type StoreCheck = () => Promise<string | undefined>

/** A store's check; `timeoutMs` and `now` for tests. */
export function storeHealthCheck(
  store: Store,
  opts: { readonly timeoutMs?: number; readonly now?: () => number } = {},
): StoreCheck {
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS
  const now = opts.now ?? (() => performance.now())
  // One probe per half timeout, as upstream's rate limiter with a burst of one.
  const interval = timeoutMs / 2
  let last: { at: number; result: Promise<string | undefined> } | undefined
  return () => {
    const t = now()
    if (last && t - last.at < interval) return last.result
    last = { at: t, result: probe(store, timeoutMs) }
    return last.result
  }
}

async function probe(store: Store, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("context deadline exceeded"), timeoutMs)
  })
  const read = store.get(HEALTH_KEY).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  )
  try {
    const why = await Promise.race([read, deadline])
    return why === undefined ? undefined : `error getting data from etcd: ${why}`
  } finally {
    clearTimeout(timer)
  }
}
