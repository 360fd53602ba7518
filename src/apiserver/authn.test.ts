import assert from "node:assert/strict"
import { test } from "node:test"
import { ApiError } from "../api/index.ts"
import { createAuthenticator, parseTokenFile } from "./authn.ts"
import type { ApiRequest } from "./http.ts"

function req(headers: Record<string, string>, clientCert?: ApiRequest["clientCert"]): ApiRequest {
  return {
    method: "GET",
    path: "/api",
    query: new URLSearchParams(),
    header: (n) => headers[n.toLowerCase()],
    body: async () => Buffer.alloc(0),
    signal: new AbortController().signal,
    ...(clientCert ? { clientCert } : {}),
  }
}

test("parseTokenFile() reads upstream's token file format", () => {
  const m = parseTokenFile('# tokens\nabc,alice,1,"dev,ops"\n\nxyz,bob,2\n')
  assert.deepEqual(m.get("abc"), { name: "alice", uid: "1", groups: ["dev", "ops", "system:authenticated"] })
  assert.deepEqual(m.get("xyz"), { name: "bob", uid: "2", groups: ["system:authenticated"] })
})

test("createAuthenticator() accepts known tokens and certificates, refuses unknown tokens", async () => {
  const authn = createAuthenticator({ tokens: new Map([["t1", { name: "alice", groups: [] }]]) })
  assert.equal((await authn(req({ authorization: "Bearer t1" })))?.name, "alice")
  await assert.rejects(
    authn(req({ authorization: "Bearer nope" })),
    (e: unknown) => e instanceof ApiError && e.reason === "Unauthorized",
  )
  assert.equal(await authn(req({})), undefined)
  assert.equal((await authn(req({}, { CN: "admin", O: "system:masters" })))?.name, "admin")
})

test("a client certificate's user has its SHA-256 as credential id, as upstream's x509 authenticator", async () => {
  const sha256 = "d6b667f1036a0ca8d4d4d9f455c2de882e2570fca5dde306bb92c5a2b8b39cda"
  assert.deepEqual(await createAuthenticator()(req({}, { CN: "jane", O: ["devs", "qa"], sha256 })), {
    name: "jane",
    groups: ["devs", "qa", "system:authenticated"],
    extra: { "authentication.kubernetes.io/credential-id": [`X509SHA256=${sha256}`] },
  })
})
