/**
 * csrsigning: signs approved CertificateSigningRequests of the kubernetes.io signers
 * kube-apiserver-client, kube-apiserver-client-kubelet and kubelet-serving with the cluster CA,
 * as upstream's CSRSigningController does. A request its signer's rules refuse gets a Failed
 * condition (SignerValidationFailure); a signed one gets status.certificate.
 */
import "reflect-metadata"
import * as x509 from "@peculiar/x509"
import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
} from "kubernetes-types/certificates/v1.js"
import { CertificateSigningRequests } from "../../api/index.ts"
import { type ControllerSpec, TerminalError } from "../../client/index.ts"
import { CertificateAuthority, type SigningKeyPair, subjectAltNames } from "./authority.ts"
import { rfc3339 } from "../../util/index.ts"

/** The signers csrsigning serves. */
export const KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client"
export const KUBE_APISERVER_CLIENT_KUBELET = "kubernetes.io/kube-apiserver-client-kubelet"
export const KUBELET_SERVING = "kubernetes.io/kubelet-serving"

/** Options of csrSigningController. */
export interface CsrSigningOptions {
  /** The CA certificates are signed with (upstream's --cluster-signing-cert-file and -key-file). */
  readonly ca: SigningKeyPair
  /** The longest certificate issued (--cluster-signing-duration; default one year). */
  readonly durationMs?: number
}

const YEAR_MS = 365 * 24 * 3600_000
const MIN_DURATION_MS = 10 * 60_000

/** What the signers' rules look at in a request. */
export interface RequestFacts {
  readonly commonName: string
  readonly organizations: readonly string[]
  readonly dnsNames: readonly string[]
  readonly ipAddresses: readonly string[]
  readonly emailAddresses: readonly string[]
  readonly uris: readonly string[]
}

/** The subject and subject alternative names of a PEM request. */
export function requestFacts(pem: string): RequestFacts {
  const csr = new x509.Pkcs10CertificateRequest(pem)
  const names = subjectAltNames(csr)?.names.items ?? []
  const of = (type: string) => names.filter((n) => n.type === type).map((n) => n.value)
  return {
    commonName: csr.subjectName.getField("CN")[0] ?? "",
    organizations: csr.subjectName.getField("O"),
    dnsNames: of("dns"),
    ipAddresses: of("ip"),
    emailAddresses: of("email"),
    uris: of("url"),
  }
}

function sameSet(usages: readonly string[], want: readonly string[]): boolean {
  const set = new Set(usages)
  return set.size === want.length && want.every((u) => set.has(u))
}

function nodeSubjectError(req: RequestFacts): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== "system:nodes")
    return "subject organization is not system:nodes"
  return undefined
}

function apiServerClientError(_req: RequestFacts, usages: readonly string[]): string | undefined {
  for (const u of usages) {
    if (u !== "digital signature" && u !== "key encipherment" && u !== "client auth")
      return `invalid usage for client certificate: ${u}`
  }
  return usages.includes("client auth")
    ? undefined
    : "missing required usage for client certificate: client auth"
}

function kubeletClientError(req: RequestFacts, usages: readonly string[]): string | undefined {
  const subject = nodeSubjectError(req)
  if (subject) return subject
  if (req.dnsNames.length) return "DNS subjectAltNames are not allowed"
  if (req.emailAddresses.length) return "Email subjectAltNames are not allowed"
  if (req.ipAddresses.length) return "IP subjectAltNames are not allowed"
  if (req.uris.length) return "URI subjectAltNames are not allowed"
  if (!req.commonName.startsWith("system:node:"))
    return "subject common name does not begin with system:node:"
  const full = ["client auth", "digital signature", "key encipherment"]
  if (!sameSet(usages, full) && !sameSet(usages, ["client auth", "digital signature"]))
    return `usages did not match [${full.join(" ")}]`
  return undefined
}

function kubeletServingError(req: RequestFacts, usages: readonly string[]): string | undefined {
  const subject = nodeSubjectError(req)
  if (subject) return subject
  if (!req.dnsNames.length && !req.ipAddresses.length) return "DNS or IP subjectAltName is required"
  if (req.emailAddresses.length) return "Email subjectAltNames are not allowed"
  if (req.uris.length) return "URI subjectAltNames are not allowed"
  const full = ["digital signature", "key encipherment", "server auth"]
  if (!sameSet(usages, full) && !sameSet(usages, ["digital signature", "server auth"]))
    return `usages did not match [${full.join(" ")}]`
  if (!req.commonName.startsWith("system:node:"))
    return "subject common name does not begin with system:node:"
  return undefined
}

/** Each signer's rules: the reason it refuses a request, or undefined. */
const SIGNER_RULES: Readonly<
  Record<string, (req: RequestFacts, usages: readonly string[]) => string | undefined>
> = {
  [KUBE_APISERVER_CLIENT]: apiServerClientError,
  [KUBE_APISERVER_CLIENT_KUBELET]: kubeletClientError,
  [KUBELET_SERVING]: kubeletServingError,
}

function hasTrue(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === "True")
}

/** Approved and not Denied (upstream's IsCertificateRequestApproved). */
export function isApproved(csr: CertificateSigningRequest): boolean {
  return hasTrue(csr, "Approved") && !hasTrue(csr, "Denied")
}

/** The lifetime of a certificate: the requested one within [10 minutes, max], else max. */
export function certificateDuration(expirationSeconds: number | undefined, maxMs: number): number {
  if (expirationSeconds === undefined || expirationSeconds === null) return maxMs
  const requested = expirationSeconds * 1000
  return Math.max(MIN_DURATION_MS, Math.min(requested, maxMs))
}

/** Signs approved requests of the kubernetes.io signers with the cluster CA. */
export function csrSigningController(opts: CsrSigningOptions): ControllerSpec {
  const ca = new CertificateAuthority(opts.ca)
  const maxMs = opts.durationMs ?? YEAR_MS
  return {
    name: "csrsigning",
    for: CertificateSigningRequests,
    create: ({ client, informers, clock }) => ({
      async reconcile(key) {
        const cached = informers.get(CertificateSigningRequests).cache.get(key)
        if (!cached || cached.status?.certificate) return // gone, or signed already
        if (!isApproved(cached) || hasTrue(cached, "Failed")) return
        const rules = SIGNER_RULES[cached.spec.signerName]
        if (!rules) return // another signer's request
        const pem = Buffer.from(cached.spec.request, "base64").toString("utf8")
        let facts: RequestFacts
        try {
          facts = requestFacts(pem)
        } catch (err) {
          throw new TerminalError(`unable to parse csr "${key}": ${(err as Error).message}`)
        }
        const csr = structuredClone(cached) as CertificateSigningRequest
        const refused = rules(facts, csr.spec.usages ?? [])
        csr.status ??= {}
        if (refused) {
          const failed: CertificateSigningRequestCondition = {
            type: "Failed",
            status: "True",
            reason: "SignerValidationFailure",
            message: refused,
            lastUpdateTime: rfc3339(clock.now()),
          }
          csr.status.conditions = [...(csr.status.conditions ?? []), failed]
        } else {
          const cert = await ca.sign(pem, {
            ttlMs: certificateDuration(csr.spec.expirationSeconds, maxMs),
            usages: csr.spec.usages ?? [],
            now: clock.now(),
          })
          csr.status.certificate = Buffer.from(cert).toString("base64")
        }
        await client.resource(CertificateSigningRequests).updateStatus(csr as never)
      },
    }),
  }
}
