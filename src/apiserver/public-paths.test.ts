/**
 * Health, version, discovery and openapi under RBAC: authorized like every other request, as
 * upstream's WithAuthorization filter authorizes them, and allowed by the bootstrap
 * system:public-info-viewer (everyone) and system:discovery (the authenticated) bindings. With
 * anonymous requests refused, an unauthenticated request is a 401 everywhere, but on the exact
 * paths the server names (upstream's anonymous authenticator conditions). Each test has its own
 * server: a test that deletes a binding changes no other test.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer, until } from "../testing/index.ts"
import { createAuthenticator } from "./authn.ts"
import type { ApiServer, ApiServerOptions } from "./server.ts"

/** The anonymous paths cmd/server names: those system:public-info-viewer allows. */
const PUBLIC = ["/healthz", "/livez", "/readyz", "/version", "/version/"]
const CRB = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"

const as = (token: string) => ({ authorization: `Bearer ${token}` })

/** A server under RBAC that knows the tokens "admin" (system:masters) and "sam". */
function rbacServer(options: Omit<ApiServerOptions, "store"> = {}): () => ApiServer {
  let api: ApiServer | undefined
  memoryApiServer((started) => (api = started), {
    authorizationModes: ["RBAC"],
    authenticate: createAuthenticator({
      tokens: new Map([
        ["admin", { name: "admin", groups: ["system:masters", "system:authenticated"] }],
        ["sam", { name: "sam", groups: ["system:authenticated"] }],
      ]),
    }),
    ...options,
  })
  return () => api as ApiServer
}

function getter(server: () => ApiServer) {
  return (path: string, token?: string) => apiCall(server(), "GET", path, undefined, token ? as(token) : {})
}

/** Deletes a bootstrap binding and waits until the authorizer no longer sees it. */
async function unbind(server: () => ApiServer, name: string, path: string, token?: string): Promise<void> {
  const get = getter(server)
  assert.equal((await apiCall(server(), "DELETE", `${CRB}/${name}`, undefined, as("admin"))).status, 200)
  await until(`${path} forbidden`, async () => (await get(path, token)).status === 403)
}

/** Waits for `path` to answer 200 (the bootstrap bindings are written as the server starts). */
async function answered(get: ReturnType<typeof getter>, path: string, token?: string): Promise<void> {
  await until(`${path} answered`, async () => (await get(path, token)).status === 200)
}

describe("with anonymous requests refused and no anonymous paths", () => {
  const server = rbacServer({ allowAnonymous: false })
  const get = getter(server)

  test("an unauthenticated request is a 401 everywhere, health and version too", async () => {
    await answered(get, "/healthz", "sam")
    for (const path of [...PUBLIC, "/readyz/ping", "/api"]) assert.equal((await get(path)).status, 401, path)
  })
})

describe("with anonymous requests refused but on the health and version paths", () => {
  const server = rbacServer({ allowAnonymous: false, anonymousPaths: PUBLIC })
  const get = getter(server)

  test("an unauthenticated request reaches those exact paths, not their sub-paths nor discovery", async () => {
    for (const path of PUBLIC) await answered(get, path)
    for (const path of ["/readyz/ping", "/healthz/", "/livez/log", "/version/x", "/api"]) {
      assert.equal((await get(path)).status, 401, path)
    }
    // A bad token is refused there too, as upstream authenticates every request.
    assert.equal((await get("/healthz", "nobody")).status, 401)
  })
})

describe("with anonymous requests allowed", () => {
  const server = rbacServer()
  const get = getter(server)

  test("system:public-info-viewer allows the exact paths; a sub-path is authorized as any other", async () => {
    for (const path of PUBLIC) await answered(get, path)
    const r = await get("/readyz/ping")
    assert.equal(r.status, 403, r.text)
    assert.equal(r.json.message, 'forbidden: User "system:anonymous" cannot get path "/readyz/ping"')
  })
})

describe("without system:public-info-viewer", () => {
  const server = rbacServer({ allowAnonymous: false, anonymousPaths: PUBLIC })
  const get = getter(server)

  test("an anonymous /version is forbidden; the authenticated keep system:discovery", async () => {
    await answered(get, "/version")
    await unbind(server, "system:public-info-viewer", "/healthz")
    const r = await get("/version")
    assert.equal(r.status, 403)
    assert.equal(r.json.message, 'forbidden: User "system:anonymous" cannot get path "/version"')
    for (const path of [...PUBLIC, "/api", "/apis", "/openapi/v2"]) {
      assert.equal((await get(path, "sam")).status, 200, path)
    }
  })
})

describe("without system:public-info-viewer and system:discovery", () => {
  const server = rbacServer({ allowAnonymous: false, anonymousPaths: PUBLIC })
  const get = getter(server)

  test("discovery, openapi, health and version are forbidden to the authenticated", async () => {
    await answered(get, "/api", "sam")
    await unbind(server, "system:public-info-viewer", "/healthz")
    await unbind(server, "system:discovery", "/api", "sam")
    for (const path of [...PUBLIC, "/api", "/apis", "/api/v1", "/openapi/v2", "/openapi/v3"]) {
      const r = await get(path, "sam")
      assert.equal(r.status, 403, path)
      assert.equal(r.json.message, `forbidden: User "sam" cannot get path "${path}"`)
    }
    assert.equal((await get("/api", "admin")).status, 200)
  })
})
