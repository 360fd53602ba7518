/**
 * The cluster's certificates: a CA, the API server's serving certificate and an admin client
 * certificate, made with @peculiar/x509 on first start and reused after.
 */
import "reflect-metadata"
import { webcrypto } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { isIP } from "node:net"
import { join } from "node:path"
import * as x509 from "@peculiar/x509"
import { CREDENTIAL_ID_EXTRA } from "./http.ts"

type CryptoKey = webcrypto.CryptoKey
type CryptoKeyPair = webcrypto.CryptoKeyPair

x509.cryptoProvider.set(webcrypto as never)

const ALG: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = {
  name: "ECDSA",
  namedCurve: "P-256",
  hash: "SHA-256",
}
const TEN_YEARS = 10 * 365 * 24 * 3600 * 1000

/** A certificate and its private key, PEM-encoded. */
export interface KeyPair {
  readonly cert: string
  readonly key: string
}

/** The cluster's PKI. */
export interface Pki {
  readonly ca: KeyPair
  readonly server: KeyPair
  readonly admin: KeyPair
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key)
  return x509.PemConverter.encode(der, "PRIVATE KEY")
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0] as ArrayBuffer
  return webcrypto.subtle.importKey("pkcs8", der, ALG, true, ["sign"])
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString("hex")
    .replace(/^[89a-f]/, "1")
}

/** Makes a new self-signed CA. */
export async function createCa(name = "k8ts-ca"): Promise<KeyPair> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair
  const now = Date.now()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + TEN_YEARS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  return { cert: cert.toString("pem"), key: await keyPem(keys.privateKey) }
}

/** What a leaf certificate is for. */
export interface LeafOptions {
  /** e.g. "CN=kubernetes-admin, O=system:masters" */
  readonly subject: string
  readonly usage: "server" | "client"
  /** DNS names and IP addresses (servers). */
  readonly hosts?: readonly string[]
}

/** Signs a new leaf certificate with the CA. */
export async function issue(ca: KeyPair, opts: LeafOptions): Promise<KeyPair> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair
  const caCert = new x509.X509Certificate(ca.cert)
  const now = Date.now()
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([
      opts.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    ]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ]
  if (opts.hosts?.length) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        opts.hosts.map((h) => (isIP(h) ? { type: "ip", value: h } : { type: "dns", value: h })),
      ),
    )
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: opts.subject,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + TEN_YEARS),
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.key),
    signingAlgorithm: ALG,
    extensions,
  })
  return { cert: cert.toString("pem"), key: await keyPem(keys.privateKey) }
}

function load(dir: string, name: string): KeyPair | undefined {
  const c = join(dir, `${name}.crt`)
  const k = join(dir, `${name}.key`)
  if (!existsSync(c) || !existsSync(k)) return undefined
  return { cert: readFileSync(c, "utf8"), key: readFileSync(k, "utf8") }
}

function save(dir: string, name: string, kp: KeyPair): void {
  writeFileSync(join(dir, `${name}.crt`), kp.cert, { mode: 0o644 })
  writeFileSync(join(dir, `${name}.key`), kp.key, { mode: 0o600 })
}

/** The DNS names every API serving certificate carries. */
export function apiServerNames(clusterDomain: string): string[] {
  return [
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    `kubernetes.default.svc.${clusterDomain}`,
  ]
}

/**
 * Loads the PKI from `dir`, creating what is missing. A serving certificate that lacks one of
 * `hosts` is reissued (the bind address may change between starts).
 */
export async function ensurePki(dir: string, hosts: readonly string[]): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  let ca = load(dir, "ca")
  if (!ca) {
    ca = await createCa()
    save(dir, "ca", ca)
  }
  let server = load(dir, "apiserver")
  if (!server || !coversHosts(server.cert, hosts)) {
    server = await issue(ca, { subject: "CN=kube-apiserver", usage: "server", hosts })
    save(dir, "apiserver", server)
  }
  let admin = load(dir, "admin")
  if (!admin) {
    admin = await issue(ca, { subject: "CN=kubernetes-admin, O=system:masters", usage: "client" })
    save(dir, "admin", admin)
  }
  return { ca, server, admin }
}

function coversHosts(pem: string, hosts: readonly string[]): boolean {
  const san = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension)
  const names = new Set((san?.names.items ?? []).map((n) => n.value))
  return hosts.every((h) => names.has(h))
}

/** The user a verified client certificate names: CN is the user, each O a group. */
export function userOfSubject(subject: {
  CN?: string | string[]
  O?: string | string[]
  sha256?: string
}): { name: string; groups: string[]; extra?: Record<string, string[]> } | undefined {
  const cn = Array.isArray(subject.CN) ? subject.CN[0] : subject.CN
  if (!cn) return undefined
  const o = subject.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O]
  return {
    name: cn,
    groups: [...o, "system:authenticated"],
    // The certificate's fingerprint as the credential's id, as upstream's x509 authenticator sets it.
    ...(subject.sha256 ? { extra: { [CREDENTIAL_ID_EXTRA]: [`X509SHA256=${subject.sha256}`] } } : {}),
  }
}
