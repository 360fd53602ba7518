/**
 * Health, version, discovery and openapi under RBAC: authorized like every other request, as
 * upstream's WithAuthorization filter authorizes them, and allowed by the bootstrap
 * system:public-info-viewer (everyone) and system:discovery (the authenticated) bindings. An
 * unauthenticated request reaches health and version as system:anonymous even where anonymous
 * requests are refused elsewhere.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer, until } from "../testing/index.ts"
import { createAuthenticator } from "./authn.ts"
import type { ApiServer } from "./server.ts"

let api: ApiServer
memoryApiServer((started) => (api = started), {
  authorizationModes: ["RBAC"],
  allowAnonymous: false,
  authenticate: createAuthenticator({
    tokens: new Map([
      ["admin", { name: "admin", groups: ["system:masters", "system:authenticated"] }],
      ["sam", { name: "sam", groups: ["system:authenticated"] }],
    ]),
  }),
})

const as = (token: string) => ({ authorization: `Bearer ${token}` })
const CRB = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
const PUBLIC = ["/healthz", "/livez", "/readyz", "/version"]

const get = (path: string, token?: string) => apiCall(api, "GET", path, undefined, token ? as(token) : {})

/** Deletes a bootstrap binding and waits until the authorizer no longer sees it. */
async function unbind(name: string, path: string, token?: string): Promise<void> {
  assert.equal((await apiCall(api, "DELETE", `${CRB}/${name}`, undefined, as("admin"))).status, 200)
  await until(`${path} forbidden`, async () => (await get(path, token)).status === 403)
}

describe("health, version and discovery go through the authorizer", () => {
  test("an unauthenticated request reaches health and version, not discovery", async () => {
    for (const path of PUBLIC) {
      const r = await until(`${path} answered`, async () => {
        const res = await get(path)
        return res.status === 200 ? res : undefined
      })
      assert.equal(r.status, 200, path)
    }
    assert.equal((await get("/api")).status, 401)
    // A bad token is refused there too, as upstream authenticates every request.
    assert.equal((await get("/healthz", "nobody")).status, 401)
  })

  test("without system:public-info-viewer an anonymous /healthz is forbidden; the authenticated keep system:discovery", async () => {
    await unbind("system:public-info-viewer", "/healthz")
    const r = await get("/version")
    assert.equal(r.status, 403)
    assert.equal(r.json.message, 'forbidden: User "system:anonymous" cannot get path "/version"')
    for (const path of [...PUBLIC, "/api", "/apis", "/openapi/v2"]) {
      assert.equal((await get(path, "sam")).status, 200, path)
    }
  })

  test("without system:discovery too, discovery, openapi, health and version are forbidden to the authenticated", async () => {
    await unbind("system:discovery", "/api", "sam")
    for (const path of [...PUBLIC, "/api", "/apis", "/api/v1", "/openapi/v2", "/openapi/v3"]) {
      const r = await get(path, "sam")
      assert.equal(r.status, 403, path)
      assert.equal(r.json.message, `forbidden: User "sam" cannot get path "${path}"`)
    }
    assert.equal((await get("/api", "admin")).status, 200)
  })
})
