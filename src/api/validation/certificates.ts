/**
 * certificates.k8s.io/v1 CertificateSigningRequests, as upstream validates them: a signed PEM
 * request, known usages, a well-formed signerName, expirationSeconds of at least 600, sane
 * conditions, and on updates which of approval conditions and certificate the written
 * subresource may change.
 */
import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
} from "kubernetes-types/certificates/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue, notSupported, required, tooLong } from "../field-errors.ts"
import { child, index } from "./_field.ts"
import { checkCertificatePem, checkCertificateRequestPem } from "./csr-der.ts"
import { isDns1123Label, isDns1123Subdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

/** Every key usage the API accepts. */
export const KEY_USAGES: readonly string[] = [
  "any",
  "cert sign",
  "client auth",
  "code signing",
  "content commitment",
  "crl sign",
  "data encipherment",
  "decipher only",
  "digital signature",
  "email protection",
  "encipher only",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "key agreement",
  "key encipherment",
  "microsoft sgc",
  "netscape sgc",
  "ocsp signing",
  "s/mime",
  "server auth",
  "signing",
  "timestamping",
]

const LEGACY_UNKNOWN = "kubernetes.io/legacy-unknown"
/** Conditions that may only be True. */
const TRUE_ONLY = new Set(["Approved", "Denied", "Failed"])

/** What the written subresource may change, and what the stored object already gets away with. */
interface Options {
  readonly settingApproval: boolean
  readonly settingCertificate: boolean
  readonly bothApprovedAndDenied: boolean
  readonly legacySignerName: boolean
  readonly duplicateConditionTypes: boolean
  readonly emptyConditionType: boolean
  readonly arbitraryCertificate: boolean
  readonly unknownUsages: boolean
  readonly duplicateUsages: boolean
}

type Csr = CertificateSigningRequest
type Condition = CertificateSigningRequestCondition

function decoded(b64: string | undefined): string {
  return b64 ? Buffer.from(b64, "base64").toString("utf8") : ""
}

function conditionsOf(csr: Csr | undefined): Condition[] {
  return csr?.status?.conditions ?? []
}

function certificateError(cert: string | undefined): string | undefined {
  try {
    checkCertificatePem(decoded(cert))
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

function optionsFor(csr: Csr, old: Csr | undefined, subresource: string): Options {
  const types = conditionsOf(old).map((c) => c.type)
  return {
    settingApproval: subresource === "approval",
    settingCertificate: subresource === "status",
    bothApprovedAndDenied: types.includes("Approved") && types.includes("Denied"),
    legacySignerName: old?.spec?.signerName === LEGACY_UNKNOWN,
    duplicateConditionTypes: new Set(types).size !== types.length,
    emptyConditionType: types.some((t) => !t),
    arbitraryCertificate:
      !!old &&
      ((csr.status?.certificate ?? "") === (old.status?.certificate ?? "") ||
        certificateError(old.status?.certificate) !== undefined),
    unknownUsages: (old?.spec?.usages ?? []).some((u) => !KEY_USAGES.includes(u)),
    duplicateUsages: new Set(old?.spec?.usages ?? []).size !== (old?.spec?.usages ?? []).length,
  }
}

/** signerName: `<domain>/<path>`, a DNS domain of two labels or more and DNS subdomains after. */
export function validateSignerName(field: string, signerName: string | undefined): FieldError[] {
  if (!signerName) return [required(field)]
  const segments = signerName.split("/")
  if (segments.length !== 2) {
    return [
      invalidValue(
        field,
        signerName,
        "must be a fully qualified domain and path of the form 'example.com/signer-name'",
      ),
    ]
  }
  const [domain, path] = segments as [string, string]
  const errs: FieldError[] = []
  if (domain.length > 253) errs.push(tooLong(field, 253))
  const labels = domain.split(".")
  for (const label of labels) {
    const msgs = isDns1123Label(label)
    if (!msgs.length) continue
    for (const m of msgs) errs.push(invalidValue(field, domain, `validating label "${label}": ${m}`))
    break
  }
  if (labels.length < 2)
    errs.push(invalidValue(field, domain, "should be a domain with at least two segments separated by dots"))
  for (const label of path.split(".")) {
    const msgs = isDns1123Subdomain(label)
    if (!msgs.length) continue
    for (const m of msgs) errs.push(invalidValue(field, path, `validating label "${label}": ${m}`))
    break
  }
  if (signerName.length > 253 + 253 + 63 + 1 + 1) errs.push(tooLong(field, 571))
  return errs
}

function validateUsages(usages: readonly string[] | undefined, opts: Options): FieldError[] {
  const field = "spec.usages"
  if (!usages?.length) return [required(field)]
  const errs: FieldError[] = []
  const seen = new Set<string>()
  usages.forEach((u, i) => {
    if (!opts.unknownUsages && !KEY_USAGES.includes(u))
      errs.push(notSupported(index(field, i), u, KEY_USAGES))
    if (!opts.duplicateUsages && seen.has(u)) errs.push(duplicate(index(field, i), u))
    seen.add(u)
  })
  return errs
}

function validateCondition(c: Condition, field: string, opts: Options): FieldError[] {
  const errs: FieldError[] = []
  if (!opts.emptyConditionType && !c.type) errs.push(required(child(field, "type")))
  const allowed = TRUE_ONLY.has(c.type) ? ["True"] : ["False", "True", "Unknown"]
  if (!c.status) errs.push(required(child(field, "status")))
  else if (!allowed.includes(c.status)) errs.push(notSupported(child(field, "status"), c.status, allowed))
  return errs
}

function validateConditions(csr: Csr, opts: Options): FieldError[] {
  const field = "status.conditions"
  const errs: FieldError[] = []
  const seen = new Set<string>()
  let approved = false
  let denied = false
  conditionsOf(csr).forEach((c, i) => {
    errs.push(...validateCondition(c, index(field, i), opts))
    if (!opts.bothApprovedAndDenied) {
      if (c.type === "Approved") approved = true
      if (c.type === "Denied") denied = true
      if ((c.type === "Approved" || c.type === "Denied") && approved && denied) {
        errs.push(
          invalidValue(
            child(index(field, i), "type"),
            c.type,
            "Approved and Denied conditions are mutually exclusive",
          ),
        )
      }
    }
    if (!opts.duplicateConditionTypes) {
      if (seen.has(c.type)) errs.push(duplicate(child(index(field, i), "type"), c.type))
      seen.add(c.type)
    }
  })
  return errs
}

function validateRequest(csr: Csr): FieldError[] {
  try {
    checkCertificateRequestPem(decoded(csr.spec?.request))
    return []
  } catch (err) {
    return [invalidValue("spec.request", csr.spec?.request ?? null, (err as Error).message)]
  }
}

function validateSpec(csr: Csr, opts: Options): FieldError[] {
  const spec = csr.spec ?? ({} as Csr["spec"])
  const errs = [...validateRequest(csr), ...validateUsages(spec.usages, opts)]
  if (!opts.legacySignerName && spec.signerName === LEGACY_UNKNOWN) {
    errs.push(
      invalidValue(
        "spec.signerName",
        spec.signerName,
        "the legacy signerName is not allowed via this API version",
      ),
    )
  } else errs.push(...validateSignerName("spec.signerName", spec.signerName))
  if (
    spec.expirationSeconds !== undefined &&
    spec.expirationSeconds !== null &&
    spec.expirationSeconds < 600
  ) {
    errs.push(
      invalidValue(
        "spec.expirationSeconds",
        spec.expirationSeconds,
        "may not specify a duration less than 600 seconds (10 minutes)",
      ),
    )
  }
  return errs
}

function validateCsr(csr: Csr, opts: Options): FieldError[] {
  const errs = validateObjectMeta(csr.metadata, { namespaced: false, name: () => [] })
  errs.push(...validateSpec(csr, opts), ...validateConditions(csr, opts))
  if (!opts.arbitraryCertificate) {
    const err = certificateError(csr.status?.certificate)
    if (err) errs.push(invalidValue("status.certificate", "<certificate data>", err))
  }
  return errs
}

function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** What an update may not do to conditions and the certificate. */
function validateTransition(csr: Csr, old: Csr, opts: Options): FieldError[] {
  const errs: FieldError[] = []
  const of = (o: Csr, t: string) => conditionsOf(o).filter((c) => c.type === t)
  for (const t of ["Approved", "Denied", "Failed"]) {
    if (of(csr, t).length < of(old, t).length)
      errs.push(forbidden("status.conditions", `updates may not remove a condition of type "${t}"`))
  }
  if (!opts.settingApproval) {
    for (const t of ["Approved", "Denied"]) {
      const [now, before] = [of(csr, t), of(old, t)]
      if (now.length > before.length)
        errs.push(forbidden("status.conditions", `updates may not add a condition of type "${t}"`))
      else if (now.length === before.length && !sameConditions(now, before))
        errs.push(forbidden("status.conditions", `updates may not modify a condition of type "${t}"`))
    }
  }
  const [cert, oldCert] = [csr.status?.certificate ?? "", old.status?.certificate ?? ""]
  if (cert !== oldCert) {
    if (!opts.settingCertificate)
      errs.push(forbidden("status.certificate", "updates may not set certificate content"))
    else if (oldCert)
      errs.push(forbidden("status.certificate", "updates may not modify existing certificate content"))
  }
  return errs
}

/**
 * Validates a CertificateSigningRequest on create, or on an update of the main resource, its
 * `status` (may set the certificate) or its `approval` (may set Approved and Denied).
 */
export function validateCertificateSigningRequest(csr: Csr, old?: Csr, subresource = ""): FieldError[] {
  const opts = optionsFor(csr, old, subresource)
  const errs = validateCsr(csr, opts)
  if (!old) return errs
  return [
    ...errs,
    ...validateTransition(csr, old, opts),
    ...validateObjectMetaUpdate(csr.metadata, old.metadata),
  ]
}
