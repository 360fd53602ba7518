/**
 * An in-process API server on a fresh memory store for the suite (or file) it is called in:
 * started before its tests, stopped after them.
 */
import { after, before } from "node:test"
import { createApiServer, type ApiServer, type ApiServerOptions } from "../apiserver/index.ts"
import { MemoryStore } from "../storage/index.ts"

/**
 * Starts the server (with `options` but for its store) before the enclosing suite's tests and
 * hands it to `started`; stops it after them.
 */
export function memoryApiServer(
  started: (api: ApiServer) => void,
  options: Omit<ApiServerOptions, "store"> = {},
): void {
  const ac = new AbortController()
  before(async () => {
    const api = createApiServer({ ...options, store: new MemoryStore() })
    void api.run(ac.signal)
    await api.ready()
    started(api)
  })
  after(() => ac.abort())
}
