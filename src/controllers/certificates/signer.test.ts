import "reflect-metadata"
import assert from "node:assert/strict"
import { webcrypto } from "node:crypto"
import { after, before, describe, test } from "node:test"
import * as x509 from "@peculiar/x509"
import { CertificateSigningRequests } from "../../api/index.ts"
import { createCa, type KeyPair } from "../../apiserver/index.ts"
import { makeCsr } from "../../testing/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import {
  certificateDuration,
  csrSigningController,
  KUBE_APISERVER_CLIENT,
  KUBELET_SERVING,
} from "./signer.ts"

x509.cryptoProvider.set(webcrypto as never)

describe("csrSigningController", () => {
  let t: LifecycleEnv
  let ca: KeyPair
  before(async () => {
    ca = await createCa("test-ca")
    t = await startLifecycleEnv([csrSigningController({ ca, durationMs: 24 * 3600_000 })])
  })
  after(() => t.stop())

  async function submit(
    name: string,
    subject: string,
    spec: { signerName: string; usages: string[]; expirationSeconds?: number },
    hosts: string[] = [],
  ): Promise<void> {
    const { request } = await makeCsr(subject, hosts)
    await t.client.resource(CertificateSigningRequests).create({
      apiVersion: "certificates.k8s.io/v1",
      kind: "CertificateSigningRequest",
      metadata: { name },
      spec: { request, ...spec },
    })
  }

  async function decide(name: string, type: "Approved" | "Denied"): Promise<void> {
    const csr = await t.client.resource(CertificateSigningRequests).get({ name })
    const res = await fetch(
      `${t.env.url}/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`,
      {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          ...csr,
          status: { conditions: [{ type, status: "True", reason: "Test", message: "by the test" }] },
        }),
      },
    )
    assert.equal(res.status, 200, await res.text())
  }

  function read(name: string) {
    return t.client.resource(CertificateSigningRequests).get({ name })
  }

  test("signs an approved kube-apiserver-client request for the requested duration", async () => {
    await submit("alice", "CN=alice, O=devs, O=ops", {
      signerName: KUBE_APISERVER_CLIENT,
      usages: ["digital signature", "client auth"],
      expirationSeconds: 3600,
    })
    await decide("alice", "Approved")
    await t.until(async () => !!(await read("alice")).status?.certificate, "a certificate")
    const pem = Buffer.from((await read("alice")).status?.certificate ?? "", "base64").toString()
    const cert = new x509.X509Certificate(pem)
    assert.equal(cert.subjectName.getField("CN")[0], "alice")
    assert.deepEqual(cert.subjectName.getField("O"), ["devs", "ops"])
    assert.equal(cert.issuer, new x509.X509Certificate(ca.cert).subject)
    assert.equal(cert.notAfter.getTime() - cert.notBefore.getTime(), 65 * 60_000)
    assert.equal(cert.notBefore.getTime(), Math.floor((t.clock.now() - 5 * 60_000) / 1000) * 1000)
    assert.ok(
      await cert.verify({ publicKey: new x509.X509Certificate(ca.cert).publicKey, signatureOnly: true }),
    )
    const eku = cert.getExtension(x509.ExtendedKeyUsageExtension)
    assert.deepEqual([...(eku?.usages ?? [])], [x509.ExtendedKeyUsage.clientAuth])
    const bc = cert.getExtension(x509.BasicConstraintsExtension)
    assert.equal(bc?.ca, false)
  })

  test("leaves pending and denied requests and other signers' requests alone", async () => {
    const spec = { signerName: KUBE_APISERVER_CLIENT, usages: ["client auth"] }
    await submit("pending", "CN=p", spec)
    await submit("denied", "CN=d", spec)
    await decide("denied", "Denied")
    await submit("other", "CN=o", { signerName: "example.com/mine", usages: ["client auth"] })
    await decide("other", "Approved")
    await submit("probe", "CN=probe", spec)
    await decide("probe", "Approved")
    await t.until(async () => !!(await read("probe")).status?.certificate, "the probe's certificate")
    for (const name of ["pending", "denied", "other"]) {
      const csr = await read(name)
      assert.equal(csr.status?.certificate, undefined, name)
      assert.ok(!(csr.status?.conditions ?? []).some((c) => c.type === "Failed"), name)
    }
  })

  test("marks a request its signer refuses Failed with SignerValidationFailure", async () => {
    await submit("bad-usage", "CN=bob", { signerName: KUBE_APISERVER_CLIENT, usages: ["server auth"] })
    await decide("bad-usage", "Approved")
    await submit(
      "bad-node",
      "CN=system:node:n1, O=devs",
      {
        signerName: KUBELET_SERVING,
        usages: ["digital signature", "server auth"],
      },
      ["n1.example"],
    )
    await decide("bad-node", "Approved")
    const failed = async (name: string) =>
      (await read(name)).status?.conditions?.find((c) => c.type === "Failed")
    await t.until(
      async () => !!(await failed("bad-usage")) && !!(await failed("bad-node")),
      "Failed conditions",
    )
    const c = await failed("bad-usage")
    assert.equal(c?.reason, "SignerValidationFailure")
    assert.equal(c?.message, "invalid usage for client certificate: server auth")
    assert.equal((await failed("bad-node"))?.message, "subject organization is not system:nodes")
    assert.equal((await read("bad-usage")).status?.certificate, undefined)
  })

  test("signs a kubelet-serving request with its subject alternative names", async () => {
    await submit(
      "serving",
      "CN=system:node:n1, O=system:nodes",
      {
        signerName: KUBELET_SERVING,
        usages: ["digital signature", "key encipherment", "server auth"],
      },
      ["n1.example", "10.0.0.7"],
    )
    await decide("serving", "Approved")
    await t.until(async () => !!(await read("serving")).status?.certificate, "a serving certificate")
    const pem = Buffer.from((await read("serving")).status?.certificate ?? "", "base64").toString()
    const cert = new x509.X509Certificate(pem)
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension)
    assert.deepEqual(
      san?.names.items.map((n) => n.value),
      ["n1.example", "10.0.0.7"],
    )
    // No expirationSeconds: the maximum duration, backdated at both ends.
    assert.equal(cert.notAfter.getTime() - cert.notBefore.getTime(), 24 * 3600_000)
  })
})

describe("certificateDuration", () => {
  const cases = [
    { name: "no request takes the maximum", input: undefined, want: 86_400_000 },
    { name: "a shorter request is honoured", input: 3600, want: 3_600_000 },
    { name: "a longer request is capped", input: 999_999, want: 86_400_000 },
    { name: "never under 10 minutes", input: 60, want: 600_000 },
  ]
  for (const c of cases) test(c.name, () => assert.equal(certificateDuration(c.input, 86_400_000), c.want))
})
