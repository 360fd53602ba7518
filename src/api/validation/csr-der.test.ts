import "reflect-metadata"
import assert from "node:assert/strict"
import { webcrypto } from "node:crypto"
import { describe, test } from "node:test"
import * as x509 from "@peculiar/x509"
import { checkCertificatePem, checkCertificateRequestPem, pemBlocks } from "./csr-der.ts"

x509.cryptoProvider.set(webcrypto as never)

async function csrPem(alg: { name: string } & Record<string, unknown>): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(alg as never, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "CN=test",
    keys: keys as never,
    signingAlgorithm: alg,
  })
  return csr.toString("pem")
}

/** The PEM with one byte of its DER flipped `fromEnd` bytes before the end. */
function tampered(pem: string, fromEnd: number): string {
  const der = pemBlocks(pem)[0]?.der as Buffer
  der[der.length - fromEnd] = (der[der.length - fromEnd] as number) ^ 0x01
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`
}

describe("checkCertificateRequestPem", () => {
  const algorithms = [
    {
      name: "ECDSA P-256",
      alg: { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" },
      fails: /ECDSA verification failure/,
    },
    {
      name: "ECDSA P-384",
      alg: { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" },
      fails: /ECDSA verification failure/,
    },
    {
      name: "RSA 2048",
      alg: {
        name: "RSASSA-PKCS1-v1_5",
        hash: "SHA-256",
        publicExponent: new Uint8Array([1, 0, 1]),
        modulusLength: 2048,
      },
      fails: /crypto\/rsa: verification error/,
    },
  ]
  for (const c of algorithms) {
    test(`accepts a ${c.name} request and refuses it tampered with`, async () => {
      const pem = await csrPem(c.alg)
      assert.doesNotThrow(() => checkCertificateRequestPem(pem))
      assert.throws(() => checkCertificateRequestPem(tampered(pem, 3)), c.fails)
    })
  }

  const invalid = [
    { name: "no PEM", input: "hello", want: /PEM block type must be CERTIFICATE REQUEST/ },
    {
      name: "another block type",
      input: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
      want: /PEM block type must be CERTIFICATE REQUEST/,
    },
    {
      name: "garbage DER",
      input: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
      want: /x509: malformed certificate request/,
    },
  ]
  for (const c of invalid)
    test(`refuses ${c.name}`, () => assert.throws(() => checkCertificateRequestPem(c.input), c.want))
})

describe("checkCertificatePem", () => {
  test("accepts nothing and refuses other blocks or no block", () => {
    assert.doesNotThrow(() => checkCertificatePem(""))
    assert.throws(() => checkCertificatePem("junk"), /must contain at least one CERTIFICATE PEM block/)
    assert.throws(
      () =>
        checkCertificatePem("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"),
      /only CERTIFICATE PEM blocks are allowed, found "CERTIFICATE REQUEST"/,
    )
  })
})
