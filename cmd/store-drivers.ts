/** The storage backends k8ts can open, keyed by datastore URL scheme. */
import { join } from "node:path"
import { EtcdStore, MemoryStore, SqliteStore, type StoreDriver } from "../src/storage/index.ts"
import type { Logger } from "../src/util/index.ts"

/**
 * Builds the driver map; a sqlite URL without a path uses `<dataDir>/state.db`. The SQLite store
 * logs its warnings (a checkpoint that failed) to `log`.
 */
export function storeDrivers(dataDir: string, log: Logger): Record<string, StoreDriver> {
  return {
    memory: async () => new MemoryStore(),
    sqlite: async (url) =>
      SqliteStore.open(url.path && url.path !== "/" ? url.path : join(dataDir, "state.db"), { log }),
    etcd: async (url) =>
      EtcdStore.open(
        url.hosts.map((h) => `http://${h}`),
        { prefix: url.params.get("prefix") ?? "" },
      ),
  }
}
