/**
 * Service account tokens through the real kubectl: `kubectl create token` (a protobuf
 * TokenRequest), then the token alone authenticating `kubectl get pods`; ServiceAccount
 * admission giving a pod the token volume.
 */
import assert from "node:assert/strict"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { decodeJwt } from "jose"
import { startTestApiServer, type TestApiServer, kubectlSession } from "../../src/testing/index.ts"

let srv: TestApiServer

before(async () => {
  srv = await startTestApiServer({ serviceAccountAdmission: true })
})
after(async () => {
  await srv?.stop()
})

const { k, ok, getJson } = kubectlSession(() => srv)

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

  test("a pod gets the token volume and a token bound to it", async () => {
    await ok("create", "serviceaccount", "default")
    await ok("run", "web", "--image=nginx")
    const pod = await getJson("pod", "web")
    assert.equal(pod.spec.serviceAccountName, "default")
    const vol = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith("kube-api-access-"))
    assert.ok(vol?.projected, JSON.stringify(pod.spec.volumes))
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [
      { name: vol.name, readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" },
    ])
    const token = (
      await ok("create", "token", "default", "--bound-object-kind=Pod", "--bound-object-name=web")
    ).trim()
    const claims = decodeJwt(token) as { "kubernetes.io": { pod: { name: string; uid: string } } }
    assert.deepEqual(claims["kubernetes.io"].pod, { name: "web", uid: pod.metadata.uid })
    assert.equal((await withToken(token, "get", "pod", "web")).code, 0)
    await ok("delete", "pod", "web", "--grace-period=0", "--force")
    assert.match((await withToken(token, "get", "pods")).stderr, /Unauthorized/)
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
