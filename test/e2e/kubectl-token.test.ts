/**
 * Service account tokens through the real kubectl: `kubectl create token` (a protobuf
 * TokenRequest), then the token alone authenticating `kubectl get pods`.
 */
import assert from "node:assert/strict"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { decodeJwt } from "jose"
import { startTestApiServer, type TestApiServer, kubectlSession } from "../../src/testing/index.ts"

let srv: TestApiServer

before(async () => {
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

const { k, ok } = kubectlSession(() => srv)

/** kubectl with nothing but the server, its CA and a bearer token. */
function withToken(token: string, ...args: string[]) {
  return k(
    "--kubeconfig=/dev/null",
    `--server=${srv.url}`,
    `--certificate-authority=${join(srv.dir, "pki", "ca.crt")}`,
    `--token=${token}`,
    ...args,
  )
}

describe("kubectl create token", () => {
  test("issues a token that authenticates as the service account until it is deleted", async () => {
    await ok("create", "serviceaccount", "robot")
    const token = (await ok("create", "token", "robot", "--duration=20m")).trim()
    const claims = decodeJwt(token)
    assert.equal(claims.sub, "system:serviceaccount:default:robot")
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 1200)
    const pods = await withToken(token, "get", "pods")
    assert.equal(pods.code, 0, pods.stderr)
    assert.match(pods.stderr + pods.stdout, /No resources found/)
    await ok("delete", "serviceaccount", "robot")
    const refused = await withToken(token, "get", "pods")
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /Unauthorized/)
  })

  test("reports upstream's errors", async () => {
    const ghost = await k("create", "token", "ghost")
    assert.notEqual(ghost.code, 0)
    assert.match(ghost.stderr, /serviceaccounts "ghost" not found/)
    await ok("create", "serviceaccount", "short")
    const short = await k("create", "token", "short", "--duration=5m")
    assert.notEqual(short.code, 0)
    assert.match(short.stderr, /may not specify a duration less than 10 minutes/)
    const junk = await withToken("not-a-token", "get", "pods")
    assert.match(junk.stderr, /Unauthorized/)
  })
})
