/**
 * An API server under --authorization-mode=Node,RBAC for the Node mode's tests, with requests as
 * node1's kubelet and as an admin (a system:masters token).
 */
import assert from "node:assert/strict"
import { apiCall, type ApiCallResult, memoryApiServer } from "../../testing/index.ts"
import { FakeClock } from "../../util/index.ts"
import { createAuthenticator } from "../authn.ts"
import { fromFetch, toFetch } from "../http.ts"
import type { ApiServer, ApiServerOptions } from "../server.ts"

/** What a Node mode test calls its server with. */
export interface NodeModeServer {
  /** A request as the TLS layer hands it over after verifying node1's client certificate. */
  asNode(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiCallResult>
  /** A request as an admin; it must succeed. */
  admin(method: string, path: string, body?: unknown): Promise<ApiCallResult>
}

/**
 * Starts the server (with `options` besides its authorization, authenticator and clock) before
 * the enclosing suite's tests and stops it after them.
 */
export function nodeModeServer(options: Omit<ApiServerOptions, "store"> = {}): NodeModeServer {
  let api: ApiServer | undefined
  memoryApiServer((started) => (api = started), {
    clock: new FakeClock(Date.UTC(2026, 11, 1)),
    authorizationModes: ["Node", "RBAC"],
    authenticate: createAuthenticator({
      tokens: new Map([["admin", { name: "admin", groups: ["system:masters", "system:authenticated"] }]]),
    }),
    ...options,
  })
  const running = (): ApiServer => {
    assert.ok(api, "the server is not started")
    return api
  }
  return {
    async asNode(method, path, body, contentType = "application/json") {
      const req = new Request(`http://k8ts${path}`, {
        method,
        headers: { "content-type": contentType },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
      const res = toFetch(
        await running().handle({
          ...fromFetch(req),
          clientCert: { CN: "system:node:node1", O: "system:nodes" },
        }),
      )
      const text = await res.text()
      return { status: res.status, json: text ? JSON.parse(text) : undefined, text, headers: res.headers }
    },
    async admin(method, path, body) {
      const r = await apiCall(running(), method, path, body, { authorization: "Bearer admin" })
      assert.ok(r.status < 300, r.text)
      return r
    },
  }
}
