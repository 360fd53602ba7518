/**
 * csrcleaner: deletes CertificateSigningRequests once they are no longer useful, as upstream's
 * CSRCleanerController does: approved and issued, denied or failed for an hour; pending for a
 * day; or whose issued certificate has expired. Each request is looked at again when its time
 * comes instead of on an hourly sweep.
 */
import "reflect-metadata"
import * as x509 from "@peculiar/x509"
import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js"
import { CertificateSigningRequests, isNotFound } from "../../api/index.ts"
import type { ControllerSpec } from "../../client/index.ts"

const APPROVED_MS = 3600_000
const DENIED_MS = 3600_000
const FAILED_MS = 3600_000
const PENDING_MS = 24 * 3600_000

function ms(ts: string | null | undefined): number | undefined {
  if (!ts) return undefined
  const t = Date.parse(ts)
  return Number.isNaN(t) ? undefined : t
}

/** The end of validity of the issued certificate, if any (undefined when unreadable). */
function certificateNotAfter(csr: CertificateSigningRequest): number | undefined {
  const b64 = csr.status?.certificate
  if (!b64) return undefined
  try {
    return new x509.X509Certificate(Buffer.from(b64, "base64").toString("utf8")).notAfter.getTime()
  } catch {
    return undefined
  }
}

/** When `csr` is to be deleted (ms since the epoch), or undefined when never. */
export function cleanupTime(csr: CertificateSigningRequest): number | undefined {
  const conditions = csr.status?.conditions ?? []
  const times: number[] = []
  const issued = !!csr.status?.certificate
  if (!conditions.length) {
    const created = ms(csr.metadata?.creationTimestamp)
    if (created !== undefined) times.push(created + PENDING_MS)
  }
  for (const c of conditions) {
    const updated = ms(c.lastUpdateTime)
    if (c.type === "Approved" && issued) {
      if (updated !== undefined) times.push(updated + APPROVED_MS)
      const notAfter = certificateNotAfter(csr)
      if (notAfter !== undefined) times.push(notAfter)
    }
    if (c.type === "Denied" && updated !== undefined) times.push(updated + DENIED_MS)
    if (c.type === "Failed" && updated !== undefined) times.push(updated + FAILED_MS)
  }
  return times.length ? Math.min(...times) : undefined
}

/** Deletes finished and stale CertificateSigningRequests. */
export const csrCleanerController: ControllerSpec = {
  name: "csrcleaner",
  for: CertificateSigningRequests,
  create: ({ client, informers, clock, log }) => ({
    async reconcile(key) {
      const csr = informers.get(CertificateSigningRequests).cache.get(key)
      if (!csr || csr.metadata?.deletionTimestamp) return
      const at = cleanupTime(csr)
      if (at === undefined) return
      const wait = at - clock.now()
      if (wait > 0) return { requeueAfterMs: wait }
      log.info({ csr: key }, "Cleaning CSR")
      await client
        .resource(CertificateSigningRequests)
        .delete({ name: key })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err
        })
      return
    },
  }),
}
