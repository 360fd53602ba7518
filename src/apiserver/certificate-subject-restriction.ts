/**
 * CertificateSubjectRestriction admission (upstream's plugin of that name): a new
 * CertificateSigningRequest for the kubernetes.io/kube-apiserver-client signer whose subject
 * names the system:masters organization is refused, so no one can ask the cluster CA for a
 * certificate that bypasses authorization. It validates creates only, as upstream's does.
 */
import "reflect-metadata"
import * as x509 from "@peculiar/x509"
import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js"
import { type AdmissionPlugin, admissionForbidden } from "./admission.ts"

const KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client"
const MASTERS = "system:masters"
const PEM_BLOCK = /-----BEGIN ([^-\r\n]*)-----/

/**
 * The organizations of a PEM certificate request's subject, in order.
 * @throws Error when it is not one (upstream's ParseCSR words for a wrong block)
 */
export function requestOrganizations(pem: string): string[] {
  if (PEM_BLOCK.exec(pem)?.[1] !== "CERTIFICATE REQUEST")
    throw new Error("PEM block type must be CERTIFICATE REQUEST")
  return new x509.Pkcs10CertificateRequest(pem).subjectName.getField("O")
}

/** The CertificateSubjectRestriction plugin; see the module comment. */
export function certificateSubjectRestriction(): AdmissionPlugin {
  return {
    name: "CertificateSubjectRestriction",
    validate(req) {
      if (req.operation !== "CREATE" || req.subresource !== "") return
      if (req.info.group !== "certificates.k8s.io" || req.info.resource !== "certificatesigningrequests")
        return
      const spec = (req.object as CertificateSigningRequest | undefined)?.spec
      if (spec?.signerName !== KUBE_APISERVER_CLIENT) return
      let organizations: string[]
      try {
        organizations = requestOrganizations(Buffer.from(spec.request ?? "", "base64").toString("latin1"))
      } catch (err) {
        throw admissionForbidden(req, `failed to parse CSR: ${(err as Error).message}`)
      }
      if (organizations.includes(MASTERS))
        throw admissionForbidden(
          req,
          `use of ${KUBE_APISERVER_CLIENT} signer with ${MASTERS} group is not allowed`,
        )
    },
  }
}
