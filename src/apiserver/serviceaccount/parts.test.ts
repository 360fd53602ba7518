import assert from "node:assert/strict"
import { generateKeyPairSync } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { decodeProtectedHeader } from "jose"
import { FakeClock } from "../../util/index.ts"
import type { ApiRequest } from "../http.ts"
import { mountServiceAccountToken, serviceAccountAdmission } from "./admission.ts"
import { serviceAccountAuthenticator } from "./authenticator.ts"
import { claimsOf, signClaims } from "./claims.ts"
import type { ObjectLookup } from "./config.ts"
import { ensureServiceAccountKey, generateServiceAccountKey, serviceAccountKeyOf } from "./key.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-sa-"))
after(() => rmSync(dir, { recursive: true, force: true }))

describe("service account signing key", () => {
  test("is made once as sa.key (0600) and sa.pub, then reused", () => {
    const a = ensureServiceAccountKey(dir)
    assert.equal(statSync(join(dir, "sa.key")).mode & 0o777, 0o600)
    assert.match(readFileSync(join(dir, "sa.pub"), "utf8"), /BEGIN PUBLIC KEY/)
    const b = ensureServiceAccountKey(dir)
    assert.equal(b.kid, a.kid)
    assert.equal(a.alg, "ES256")
  })

  test("an RSA sa.key (kubeadm's) signs RS256", async () => {
    const rsaDir = join(dir, "rsa")
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
    ensureServiceAccountKey(rsaDir)
    writeFileSync(join(rsaDir, "sa.key"), privateKey.export({ type: "pkcs1", format: "pem" }))
    const key = ensureServiceAccountKey(rsaDir)
    assert.equal(key.alg, "RS256")
    assert.equal(key.kid, serviceAccountKeyOf(privateKey).kid)
    const claims = claimsOf(
      { serviceAccount: { namespace: "ns", name: "sa", uid: "u" }, audiences: ["a"], expirationSeconds: 600 },
      "iss",
      0,
    )
    assert.deepEqual(decodeProtectedHeader(await signClaims(claims, key)), { alg: "RS256", kid: key.kid })
  })
})

describe("the service account token authenticator", () => {
  const key = generateServiceAccountKey()
  const clock = new FakeClock(Date.UTC(2026, 0, 1))
  const objects = new Map<string, { metadata: { uid: string } }>([
    ["serviceaccounts/ns/sa", { metadata: { uid: "sa-uid" } }],
    ["pods/ns/p", { metadata: { uid: "pod-uid" } }],
    ["secrets/ns/s", { metadata: { uid: "secret-uid" } }],
    ["nodes//n", { metadata: { uid: "node-uid" } }],
  ])
  const lookup: ObjectLookup = async (r, ns, name) => objects.get(`${r}/${ns}/${name}`)
  const opts = { key, issuer: "https://issuer", audiences: ["https://issuer", "api"] }
  const authn = serviceAccountAuthenticator(opts, lookup, clock)
  const req = (token?: string): ApiRequest =>
    ({ header: (n: string) => (n === "authorization" && token ? `Bearer ${token}` : undefined) }) as never
  const token = (extra: Record<string, unknown> = {}, aud = ["api"]) =>
    signClaims(
      claimsOf(
        {
          serviceAccount: { namespace: "ns", name: "sa", uid: "sa-uid" },
          audiences: aud,
          expirationSeconds: 3600,
          ...extra,
        },
        "https://issuer",
        clock.now(),
      ),
      key,
    )

  test("gives the service account user with upstream's groups and extra", async () => {
    const t = await token({ pod: { name: "p", uid: "pod-uid" }, node: { name: "n", uid: "node-uid" } })
    const user = await authn(req(t))
    assert.ok(user)
    assert.equal(user.name, "system:serviceaccount:ns:sa")
    assert.equal(user.uid, "sa-uid")
    assert.deepEqual(user.groups, [
      "system:serviceaccounts",
      "system:serviceaccounts:ns",
      "system:authenticated",
    ])
    const extra = user.extra ?? {}
    assert.deepEqual(extra["authentication.kubernetes.io/pod-name"], ["p"])
    assert.deepEqual(extra["authentication.kubernetes.io/pod-uid"], ["pod-uid"])
    assert.deepEqual(extra["authentication.kubernetes.io/node-name"], ["n"])
    assert.deepEqual(extra["authentication.kubernetes.io/node-uid"], ["node-uid"])
    assert.match(extra["authentication.kubernetes.io/credential-id"]?.[0] ?? "", /^JTI=[0-9a-f-]{36}$/)
  })

  test("leaves requests without a token, or with another issuer's, to other authenticators", async () => {
    assert.equal(await authn(req()), undefined)
    assert.equal(await authn(req("static-token")), undefined)
    const foreign = await signClaims(
      claimsOf(
        {
          serviceAccount: { namespace: "ns", name: "sa", uid: "sa-uid" },
          audiences: ["api"],
          expirationSeconds: 600,
        },
        "https://elsewhere",
        clock.now(),
      ),
      key,
    )
    assert.equal(await authn(req(foreign)), undefined)
  })

  test("refuses tokens whose secret or node is gone or replaced", async () => {
    const bySecret = await token({ secret: { name: "s", uid: "secret-uid" } })
    const byNode = await token({ node: { name: "n", uid: "node-uid" } })
    const wrongAud = await token({}, ["vault"])
    assert.ok(await authn(req(bySecret)))
    assert.ok(await authn(req(byNode)))
    await assert.rejects(authn(req(wrongAud)), { reason: "Unauthorized" })
    objects.set("secrets/ns/s", { metadata: { uid: "other" } })
    objects.delete("nodes//n")
    await assert.rejects(authn(req(bySecret)), { reason: "Unauthorized" })
    await assert.rejects(authn(req(byNode)), { reason: "Unauthorized" })
  })
})

describe("ServiceAccount admission", () => {
  const pod = (spec: Record<string, unknown>): Pod =>
    ({ metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i" }], ...spec } }) as Pod

  test("leaves containers that mount something at the path, and ephemeral containers, alone", () => {
    const p = pod({
      containers: [
        {
          name: "own",
          image: "i",
          volumeMounts: [{ name: "x", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }],
        },
        { name: "c", image: "i" },
      ],
      ephemeralContainers: [{ name: "debug", image: "i" }],
    })
    mountServiceAccountToken(p, () => "abcde")
    assert.deepEqual(p.spec?.containers[0]?.volumeMounts, [
      { name: "x", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" },
    ])
    assert.equal(p.spec?.containers[1]?.volumeMounts?.[0]?.name, "kube-api-access-abcde")
    assert.equal(p.spec?.ephemeralContainers?.[0]?.volumeMounts, undefined)
    assert.deepEqual(
      p.spec?.volumes?.map((v) => v.name),
      ["kube-api-access-abcde"],
    )
  })

  test("reuses an existing kube-api-access volume and adds none when nothing needs it", () => {
    const p = pod({ volumes: [{ name: "kube-api-access-zzzzz", emptyDir: {} }] })
    mountServiceAccountToken(p, () => "abcde")
    assert.equal(p.spec?.volumes?.length, 1)
    assert.equal(p.spec?.containers[0]?.volumeMounts?.[0]?.name, "kube-api-access-zzzzz")
    const none = pod({
      containers: [
        {
          name: "c",
          image: "i",
          volumeMounts: [{ name: "x", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }],
        },
      ],
    })
    mountServiceAccountToken(none)
    assert.equal(none.spec?.volumes, undefined)
  })

  test("skips mirror pods and copies the account's image pull secrets", async () => {
    const lookup: ObjectLookup = async () =>
      ({ metadata: { name: "default" }, imagePullSecrets: [{ name: "reg" }] }) as never
    const plugin = serviceAccountAdmission(lookup, () => "abcde")
    const info = { group: "", kind: "Pod" } as never
    const base = {
      operation: "CREATE",
      info,
      namespace: "ns",
      name: "p",
      subresource: "",
      dryRun: false,
    } as const
    const mirror = pod({})
    mirror.metadata = { name: "p", annotations: { "kubernetes.io/config.mirror": "x" } }
    await plugin.mutate?.({ ...base, object: mirror as never })
    assert.equal(mirror.spec?.volumes, undefined)
    const p = pod({})
    await plugin.mutate?.({ ...base, object: p as never })
    assert.deepEqual(p.spec?.imagePullSecrets, [{ name: "reg" }])
    assert.equal(p.spec?.serviceAccountName, "default")
  })
})
