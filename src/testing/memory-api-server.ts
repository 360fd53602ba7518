/**
 * In-process API servers for tests: one on a given store (runApiServer), or one on a fresh
 * memory store for the suite (or file) it is called in (memoryApiServer),
 * started before its tests, stopped after them.
 */
import { after, before } from "node:test"
import { createApiServer, type ApiServer, type ApiServerOptions } from "../apiserver/index.ts"
import { MemoryStore, type Store } from "../storage/index.ts"

/**
 * An in-process API server on `store`, once ready; `stop()` stops it (the store stays, for a
 * restart), and `stopped` settles once its loops have ended.
 */
export async function runApiServer(
  store: Store,
  options: Omit<ApiServerOptions, "store"> = {},
): Promise<{ api: ApiServer; stop: () => void; stopped: Promise<void> }> {
  const ac = new AbortController()
  const api = createApiServer({ ...options, store })
  const stopped = api.run(ac.signal)
  // Its failure to start rejects ready() below; after that, stopped is for those who await it.
  stopped.catch(() => {})
  await api.ready()
  return { api, stop: () => ac.abort(), stopped }
}

/**
 * Starts the server (with `options` but for its store) before the enclosing suite's tests and
 * hands it to `started`; stops it after them, and waits until it has stopped.
 */
export function memoryApiServer(
  started: (api: ApiServer) => void,
  options: Omit<ApiServerOptions, "store"> = {},
): void {
  let running: Awaited<ReturnType<typeof runApiServer>> | undefined
  before(async () => {
    running = await runApiServer(new MemoryStore(), options)
    started(running.api)
  })
  after(async () => {
    running?.stop()
    await running?.stopped
  })
}
