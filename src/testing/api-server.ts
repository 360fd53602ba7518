/**
 * An API server on a loopback port for integration tests: HTTPS with a fresh CA and an admin client
 * certificate, and a kubeconfig for the real clients; started by a test (startTestApiServer) or
 * for the suite (or file) it is called in (testApiServer), before its tests, stopped after them.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before } from "node:test"
import {
  createApiServer,
  createAuthenticator,
  defaultIssuer,
  ensurePki,
  generateServiceAccountKey,
  listen,
  type ApiServer,
} from "../apiserver/index.ts"
import { MemoryStore, type Store } from "../storage/index.ts"

/** A running test server. */
export interface TestApiServer {
  readonly api: ApiServer
  readonly store: Store
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string
  /** A kubeconfig file pointing at the server. */
  readonly kubeconfig: string
  /** A scratch directory removed by stop(). */
  readonly dir: string
  /** Environment for kubectl/helm: KUBECONFIG, and HOME and caches inside `dir`. */
  readonly env: NodeJS.ProcessEnv
  stop(): Promise<void>
}

function b64(s: string): string {
  return Buffer.from(s).toString("base64")
}

/** Options of startTestApiServer. */
export interface TestApiServerOptions {
  readonly store?: Store
  /**
   * Runs ServiceAccount admission (pods need their service account, which nothing here creates,
   * and get the token volume). Off by default; tokens are issued and accepted either way.
   */
  readonly serviceAccountAdmission?: boolean
}

/** Starts an API server (on a MemoryStore unless given a store) on 127.0.0.1. */
export async function startTestApiServer(opts: TestApiServerOptions = {}): Promise<TestApiServer> {
  const store = opts.store ?? new MemoryStore()
  const dir = mkdtempSync(join(tmpdir(), "k8ts-test-"))
  const pki = await ensurePki(join(dir, "pki"), ["localhost", "127.0.0.1"])
  const api = createApiServer({
    store,
    authenticate: createAuthenticator(),
    allowAnonymous: false,
    serviceAccountTokens: { key: generateServiceAccountKey(), issuer: defaultIssuer() },
    ...(opts.serviceAccountAdmission ? {} : { disableAdmissionPlugins: ["ServiceAccount"] }),
  })
  const ac = new AbortController()
  const running = api.run(ac.signal)
  await api.ready()
  const server = await listen(api, {
    host: "127.0.0.1",
    port: 0,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true },
  })
  const kubeconfig = join(dir, "kubeconfig.yaml")
  writeFileSync(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: test",
      "  cluster:",
      `    server: ${server.url}`,
      `    certificate-authority-data: ${b64(pki.ca.cert)}`,
      "contexts:",
      "- name: test",
      "  context: {cluster: test, user: test, namespace: default}",
      "current-context: test",
      "users:",
      "- name: test",
      "  user:",
      `    client-certificate-data: ${b64(pki.admin.cert)}`,
      `    client-key-data: ${b64(pki.admin.key)}`,
      "",
    ].join("\n"),
  )
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    HOME: dir,
    KUBECACHEDIR: join(dir, "kube-cache"),
    HELM_CACHE_HOME: join(dir, "helm-cache"),
    // Temp files of the clients (the Python dynamic client's discovery cache) go with the server.
    TMPDIR: dir,
  }
  return {
    api,
    store,
    url: server.url,
    kubeconfig,
    dir,
    env,
    async stop() {
      await server.close()
      ac.abort()
      await running.catch(() => {})
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Options of testApiServer. */
export interface TestApiServerFixtureOptions extends TestApiServerOptions {
  /** Starts no server (its tests are skipped, e.g. for a missing client); server() then throws. */
  readonly skip?: boolean
}

/**
 * Starts a TestApiServer before the enclosing suite's (or file's) tests and stops it after them.
 * Returns the means to reach it from tests and later hooks, e.g. `kubectlSession(server)`.
 */
export function testApiServer({ skip, ...opts }: TestApiServerFixtureOptions = {}): () => TestApiServer {
  let srv: TestApiServer | undefined
  before(async () => {
    if (!skip) srv = await startTestApiServer(opts)
  })
  after(async () => {
    await srv?.stop()
  })
  return () => {
    if (!srv) throw new Error("the test API server is not running (before its before hook, or skipped)")
    return srv
  }
}
