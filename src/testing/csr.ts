/** Certificate signing requests for tests: a fresh P-256 key and a PEM PKCS#10 request signed with it. */
import "reflect-metadata"
import { webcrypto } from "node:crypto"
import { isIP } from "node:net"
import * as x509 from "@peculiar/x509"

x509.cryptoProvider.set(webcrypto as never)

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" }

/** A request and the private key (PKCS#8 PEM) that signed it. */
export interface TestCsr {
  /** The PEM "CERTIFICATE REQUEST". */
  readonly pem: string
  /** spec.request: the PEM, base64-encoded. */
  readonly request: string
  readonly keyPem: string
}

/** Makes a CSR for `subject` (e.g. "CN=alice, O=devs"), with DNS or IP SANs when `hosts` are given. */
export async function makeCsr(subject: string, hosts: readonly string[] = []): Promise<TestCsr> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair
  const extensions = hosts.length
    ? [
        new x509.SubjectAlternativeNameExtension(
          hosts.map((h) => (isIP(h) ? { type: "ip", value: h } : { type: "dns", value: h })),
        ),
      ]
    : []
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys: keys as never,
    signingAlgorithm: ALG,
    extensions,
  })
  const pem = csr.toString("pem")
  const der = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)
  return {
    pem,
    request: Buffer.from(pem).toString("base64"),
    keyPem: x509.PemConverter.encode(der, "PRIVATE KEY"),
  }
}
