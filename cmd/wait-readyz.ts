/**
 * The server says "Cluster ready" once its /readyz passes: its post-start hooks have finished and
 * the controller manager's autoregister has made the built-in APIServices Available
 * (autoregister-completion), as a kubeadm cluster is ready once its API server's /readyz is.
 */
import type { Logger } from "../src/util/index.ts"

/** How long the server waits for it before saying ready anyway (with a warning). */
const WAIT_MS = 30_000
const POLL_MS = 20

/**
 * True once `fetch` answers GET /readyz with 200; false when `ms` passed first (the failing
 * checks are logged) or `signal` aborted.
 */
export async function waitForReadyz(
  fetch: (req: Request) => Promise<Response>,
  log: Logger,
  signal: AbortSignal,
  ms = WAIT_MS,
): Promise<boolean> {
  const deadline = Date.now() + ms
  let last = ""
  while (!signal.aborted && Date.now() < deadline) {
    const res = await fetch(new Request("https://k8ts/readyz?verbose"))
    last = await res.text()
    if (res.status === 200) return true
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  if (!signal.aborted) {
    const failing = last.split("\n").filter((l) => l.startsWith("[-]"))
    log.warn({ waitedMs: ms, failing }, "The API server is not ready yet")
  }
  return false
}
