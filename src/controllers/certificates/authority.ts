/**
 * The signing CA of the csrsigning controller (upstream's authority package): issues a
 * certificate for a PEM certificate request with the usages asked for, backdated by 5 minutes,
 * never outliving the CA, with the subject and subject alternative names of the request and
 * nothing else from it (upstream's PermissiveSigningPolicy).
 */
import "reflect-metadata"
import { webcrypto } from "node:crypto"
import * as x509 from "@peculiar/x509"

x509.cryptoProvider.set(webcrypto as never)

/** A CA certificate and its private key (PKCS#8), PEM-encoded. */
export interface SigningKeyPair {
  readonly cert: string
  readonly key: string
}

/** How one certificate is issued. */
export interface SigningPolicy {
  /** The certificate's lifetime. */
  readonly ttlMs: number
  readonly usages: readonly string[]
  /** The signer's time in ms since the epoch. */
  readonly now: number
}

const BACKDATE_MS = 5 * 60_000
/** Certificates shorter than this are not backdated at their end. */
const SHORT_MS = 8 * 3600_000

const KEY_USAGES: Readonly<Record<string, number>> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  "digital signature": x509.KeyUsageFlags.digitalSignature,
  "content commitment": x509.KeyUsageFlags.nonRepudiation,
  "key encipherment": x509.KeyUsageFlags.keyEncipherment,
  "key agreement": x509.KeyUsageFlags.keyAgreement,
  "data encipherment": x509.KeyUsageFlags.dataEncipherment,
  "cert sign": x509.KeyUsageFlags.keyCertSign,
  "crl sign": x509.KeyUsageFlags.cRLSign,
  "encipher only": x509.KeyUsageFlags.encipherOnly,
  "decipher only": x509.KeyUsageFlags.decipherOnly,
}

/** Extended key usages by API name, in Go's ExtKeyUsage order (upstream sorts by it). */
const EXT_KEY_USAGES: readonly (readonly [string, string])[] = [
  ["any", "2.5.29.37.0"],
  ["server auth", "1.3.6.1.5.5.7.3.1"],
  ["client auth", "1.3.6.1.5.5.7.3.2"],
  ["code signing", "1.3.6.1.5.5.7.3.3"],
  ["email protection", "1.3.6.1.5.5.7.3.4"],
  ["s/mime", "1.3.6.1.5.5.7.3.4"],
  ["ipsec end system", "1.3.6.1.5.5.7.3.5"],
  ["ipsec tunnel", "1.3.6.1.5.5.7.3.6"],
  ["ipsec user", "1.3.6.1.5.5.7.3.7"],
  ["timestamping", "1.3.6.1.5.5.7.3.8"],
  ["ocsp signing", "1.3.6.1.5.5.7.3.9"],
  ["microsoft sgc", "1.3.6.1.4.1.311.10.3.3"],
  ["netscape sgc", "2.16.840.1.113730.4.1"],
]

/** The key usage bits and extended key usage OIDs of API usages. @throws Error on an unknown one */
export function keyUsagesOf(usages: readonly string[]): { bits: number; extended: string[] } {
  let bits = 0
  const extended = new Set<string>()
  const unknown: string[] = []
  for (const u of usages) {
    const bit = KEY_USAGES[u]
    const ext = EXT_KEY_USAGES.find(([name]) => name === u)?.[1]
    if (bit !== undefined) bits |= bit
    else if (ext) extended.add(ext)
    else unknown.push(u)
  }
  if (unknown.length)
    throw new Error(`unrecognized usage values: [${unknown.map((u) => `"${u}"`).join(" ")}]`)
  const order = EXT_KEY_USAGES.map(([, oid]) => oid)
  return { bits, extended: [...extended].sort((a, b) => order.indexOf(a) - order.indexOf(b)) }
}

/** A request's subjectAltName extension, if it asks for one. */
export function subjectAltNames(
  csr: x509.Pkcs10CertificateRequest,
): x509.SubjectAlternativeNameExtension | undefined {
  const ext = csr.extensions.find((e) => e.type === "2.5.29.17")
  return ext ? new x509.SubjectAlternativeNameExtension(ext.rawData) : undefined
}

function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] = (bytes[0] as number) & 0x7f // positive
  return Buffer.from(bytes).toString("hex")
}

/** The Web Crypto algorithm the CA's key signs with. */
function signingAlgorithmOf(ca: x509.X509Certificate): { name: string; namedCurve?: string; hash: string } {
  const alg = ca.publicKey.algorithm as { name: string; namedCurve?: string }
  if (alg.name === "ECDSA") return { name: "ECDSA", namedCurve: alg.namedCurve ?? "P-256", hash: "SHA-256" }
  return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
}

/** A loaded CA that signs certificate requests. */
export class CertificateAuthority {
  readonly #cert: x509.X509Certificate
  readonly #key: Promise<webcrypto.CryptoKey>
  readonly #algorithm: { name: string; namedCurve?: string; hash: string }

  constructor(pair: SigningKeyPair) {
    this.#cert = new x509.X509Certificate(pair.cert)
    this.#algorithm = signingAlgorithmOf(this.#cert)
    const der = x509.PemConverter.decode(pair.key)[0] as ArrayBuffer
    this.#key = webcrypto.subtle.importKey("pkcs8", der, this.#algorithm, false, ["sign"])
  }

  /** The CA certificate's end of validity (ms since the epoch). */
  get notAfter(): number {
    return this.#cert.notAfter.getTime()
  }

  /** Issues a certificate for `requestPem`; returns it as PEM. @throws Error with upstream's messages */
  async sign(requestPem: string, policy: SigningPolicy): Promise<string> {
    const notAfterCa = this.notAfter
    const notBefore = policy.now - BACKDATE_MS
    if (notBefore >= notAfterCa)
      throw new Error(`the signer has expired: NotAfter=${new Date(notAfterCa).toISOString()}`)
    const csr = new x509.Pkcs10CertificateRequest(requestPem)
    if (!(await csr.verify()))
      throw new Error("unable to verify certificate request signature: x509: verification failure")
    const { bits, extended } = keyUsagesOf(policy.usages)
    let notAfter =
      policy.ttlMs < SHORT_MS ? policy.now + policy.ttlMs : policy.now + policy.ttlMs - BACKDATE_MS
    if (notAfter >= notAfterCa) notAfter = notAfterCa
    if (policy.now >= notAfterCa) throw new Error("refusing to sign a certificate that expired in the past")
    const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)]
    if (bits) extensions.push(new x509.KeyUsagesExtension(bits, true))
    if (extended.length) extensions.push(new x509.ExtendedKeyUsageExtension(extended))
    const san = subjectAltNames(csr)
    if (san) extensions.push(new x509.SubjectAlternativeNameExtension(san.names.toJSON()))
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(this.#cert))
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: csr.subjectName,
      issuer: this.#cert.subjectName,
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      publicKey: csr.publicKey,
      signingKey: await this.#key,
      signingAlgorithm: this.#algorithm,
      extensions,
    })
    return cert.toString("pem")
  }
}
