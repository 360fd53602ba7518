/**
 * The real kubectl and `k8ts server`: a CertificateSigningRequest is listed, approved with
 * `kubectl certificate approve`, signed by csrsigning with the cluster CA, and the certificate
 * then authenticates as its CN and O; `kubectl certificate deny` and `kubectl get cs` too.
 */
import assert from "node:assert/strict"
import { X509Certificate } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import {
  kubectlSession,
  makeCsr,
  serverTarget,
  type ServerProcess,
  startK8tsServer,
} from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-certificates-"))
let server: ServerProcess | undefined
const { k, ok } = kubectlSession(() => serverTarget(dir, 60_000))

before(async () => {
  server = await startK8tsServer([
    ...["--data-dir", dir, "--port", "0", "--kubelet-port", "0"],
    ...["--disable", "kubelet,proxy,dns"],
  ])
})
after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

function csrManifest(name: string, request: string): string {
  return JSON.stringify({
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name },
    spec: {
      request,
      signerName: "kubernetes.io/kube-apiserver-client",
      expirationSeconds: 3600,
      usages: ["client auth"],
    },
  })
}

async function poll(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await probe()) return
    await new Promise((r) => setTimeout(r, 200))
  }
  assert.fail(`timed out waiting for ${what}`)
}

describe("kubectl and certificates.k8s.io", () => {
  test("approve, get csr, and the issued certificate authenticates as its subject", async () => {
    const csr = await makeCsr("CN=jane, O=devs, O=qa")
    const file = join(dir, "jane.json")
    writeFileSync(file, csrManifest("jane", csr.request))
    assert.match(
      await ok("create", "-f", file),
      /certificatesigningrequest.certificates.k8s.io\/jane created/,
    )
    const pending = await ok("get", "csr")
    assert.match(pending, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\s*$/m)
    assert.match(
      pending,
      /^jane\s+\S+\s+kubernetes.io\/kube-apiserver-client\s+kubernetes-admin\s+60m\s+Pending\s*$/m,
    )

    assert.match(
      await ok("certificate", "approve", "jane"),
      /certificatesigningrequest.certificates.k8s.io\/jane approved/,
    )
    let certificate = ""
    await poll("the certificate", async () => {
      certificate = await ok("get", "csr", "jane", "-o", "jsonpath={.status.certificate}")
      return certificate !== ""
    })
    assert.match(await ok("get", "csr", "jane"), /^jane\s+.*\s+Approved,Issued\s*$/m)

    const certFile = join(dir, "jane.crt")
    const keyFile = join(dir, "jane.key")
    writeFileSync(certFile, Buffer.from(certificate, "base64"))
    writeFileSync(keyFile, csr.keyPem)
    const whoami = JSON.parse(
      await ok("--client-certificate", certFile, "--client-key", keyFile, "auth", "whoami", "-o", "json"),
    )
    assert.equal(whoami.status.userInfo.username, "jane")
    assert.deepEqual(whoami.status.userInfo.groups, ["devs", "qa", "system:authenticated"])
    // The certificate's SHA-256 names the credential, as upstream's x509 authenticator has it.
    const fingerprint = new X509Certificate(readFileSync(certFile)).fingerprint256.replaceAll(":", "")
    assert.deepEqual(whoami.status.userInfo.extra, {
      "authentication.kubernetes.io/credential-id": [`X509SHA256=${fingerprint.toLowerCase()}`],
    })
  })

  test("deny marks the request Denied and nothing is issued", async () => {
    const csr = await makeCsr("CN=mallory, O=admins")
    const file = join(dir, "mallory.json")
    writeFileSync(file, csrManifest("mallory", csr.request))
    await ok("create", "-f", file)
    assert.match(
      await ok("certificate", "deny", "mallory"),
      /certificatesigningrequest.certificates.k8s.io\/mallory denied/,
    )
    assert.match(await ok("get", "csr", "mallory"), /^mallory\s+.*\s+Denied\s*$/m)
    // kubectl refuses to approve it; written around kubectl, the server's validation does.
    const refused = await k("certificate", "approve", "mallory")
    assert.match(refused.stderr, /certificate signing request "mallory" is already Denied/)
    const denied = JSON.parse(await ok("get", "csr", "mallory", "-o", "json"))
    denied.status.conditions.push({ type: "Approved", status: "True", reason: "Sneaky" })
    const body = join(dir, "approve-mallory.json")
    writeFileSync(body, JSON.stringify(denied))
    const path = "/apis/certificates.k8s.io/v1/certificatesigningrequests/mallory/approval"
    const again = await k("replace", "--raw", path, "-f", body)
    assert.notEqual(again.code, 0)
    assert.match(again.stderr, /Approved and Denied conditions are mutually exclusive/)
    const json = JSON.parse(await ok("get", "csr", "mallory", "-o", "json"))
    assert.equal(json.status.certificate, undefined)
  })

  test("a request that is not a signed CSR is refused", async () => {
    const file = join(dir, "junk.json")
    writeFileSync(file, csrManifest("junk", Buffer.from("not a csr").toString("base64")))
    const res = await k("create", "-f", file)
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /spec.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST/)
  })

  test("kubectl get cs shows every component healthy, with the deprecation warning", async () => {
    const res = await k("get", "cs")
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stderr, /Warning: v1 ComponentStatus is deprecated in v1.19\+/)
    assert.match(res.stdout, /^NAME\s+STATUS\s+MESSAGE\s+ERROR\s*$/m)
    for (const name of ["scheduler", "controller-manager", "etcd-0"])
      assert.match(res.stdout, new RegExp(`^${name}\\s+Healthy\\s+ok\\s*$`, "m"))
    const one = JSON.parse(await ok("get", "componentstatus", "etcd-0", "-o", "json"))
    assert.deepEqual(one.conditions, [{ type: "Healthy", status: "True", message: "ok" }])
  })
})
