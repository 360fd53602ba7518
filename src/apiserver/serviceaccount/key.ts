/**
 * The key service account tokens are signed with (upstream's --service-account-signing-key-file,
 * kubeadm's sa.key): ECDSA P-256 made on first start next to the other PKI files and reused
 * after, or an RSA key read from a PEM file. Its key id is upstream's: the unpadded base64url
 * SHA-256 of the DER (PKIX) public key.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** A token signing key pair with its JWS algorithm and key id. */
export interface ServiceAccountKey {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly alg: "RS256" | "ES256"
  readonly kid: string
}

/** Upstream's keyIDFromPublicKey: base64url (no padding) of SHA-256 over the DER public key. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" })
  return createHash("sha256").update(der).digest("base64url")
}

/** The key pair of a private key. @throws Error for keys other than RSA and ECDSA P-256 */
export function serviceAccountKeyOf(privateKey: KeyObject): ServiceAccountKey {
  const publicKey = createPublicKey(privateKey)
  const type = privateKey.asymmetricKeyType
  let alg: ServiceAccountKey["alg"]
  if (type === "rsa") alg = "RS256"
  else if (type === "ec" && privateKey.asymmetricKeyDetails?.namedCurve === "prime256v1") alg = "ES256"
  else throw new Error(`unsupported service account signing key type ${type}`)
  return { privateKey, publicKey, alg, kid: keyIdOf(publicKey) }
}

/** A new in-memory ECDSA P-256 key (tests, and the first start). */
export function generateServiceAccountKey(): ServiceAccountKey {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
  return serviceAccountKeyOf(privateKey)
}

/** Loads `sa.key` from `dir`, creating it (and `sa.pub`) when missing. */
export function ensureServiceAccountKey(dir: string): ServiceAccountKey {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const keyFile = join(dir, "sa.key")
  if (existsSync(keyFile)) return serviceAccountKeyOf(createPrivateKey(readFileSync(keyFile, "utf8")))
  const key = generateServiceAccountKey()
  writeFileSync(keyFile, key.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 })
  writeFileSync(join(dir, "sa.pub"), key.publicKey.export({ type: "spki", format: "pem" }), { mode: 0o644 })
  return key
}
