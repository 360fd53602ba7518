/**
 * The server says "Cluster ready" once the `default` ServiceAccount of the `default` namespace
 * exists: until the service account controller has made it, admission refuses pods there
 * ("error looking up service account default/default"). kind's readiness waits for it too.
 */
import { isNotFound, ServiceAccounts } from "../src/api/index.ts"
import type { Client } from "../src/client/index.ts"
import type { Logger } from "../src/util/index.ts"

/** How long the server waits for it before saying ready anyway (with a warning). */
const WAIT_MS = 30_000
const POLL_MS = 20

/** True once default/default exists; false when `ms` passed first or `signal` aborted. */
export async function waitForDefaultServiceAccount(
  client: Client,
  log: Logger,
  signal: AbortSignal,
  ms = WAIT_MS,
): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!signal.aborted && Date.now() < deadline) {
    try {
      await client.resource(ServiceAccounts).get({ namespace: "default", name: "default" })
      return true
    } catch (err) {
      if (!isNotFound(err)) log.debug({ err: String(err) }, "Reading the default ServiceAccount")
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  if (!signal.aborted) log.warn({ waitedMs: ms }, "The default ServiceAccount does not exist yet")
  return false
}
