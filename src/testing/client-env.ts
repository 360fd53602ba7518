/**
 * A real API server for client tests, reachable both ways: over a loopback socket (HttpClient)
 * and in process (InProcessClient). Plain HTTP by default; with `tls`, HTTPS with a fresh CA,
 * client certificates and a bearer token, as a cluster serves it.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  createApiServer,
  defaultIssuer,
  generateServiceAccountKey,
  createAuthenticator,
  ensurePki,
  listen,
  type ApiServer,
  type ApiServerOptions,
  type Pki,
} from "../apiserver/index.ts"
import { HttpClient, InProcessClient } from "../client/index.ts"
import { MemoryStore, type Store } from "../storage/index.ts"
import type { Clock } from "../util/index.ts"

/** Options of startClientEnv. */
export interface ClientEnvOptions {
  /** Default a fresh MemoryStore, closed by stop(). */
  readonly store?: Store
  /** The API server's clock (timestamps it writes). */
  readonly clock?: Clock
  /** Serve HTTPS and require authentication (a client certificate or `token`). */
  readonly tls?: boolean
  /** Other API server options (e.g. a fake `summaries` source for metrics.k8s.io). */
  readonly server?: Partial<
    Pick<
      ApiServerOptions,
      "summaries" | "metricResolutionMs" | "disableAdmissionPlugins" | "watchCacheWindow"
    >
  >
}

/** A running server and a client of each transport. */
export interface ClientEnv {
  readonly api: ApiServer
  readonly store: Store
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string
  /** An HttpClient on `url` (with the CA and `token` when serving TLS). */
  readonly http: HttpClient
  /** An InProcessClient on `api.handle` (with `token` when serving TLS). */
  readonly inProcess: InProcessClient
  /** The cluster's certificates, when serving TLS. */
  readonly pki?: Pki
  /** A bearer token the server accepts (for the user "test-admin"), when serving TLS. */
  readonly token?: string
  stop(): Promise<void>
}

const TOKEN = "k8ts-test-token"
/** How many event-loop turns settleUntil allows before it gives up. */
const SETTLE_TURNS = 5000

/** Starts an API server on 127.0.0.1 and returns it with an HttpClient and an InProcessClient. */
export async function startClientEnv(opts: ClientEnvOptions = {}): Promise<ClientEnv> {
  const store = opts.store ?? new MemoryStore()
  const dir = opts.tls ? mkdtempSync(join(tmpdir(), "k8ts-client-")) : undefined
  const pki = dir ? await ensurePki(join(dir, "pki"), ["localhost", "127.0.0.1"]) : undefined
  const api = createApiServer({
    store,
    ...(opts.clock ? { clock: opts.clock } : {}),
    // Tokens are issued and accepted; ServiceAccount admission stays off unless asked for
    // (nothing here creates the service accounts pods need).
    serviceAccountTokens: { key: generateServiceAccountKey(), issuer: defaultIssuer() },
    disableAdmissionPlugins: ["ServiceAccount"],
    ...opts.server,
    ...(pki
      ? {
          authenticate: createAuthenticator({
            tokens: new Map([[TOKEN, { name: "test-admin", groups: ["system:masters"] }]]),
          }),
          allowAnonymous: false,
        }
      : {}),
  })
  const ac = new AbortController()
  const running = api.run(ac.signal)
  await api.ready()
  const server = await listen(api, {
    host: "127.0.0.1",
    port: 0,
    ...(pki
      ? { tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true } }
      : {}),
  })
  const http = new HttpClient({
    server: server.url,
    ...(pki ? { ca: pki.ca.cert, token: TOKEN } : {}),
  })
  const inProcess = new InProcessClient(api.handle, pki ? { token: TOKEN } : {})
  return {
    api,
    store,
    url: server.url,
    http,
    inProcess,
    ...(pki ? { pki, token: TOKEN } : {}),
    async stop() {
      http.close()
      await server.close()
      ac.abort()
      await running.catch(() => {})
      if (!opts.store) await store.close()
      if (dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Lets pending callbacks and I/O run (one `setImmediate` turn at a time, no timers) until `cond`
 * holds. For tests on a FakeClock: advance the clock, then wait for the work it woke to settle.
 * @throws Error naming `what` when `cond` still fails after SETTLE_TURNS turns
 */
export async function settleUntil(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) {
    if (cond()) return
    await new Promise((r) => setImmediate(r))
  }
  throw new Error(`Timed out waiting for ${what}`)
}
