import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from "jose"
import { MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import { createAuthenticator } from "../authn.ts"
import { createApiServer, type ApiServer } from "../server.ts"
import { generateServiceAccountKey, keyIdOf } from "./key.ts"
import { apiCall } from "../../testing/index.ts"

const ISSUER = "https://kubernetes.default.svc.cluster.local"
const key = generateServiceAccountKey()
let api: ApiServer
const ac = new AbortController()
const clock = new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0))

before(async () => {
  api = createApiServer({
    store: new MemoryStore(),
    clock,
    authenticate: createAuthenticator(),
    serviceAccountTokens: { key, issuer: ISSUER },
  })
  void api.run(ac.signal)
  await api.ready()
  await call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "default" } })
  await call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "robot" } })
})
after(() => ac.abort())

const call = (method: string, path: string, body?: unknown, token?: string) =>
  apiCall(api, method, path, body, token ? { authorization: `Bearer ${token}` } : {})

const SA = "/api/v1/namespaces/default/serviceaccounts"
const PODS = "/api/v1/namespaces/default/pods"

function tokenRequest(spec: Record<string, unknown> = {}) {
  return { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec }
}

async function requestToken(sa: string, spec: Record<string, unknown> = {}) {
  const res = await call("POST", `${SA}/${sa}/token`, tokenRequest(spec))
  assert.equal(res.status, 201, JSON.stringify(res.json))
  return res.json
}

async function createPod(name: string, spec: Record<string, unknown> = {}, sa?: string) {
  const res = await call("POST", PODS, {
    metadata: { name },
    spec: { containers: [{ name: "c", image: "nginx" }], ...(sa ? { serviceAccountName: sa } : {}), ...spec },
  })
  assert.equal(res.status, 201, JSON.stringify(res.json))
  return res.json
}

describe("signing key", () => {
  test("kid is the base64url SHA-256 of the DER public key", () => {
    assert.match(key.kid, /^[A-Za-z0-9_-]{43}$/)
    assert.equal(keyIdOf(key.publicKey), key.kid)
  })
})

describe("TokenRequest", () => {
  test("issues a token with upstream's claims and defaults", async () => {
    const sa = (await call("GET", `${SA}/robot`)).json
    const tr = await requestToken("robot")
    assert.equal(tr.kind, "TokenRequest")
    assert.deepEqual(tr.spec.audiences, [ISSUER])
    assert.equal(tr.spec.expirationSeconds, 3600)
    assert.equal(tr.status.expirationTimestamp, "2026-11-24T13:00:00Z")
    const header = decodeProtectedHeader(tr.status.token)
    assert.equal(header.kid, key.kid)
    assert.equal(header.alg, "ES256")
    const c = decodeJwt(tr.status.token)
    const now = clock.now() / 1000
    assert.equal(c.iss, ISSUER)
    assert.equal(c.sub, "system:serviceaccount:default:robot")
    assert.deepEqual(c.aud, [ISSUER])
    assert.equal(c.iat, now)
    assert.equal(c.nbf, now)
    assert.equal(c.exp, now + 3600)
    assert.match(c.jti ?? "", /^[0-9a-f-]{36}$/)
    assert.deepEqual(c["kubernetes.io"], {
      namespace: "default",
      serviceaccount: { name: "robot", uid: sa.metadata.uid },
    })
  })

  test("binds to a pod (with its node) and extends the 3607 s tokens", async () => {
    const pod = await createPod("bound", { nodeName: "n1" }, "robot")
    const node = (await call("POST", "/api/v1/nodes", { metadata: { name: "n1" } })).json
    const tr = await requestToken("robot", {
      expirationSeconds: 3607,
      boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "bound", uid: pod.metadata.uid },
    })
    const c = decodeJwt(tr.status.token) as any
    const now = clock.now() / 1000
    assert.deepEqual(c["kubernetes.io"].pod, { name: "bound", uid: pod.metadata.uid })
    assert.deepEqual(c["kubernetes.io"].node, { name: "n1", uid: node.metadata.uid })
    assert.equal(c["kubernetes.io"].warnafter, now + 3607)
    assert.equal(c.exp, now + 365 * 24 * 3600)
    assert.equal(
      tr.status.expirationTimestamp,
      new Date((now + 3607) * 1000).toISOString().replace(".000Z", "Z"),
    )
  })

  test("refuses what upstream refuses, with its messages", async () => {
    const cases: [string, Record<string, unknown>, number, string][] = [
      [
        "robot",
        { expirationSeconds: 599 },
        422,
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
      ],
      ["ghost", {}, 404, 'serviceaccounts "ghost" not found'],
      [
        "robot",
        { boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "nope" } },
        404,
        'pods "nope" not found',
      ],
      [
        "default",
        { boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "bound" } },
        400,
        'cannot bind token for serviceaccount "default" to pod running with different serviceaccount name.',
      ],
      [
        "robot",
        { boundObjectRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" } },
        400,
        "cannot bind token to object of type apps/v1, Kind=Deployment",
      ],
      [
        "robot",
        { boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "bound", uid: "other" } },
        409,
        'Operation cannot be fulfilled on Pod "bound": the UID in the bound object reference (other) does not match the UID in record. The object might have been deleted and then recreated',
      ],
    ]
    for (const [sa, spec, code, message] of cases) {
      const res = await call("POST", `${SA}/${sa}/token`, tokenRequest(spec))
      assert.equal(res.status, code, JSON.stringify(res.json))
      assert.equal(res.json.message, message)
    }
  })
})

describe("authentication", () => {
  const whoami = async (token: string) =>
    call(
      "POST",
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
      token,
    )

  test("accepts a token while valid, with the service account's identity", async () => {
    const tr = await requestToken("robot")
    const res = await call("GET", PODS, undefined, tr.status.token)
    assert.equal(res.status, 200, JSON.stringify(res.json))
    void whoami
  })

  test("rejects expired, foreign-audience, forged and orphaned tokens", async () => {
    const expiring = await requestToken("robot", { expirationSeconds: 600 })
    const foreign = await requestToken("robot", { audiences: ["vault"] })
    await call("POST", SA, { metadata: { name: "doomed" } })
    const orphan = await requestToken("doomed")
    await createPod("short", {}, "robot")
    const pod = (await call("GET", `${PODS}/short`)).json
    const podBound = await requestToken("robot", {
      boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "short", uid: pod.metadata.uid },
    })
    assert.equal((await call("GET", PODS, undefined, podBound.status.token)).status, 200)
    assert.equal((await call("GET", PODS, undefined, orphan.status.token)).status, 200)
    await call("DELETE", `${SA}/doomed`)
    await call("DELETE", `${PODS}/short?gracePeriodSeconds=0`)
    const other = generateServiceAccountKey()
    const forged = await (async () => {
      const { SignJWT } = await import("jose")
      const claims = decodeJwt(expiring.status.token)
      return new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: key.kid }).sign(other.privateKey)
    })()
    for (const token of [foreign.status.token, orphan.status.token, podBound.status.token, forged, "junk"]) {
      const res = await call("GET", PODS, undefined, token)
      assert.equal(res.status, 401, String(decodeJwtSafe(token)))
      assert.equal(res.json.message, "Unauthorized")
    }
    await clock.advance(661_000)
    assert.equal((await call("GET", PODS, undefined, expiring.status.token)).status, 401)
  })
})

describe("ServiceAccount admission", () => {
  test("defaults the account and mounts the token volume in every container", async () => {
    const pod = await createPod("mounted", {
      initContainers: [{ name: "init", image: "busybox" }],
      ephemeralContainers: undefined,
    })
    assert.equal(pod.spec.serviceAccountName, "default")
    const vol = pod.spec.volumes.find((v: any) => v.name.startsWith("kube-api-access-"))
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
    assert.deepEqual(vol.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        {
          downwardAPI: {
            items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
          },
        },
      ],
    })
    const mount = {
      name: vol.name,
      readOnly: true,
      mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
    }
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [mount])
    assert.deepEqual(pod.spec.initContainers[0].volumeMounts, [mount])
  })

  test("respects automountServiceAccountToken false on the pod or its account", async () => {
    const own = await createPod("no-mount", { automountServiceAccountToken: false })
    assert.equal(own.spec.volumes, undefined)
    assert.equal(own.spec.containers[0].volumeMounts, undefined)
    await call("POST", SA, { metadata: { name: "quiet" }, automountServiceAccountToken: false })
    const theirs = await createPod("quiet-pod", {}, "quiet")
    assert.equal(theirs.spec.volumes, undefined)
    const overridden = await createPod("loud-pod", { automountServiceAccountToken: true }, "quiet")
    assert.equal(overridden.spec.volumes.length, 1)
  })

  test("refuses pods whose service account does not exist", async () => {
    const res = await call("POST", PODS, {
      metadata: { name: "lost" },
      spec: { serviceAccountName: "ghost", containers: [{ name: "c", image: "nginx" }] },
    })
    assert.equal(res.status, 403)
    assert.equal(
      res.json.message,
      'pods "lost" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
    )
    // A controller's pod (generateName) is refused under its prefix, as upstream's mutating
    // admission sees it before its name is generated: one event for every such refusal.
    const generated = await call("POST", PODS, {
      metadata: { generateName: "web-7c5ddbdf54-" },
      spec: { serviceAccountName: "ghost", containers: [{ name: "c", image: "nginx" }] },
    })
    assert.equal(
      generated.json.message,
      'pods "web-7c5ddbdf54-" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
    )
  })
})

describe("issuer discovery", () => {
  test("serves the OpenID configuration and the public keys that verify tokens", async () => {
    const conf = await call("GET", "/.well-known/openid-configuration")
    assert.equal(conf.status, 200)
    assert.equal(conf.json.issuer, ISSUER)
    assert.match(conf.json.jwks_uri, /\/openid\/v1\/jwks$/)
    assert.deepEqual(conf.json.response_types_supported, ["id_token"])
    assert.deepEqual(conf.json.subject_types_supported, ["public"])
    assert.deepEqual(conf.json.id_token_signing_alg_values_supported, ["ES256"])
    const set = await call("GET", "/openid/v1/jwks")
    assert.equal(set.headers.get("content-type"), "application/jwk-set+json")
    const [jwk] = set.json.keys
    assert.equal(jwk.kid, key.kid)
    assert.equal(jwk.use, "sig")
    assert.equal(jwk.d, undefined)
    const tr = await requestToken("robot", { audiences: ["vault"] })
    const { payload } = await jwtVerify(tr.status.token, await importJWK(jwk, jwk.alg), {
      issuer: ISSUER,
      audience: "vault",
      currentDate: new Date(clock.now()),
    })
    assert.equal(payload.sub, "system:serviceaccount:default:robot")
  })

  test("serves both paths with a trailing slash, as the generated clients ask for them", async () => {
    const conf = await call("GET", "/.well-known/openid-configuration/")
    assert.equal(conf.status, 200)
    assert.equal(conf.json.issuer, ISSUER)
    const set = await call("GET", "/openid/v1/jwks/")
    assert.equal(set.status, 200)
    assert.equal(set.headers.get("content-type"), "application/jwk-set+json")
    assert.equal(set.json.keys[0].kid, key.kid)
  })
})

function decodeJwtSafe(token: string): string {
  try {
    return JSON.stringify(decodeJwt(token))
  } catch {
    return token
  }
}
