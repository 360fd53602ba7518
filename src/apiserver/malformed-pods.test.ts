import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiServer } from "./server.ts"
import { generateServiceAccountKey } from "./serviceaccount/index.ts"
import { apiCall, memoryApiServer } from "../testing/index.ts"

let api: ApiServer
// With the ServiceAccount plugin, as a real server runs: it mounts the token before validation.
memoryApiServer((started) => (api = started), {
  serviceAccountTokens: { key: generateServiceAccountKey(), issuer: "https://kubernetes.default.svc" },
})

const call = (method: string, path: string, body: unknown) =>
  apiCall(api, method, path, JSON.stringify(body), { "content-type": "application/json" })

const C = { name: "c", image: "busybox" }

/**
 * Pod specs that decode but are invalid in ways mutating admission (which runs before
 * validation, as upstream's) sees first: each is refused as invalid, never an internal error.
 */
const SPECS: Record<string, unknown> = {
  "a volume without a name": { containers: [C], volumes: [{}] },
  "a null volume": { containers: [C], volumes: [null] },
  "a container without a name": { containers: [{ image: "busybox" }] },
  "a null container": { containers: [null] },
  "an init container without a name": { containers: [C], initContainers: [{ image: "busybox" }] },
  "a volume mount without a name or path": { containers: [{ ...C, volumeMounts: [{}] }] },
  "a null volume mount": { containers: [{ ...C, volumeMounts: [null] }] },
  "an env var without a name": { containers: [{ ...C, env: [{}] }] },
  "a port without a number": { containers: [{ ...C, ports: [{}] }] },
  "a toleration without anything": { containers: [C], tolerations: [{}] },
  "a projected source without anything": { containers: [C], volumes: [{ projected: { sources: [{}] } }] },
  "no containers": {},
  "an empty spec": null,
}

describe("malformed pods", () => {
  test("setup: the default service account", async () => {
    const r = await call("POST", "/api/v1/namespaces/default/serviceaccounts", {
      metadata: { name: "default" },
    })
    assert.equal(r.status, 201)
  })

  for (const [what, spec] of Object.entries(SPECS)) {
    test(`${what}: 422 Invalid, not an internal error`, async () => {
      const r = await call("POST", "/api/v1/namespaces/default/pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "m" },
        spec,
      })
      assert.equal(r.json.kind, "Status", JSON.stringify(r.json))
      assert.equal(r.status, 422, r.json.message)
      assert.equal(r.json.reason, "Invalid")
    })
  }
})
