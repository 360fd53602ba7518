/** Printers of CertificateSigningRequest (certificates.k8s.io) and ComponentStatus (core). */
import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js"
import type { ComponentStatus } from "kubernetes-types/core/v1.js"
import { age, humanDuration } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, type Printer } from "./types.ts"

/** Pending, Approved or Denied, then Failed and Issued when they apply: `Approved,Issued`. */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type))
  let status = types.has("Denied") ? "Denied" : types.has("Approved") ? "Approved" : "Pending"
  if (types.has("Failed")) status += ",Failed"
  if (csr.status?.certificate) status += ",Issued"
  return status
}

/** CertificateSigningRequests: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION. */
export const certificateSigningRequestPrinter: Printer<CertificateSigningRequest> = {
  columns: [
    NAME_COLUMN,
    AGE_COLUMN,
    column("SignerName", "string", "signerName indicates the requested signer, and is a qualified name."),
    column(
      "Requestor",
      "string",
      'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block.',
    ),
    column(
      "RequestedDuration",
      "string",
      "expirationSeconds is the requested duration of validity of the issued certificate.",
    ),
    column(
      "Condition",
      "string",
      'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".',
    ),
  ],
  cells: (csr, { now }) => {
    const seconds = csr.spec?.expirationSeconds
    return [
      csr.metadata?.name ?? "",
      age(csr, now),
      csr.spec?.signerName || "<none>",
      csr.spec?.username ?? "",
      seconds === undefined || seconds === null ? "<none>" : humanDuration(seconds * 1000),
      csrCondition(csr),
    ]
  },
}

/** ComponentStatuses: NAME STATUS MESSAGE ERROR, from the Healthy condition. */
export const componentStatusPrinter: Printer<ComponentStatus> = {
  columns: [
    NAME_COLUMN,
    column("Status", "string", "Status of the component conditions"),
    column("Message", "string", "Message of the component conditions"),
    column("Error", "string", "Error of the component conditions"),
  ],
  cells: (cs) => {
    const healthy = (cs.conditions ?? []).find((c) => c.type === "Healthy")
    if (!healthy) return [cs.metadata?.name ?? "", "Unknown", "", ""]
    return [
      cs.metadata?.name ?? "",
      healthy.status === "True" ? "Healthy" : "Unhealthy",
      healthy.message ?? "",
      healthy.error ?? "",
    ]
  },
}
