/**
 * The server says "Cluster ready" once its /readyz passes: its post-start hooks have finished and
 * the controller manager's autoregister has made the built-in APIServices Available
 * (autoregister-completion), as a kubeadm cluster is ready once its API server's /readyz is.
 */
import type { Clock, Logger } from "../util/index.ts"
import { LOOPBACK_USER } from "../api/index.ts"
import { type Handler, fromFetch, toFetch } from "./http.ts"

/** How long the server waits for it before saying ready anyway (with a warning). */
const WAIT_MS = 30_000
/** How often /readyz is asked again (kubeadm's wait for the API server polls twice a second). */
const POLL_MS = 200

/** Options of waitForReadyz. */
export interface WaitForReadyzOptions {
  readonly clock: Clock
  readonly log: Logger
  readonly signal: AbortSignal
  /** How long to wait (default 30 s). */
  readonly timeoutMs?: number
}

/**
 * True once `handle` (the API server's) answers GET /readyz with 200, asked as the server's own
 * loopback identity every 200 ms of `clock`; false when the timeout passed first (the failing
 * checks are logged) or `signal` aborted.
 */
export async function waitForReadyz(handle: Handler, opts: WaitForReadyzOptions): Promise<boolean> {
  const { clock, signal } = opts
  const ms = opts.timeoutMs ?? WAIT_MS
  const deadline = clock.now() + ms
  let last = ""
  while (!signal.aborted && clock.now() < deadline) {
    const req = fromFetch(new Request("https://k8ts/readyz?verbose"))
    // The server itself, as upstream's post-start hooks ask through its loopback client.
    req.user = LOOPBACK_USER
    const res = toFetch(await handle(req))
    last = await res.text()
    if (res.status === 200) return true
    await clock.sleep(Math.min(POLL_MS, Math.max(0, deadline - clock.now())), signal).catch(() => {})
  }
  if (!signal.aborted) {
    const failing = last.split("\n").filter((l) => l.startsWith("[-]"))
    opts.log.warn({ waitedMs: ms, failing }, "The API server is not ready yet")
  }
  return false
}
