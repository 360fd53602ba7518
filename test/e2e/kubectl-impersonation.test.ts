/**
 * The real kubectl's --as, --as-group and --as-uid: `kubectl auth whoami` answers as the
 * impersonated user, and a CertificateSigningRequest created so names it as its requestor.
 * (kubectl itself refuses --as-group without --as; the server's 400 is tested in process.)
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { kubectlSession, makeCsr, startTestApiServer, type TestApiServer } from "../../src/testing/index.ts"

let srv: TestApiServer

before(async () => {
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

const { ok, file } = kubectlSession(() => srv)

describe("kubectl impersonation", () => {
  test("auth whoami answers as the user and groups impersonated", async () => {
    const me = JSON.parse(await ok("auth", "whoami", "-o", "json"))
    assert.equal(me.status.userInfo.username, "kubernetes-admin")
    const jane = JSON.parse(await ok("auth", "whoami", "--as=jane", "--as-group=devs", "-o", "json"))
    assert.deepEqual(jane.status.userInfo, { username: "jane", groups: ["devs", "system:authenticated"] })
    // Each group is its own header line: a comma inside one stays in it.
    const many = JSON.parse(
      await ok(
        "auth",
        "whoami",
        "--as=jane",
        "--as-group=a, b",
        "--as-group=ops",
        "--as-uid=42",
        "-o",
        "json",
      ),
    )
    assert.deepEqual(many.status.userInfo, {
      username: "jane",
      uid: "42",
      groups: ["a, b", "ops", "system:authenticated"],
    })
    const table = await ok("auth", "whoami", "--as=system:serviceaccount:default:builder")
    assert.match(table, /^Username\s+system:serviceaccount:default:builder$/m)
    assert.match(
      table,
      /^Groups\s+\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]$/m,
    )
  })

  test("a CSR created --as jane names jane as its requestor", async () => {
    const csr = await makeCsr("CN=jane")
    const manifest = file(
      "csr.json",
      JSON.stringify({
        apiVersion: "certificates.k8s.io/v1",
        kind: "CertificateSigningRequest",
        metadata: { name: "from-jane" },
        spec: {
          request: csr.request,
          signerName: "kubernetes.io/kube-apiserver-client",
          usages: ["client auth"],
        },
      }),
    )
    await ok("create", "-f", manifest, "--as=jane", "--as-group=devs")
    const spec = JSON.parse(await ok("get", "csr", "from-jane", "-o", "json")).spec
    assert.equal(spec.username, "jane")
    assert.deepEqual(spec.groups, ["devs", "system:authenticated"])
    assert.match(
      await ok("get", "csr", "from-jane"),
      /^from-jane\s+\S+\s+kubernetes.io\/kube-apiserver-client\s+jane\s/m,
    )
  })
})
