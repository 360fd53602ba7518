/**
 * Just enough PEM and DER to check a PKCS#10 certificate request as upstream's validation does
 * (Go's pem.Decode, x509.ParseCertificateRequest and CheckSignature): find the PEM block, take
 * the request apart, and verify its self-signature with node:crypto. Errors carry Go's messages.
 */
import { X509Certificate, createPublicKey, verify } from "node:crypto"

/** One PEM block: its type, whether it had headers, and its DER bytes. */
export interface PemBlock {
  readonly type: string
  readonly hasHeaders: boolean
  readonly der: Buffer
}

const PEM_BLOCK = /-----BEGIN ([^-\r\n]*)-----\r?\n([\s\S]*?)-----END \1-----/g

/** Every PEM block of `text`, in order (what repeated pem.Decode calls find). */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = []
  for (const m of text.matchAll(PEM_BLOCK)) {
    const lines = (m[2] as string).split(/\r?\n/)
    // Headers ("Proc-Type: ...") come first and end at a blank line.
    const hasHeaders = (lines[0] ?? "").includes(":")
    const b64 = (hasHeaders ? lines.slice(lines.indexOf("") + 1) : lines).join("")
    out.push({ type: m[1] as string, hasHeaders, der: Buffer.from(b64.replace(/\s+/g, ""), "base64") })
  }
  return out
}

interface Tlv {
  readonly tag: number
  /** Where the element (its tag byte) begins. */
  readonly begin: number
  /** Where its contents begin. */
  readonly start: number
  /** Where it ends (exclusive). */
  readonly end: number
}

const MALFORMED = "x509: malformed certificate request"

function tlv(der: Buffer, pos: number, tag: number, limit = der.length): Tlv {
  if (pos + 2 > limit || der[pos] !== tag) throw new Error(MALFORMED)
  let len = der[pos + 1] as number
  let start = pos + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4 || start + n > limit) throw new Error(MALFORMED)
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] as number)
    start += n
  }
  const end = start + len
  if (end > limit) throw new Error(MALFORMED)
  return { tag, begin: pos, start, end }
}

function oidOf(bytes: Buffer): string {
  const first = bytes[0] ?? 0
  const parts = [Math.floor(first / 40), first % 40]
  let v = 0
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f)
    if (!(b & 0x80)) {
      parts.push(v)
      v = 0
    }
  }
  return parts.join(".")
}

/** A parsed certificate request: what is signed, the key, and the signature. */
export interface CertificateRequestDer {
  /** The DER of CertificationRequestInfo (the signed part). */
  readonly info: Buffer
  /** The DER of the SubjectPublicKeyInfo. */
  readonly publicKey: Buffer
  readonly signatureAlgorithm: string
  readonly signature: Buffer
}

/** Takes a DER certificate request apart. @throws Error with Go's message when malformed */
export function parseCertificateRequest(der: Buffer): CertificateRequestDer {
  const outer = tlv(der, 0, 0x30)
  if (outer.end !== der.length) throw new Error("x509: trailing data after certificate request")
  const info = tlv(der, outer.start, 0x30, outer.end)
  const version = tlv(der, info.start, 0x02, info.end)
  const subject = tlv(der, version.end, 0x30, info.end)
  const spki = tlv(der, subject.end, 0x30, info.end)
  const alg = tlv(der, info.end, 0x30, outer.end)
  const oid = tlv(der, alg.start, 0x06, alg.end)
  const sig = tlv(der, alg.end, 0x03, outer.end)
  return {
    info: der.subarray(info.begin, info.end),
    publicKey: der.subarray(spki.begin, spki.end),
    signatureAlgorithm: oidOf(der.subarray(oid.start, oid.end)),
    signature: der.subarray(sig.start + 1, sig.end),
  }
}

/** Signature algorithms by OID: the hash node:crypto verifies with (null for Ed25519). */
const ALGORITHMS: Readonly<Record<string, { hash: string | null; name: string }>> = {
  "1.2.840.113549.1.1.5": { hash: "sha1", name: "RSA" },
  "1.2.840.113549.1.1.11": { hash: "sha256", name: "RSA" },
  "1.2.840.113549.1.1.12": { hash: "sha384", name: "RSA" },
  "1.2.840.113549.1.1.13": { hash: "sha512", name: "RSA" },
  "1.2.840.10045.4.1": { hash: "sha1", name: "ECDSA" },
  "1.2.840.10045.4.3.2": { hash: "sha256", name: "ECDSA" },
  "1.2.840.10045.4.3.3": { hash: "sha384", name: "ECDSA" },
  "1.2.840.10045.4.3.4": { hash: "sha512", name: "ECDSA" },
  "1.3.101.112": { hash: null, name: "Ed25519" },
}

/** Verifies a request's self-signature. @throws Error with Go's message when it does not verify */
export function checkSignature(req: CertificateRequestDer): void {
  const alg = ALGORITHMS[req.signatureAlgorithm]
  if (!alg) throw new Error("x509: cannot verify signature: algorithm unimplemented")
  let ok = false
  try {
    const key = createPublicKey({ key: req.publicKey, format: "der", type: "spki" })
    ok = verify(alg.hash, req.info, key, req.signature)
  } catch {
    ok = false
  }
  if (!ok) {
    throw new Error(
      alg.name === "RSA" ? "crypto/rsa: verification error" : `x509: ${alg.name} verification failure`,
    )
  }
}

/**
 * Parses a PEM certificate request and checks its signature, as upstream's validation does.
 * @throws Error with upstream's message
 */
export function checkCertificateRequestPem(pem: string): void {
  const block = pemBlocks(pem)[0]
  if (!block || block.type !== "CERTIFICATE REQUEST") {
    throw new Error("PEM block type must be CERTIFICATE REQUEST")
  }
  checkSignature(parseCertificateRequest(block.der))
}

/** Checks status.certificate: one or more CERTIFICATE blocks without headers. @throws Error */
export function checkCertificatePem(pem: string): void {
  if (!pem) return
  const blocks = pemBlocks(pem)
  if (!blocks.length) throw new Error("must contain at least one CERTIFICATE PEM block")
  for (const b of blocks) {
    if (b.type !== "CERTIFICATE")
      throw new Error(`only CERTIFICATE PEM blocks are allowed, found "${b.type}"`)
    if (b.hasHeaders) throw new Error("no PEM block headers are permitted")
    try {
      new X509Certificate(b.der)
    } catch {
      throw new Error("x509: malformed certificate")
    }
  }
}
