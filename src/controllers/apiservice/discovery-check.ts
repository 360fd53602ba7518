/**
 * The availability controller's last check (upstream's discovery check): a GET of the group
 * version's discovery document from the extension API server over TLS, trusting the APIService's
 * caBundle (or nothing, with insecureSkipTLSVerify), with the Service's DNS name as server name.
 */
import { request } from "node:https"
import type { APIService } from "../../api/index.ts"

/** Resolves when `url` answers 2xx; rejects with upstream's wording otherwise. */
export type DiscoveryProbe = (url: string, svc: APIService, signal: AbortSignal) => Promise<void>

/** How long one attempt may take (upstream's client timeout). */
const ATTEMPT_TIMEOUT_MS = 5_000

/** The discovery path of the APIService's group version (`/api/v1` for the core group). */
export function discoveryPath(svc: APIService): string {
  const version = svc.spec?.version ?? ""
  if (svc.metadata?.name === "v1.") return `/api/${version}`
  return `/apis/${svc.spec?.group ?? ""}/${version}`
}

/** One HTTPS GET of `url`, as upstream's discovery client makes it. */
export const httpsDiscoveryProbe: DiscoveryProbe = (url, svc, signal) =>
  new Promise<void>((resolve, reject) => {
    const ref = svc.spec?.service
    const ca = svc.spec?.caBundle ? Buffer.from(svc.spec.caBundle, "base64") : undefined
    const req = request(
      url,
      {
        method: "GET",
        signal,
        timeout: ATTEMPT_TIMEOUT_MS,
        servername: `${ref?.name ?? ""}.${ref?.namespace ?? ""}.svc`,
        rejectUnauthorized: !svc.spec?.insecureSkipTLSVerify,
        ...(ca ? { ca } : {}),
      },
      (res) => {
        res.resume()
        const code = res.statusCode ?? 0
        // Upstream wants the 200s or 300s
        if (code < 200 || code >= 300) reject(new Error(`bad status from ${url}: ${code}`))
        else resolve()
      },
    )
    req.on("timeout", () => req.destroy(new Error(`Get "${url}": context deadline exceeded`)))
    req.on("error", (err) =>
      reject(err.message.startsWith("Get ") ? err : new Error(`Get "${url}": ${err.message}`)),
    )
    req.end()
  })
