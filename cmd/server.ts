/** `k8ts server`: opens the store and serves the Kubernetes API over HTTPS. */
import { mkdirSync } from "node:fs"
import { homedir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import {
  apiServerNames,
  createApiServer,
  createAuthenticator,
  ensurePki,
  listen,
} from "../src/apiserver/index.ts"
import { openStore } from "../src/storage/index.ts"
import { createLogger } from "../src/util/index.ts"
import { writeKubeconfig } from "./kubeconfig.ts"
import { storeDrivers } from "./store-drivers.ts"

const HELP = `Usage: k8ts server [flags]

Flags (environment variable in brackets):
  --data-dir DIR          state directory (default ~/.k8ts, or /var/lib/k8ts as root)    [K8TS_DATA_DIR]
  --datastore URL         sqlite:///path/state.db (default: <data-dir>/state.db), memory://,
                          etcd://host:port[,host:port]                                    [K8TS_DATASTORE]
  --bind-address ADDR     address to listen on (default 127.0.0.1)                       [K8TS_BIND_ADDRESS]
  --port N                API port (default 6443)                                         [K8TS_PORT]
  --cluster-domain NAME   cluster DNS domain (default cluster.local)                      [K8TS_CLUSTER_DOMAIN]
  --token-auth-file FILE  static bearer tokens: token,user,uid,"group1,group2" per line  [K8TS_TOKEN_AUTH_FILE]
  --log-level LEVEL       trace, debug, info, warn, error (default info)                  [K8TS_LOG_LEVEL]
  --log-format FORMAT     text or json (default text)                                     [K8TS_LOG_FORMAT]`

const OPTIONS = {
  "data-dir": { type: "string" },
  datastore: { type: "string" },
  "bind-address": { type: "string" },
  port: { type: "string" },
  "cluster-domain": { type: "string" },
  "token-auth-file": { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const

/** Each flag's value, falling back to its K8TS_* environment variable. */
function flag(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name]
  if (typeof v === "string") return v
  return process.env[`K8TS_${name.toUpperCase().replaceAll("-", "_")}`]
}

/** Runs the server until SIGINT or SIGTERM. */
export async function runServer(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: OPTIONS })
  if (values.help) {
    console.log(HELP)
    return
  }
  const started = performance.now()
  const isRoot = process.getuid?.() === 0
  const dataDir = resolve(flag(values, "data-dir") ?? (isRoot ? "/var/lib/k8ts" : join(homedir(), ".k8ts")))
  mkdirSync(dataDir, { recursive: true })
  const datastore = flag(values, "datastore") ?? `sqlite://${join(dataDir, "state.db")}`
  const host = flag(values, "bind-address") ?? "127.0.0.1"
  const port = Number(flag(values, "port") ?? 6443)
  const clusterDomain = flag(values, "cluster-domain") ?? "cluster.local"
  const format = flag(values, "log-format") === "json" ? "json" : "text"
  const log = createLogger({ level: flag(values, "log-level") ?? "info", format })
  const step = (component: string, msg: string) =>
    log.info({ component, ms: Math.round(performance.now() - started) }, msg)

  const store = await openStore(datastore, storeDrivers(dataDir))
  step("storage", `Store open (${datastore.split("://")[0]})`)
  const hosts = [
    ...new Set([
      host === "0.0.0.0" ? "127.0.0.1" : host,
      "127.0.0.1",
      "10.96.0.1",
      ...apiServerNames(clusterDomain),
    ]),
  ]
  const pki = await ensurePki(join(dataDir, "pki"), hosts)
  step("pki", "Certificates ready")
  const tokenFile = flag(values, "token-auth-file")
  const api = createApiServer({
    store,
    log: log.child({ component: "apiserver" }),
    advertiseAddress: `${host}:${port}`,
    authenticate: createAuthenticator(tokenFile ? { tokenFile } : {}),
    allowAnonymous: false,
  })
  const ac = new AbortController()
  const running = api.run(ac.signal)
  await api.ready()
  const server = await listen(api, {
    host,
    port,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true },
  })
  step("apiserver", `Serving on ${server.url}`)
  const kubeconfig = join(dataDir, "kubeconfig.yaml")
  const reach = host === "0.0.0.0" ? "127.0.0.1" : host
  writeKubeconfig(kubeconfig, { server: `https://${reach}:${server.port}`, ca: pki.ca.cert, ...pki.admin })
  step("server", `Cluster ready: export KUBECONFIG=${kubeconfig}`)

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ component: "server", signal }, "Shutting down")
    await server.close()
    ac.abort()
    await running.catch(() => {})
    await store.close()
    process.exit(0)
  }
  process.once("SIGINT", () => void shutdown("SIGINT"))
  process.once("SIGTERM", () => void shutdown("SIGTERM"))
}
