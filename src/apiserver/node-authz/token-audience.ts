/**
 * NodeRestriction's audience check of a node's TokenRequest (upstream's
 * ServiceAccountNodeAudienceRestriction, on by default since v1.33): a node asks for 0 or 1
 * audiences, and only for one its pod uses (a projected serviceAccountToken volume's, or one a
 * CSIDriver the pod's volumes are mounted by requests tokens for), unless it is authorized to
 * `request-serviceaccounts-token-audience` the audience for the service account.
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod, Volume } from "kubernetes-types/core/v1.js"
import type { CSIDriver } from "kubernetes-types/storage/v1.js"
import { type ApiError, ephemeralClaimName, notFound } from "../../api/index.ts"
import { aggregateMessage, goQuote } from "../../util/index.ts"
import type { Authorizer } from "../authz.ts"
import type { AdmissionRequest } from "../registry/context.ts"

/** What the audience check reads (upstream's claim, volume and CSIDriver listers) and asks. */
export interface AudienceLookups {
  pvc(namespace: string, name: string): PersistentVolumeClaim | undefined
  pv(name: string): PersistentVolume | undefined
  csiDriver(name: string): CSIDriver | undefined
  readonly authorize: Authorizer
}

/**
 * The CSI drivers in-tree volumes are migrated to (upstream's csi-translation-lib), by the
 * volume source's field: a pod's inline volume or a persistent volume of these kinds is mounted
 * by that driver.
 */
const MIGRATED_DRIVERS: Readonly<Record<string, string>> = {
  awsElasticBlockStore: "ebs.csi.aws.com",
  azureDisk: "disk.csi.azure.com",
  azureFile: "file.csi.azure.com",
  cinder: "cinder.csi.openstack.org",
  gcePersistentDisk: "pd.csi.storage.gke.io",
  portworxVolume: "pxd.portworx.com",
  vsphereVolume: "csi.vsphere.vmware.com",
}

function migratedDriver(source: object): string {
  for (const [field, driver] of Object.entries(MIGRATED_DRIVERS))
    if ((source as Record<string, unknown>)[field]) return driver
  return ""
}

/**
 * The driver of a claim's volume ("" for a volume no driver mounts). An unbound claim names the
 * volume "", which is not found, as upstream's getCSIFromPVC.
 */
function claimDriver(lookups: AudienceLookups, namespace: string, claim: string): string | ApiError {
  const pvc = lookups.pvc(namespace, claim)
  if (!pvc) return notFound({ resource: "persistentvolumeclaim" }, claim)
  const volumeName = pvc.spec?.volumeName ?? ""
  const pv = volumeName ? lookups.pv(volumeName) : undefined
  if (!pv) return notFound({ resource: "persistentvolume" }, volumeName)
  return pv.spec?.csi?.driver ?? migratedDriver(pv.spec ?? {})
}

function volumeDriver(lookups: AudienceLookups, pod: Pod, v: Volume): string | ApiError {
  const ns = pod.metadata?.namespace ?? ""
  if (v.ephemeral?.volumeClaimTemplate) return claimDriver(lookups, ns, ephemeralClaimName(pod, v))
  if (v.persistentVolumeClaim) return claimDriver(lookups, ns, v.persistentVolumeClaim.claimName)
  if (v.csi) return v.csi.driver
  return migratedDriver(v)
}

/**
 * Whether a volume of `pod` uses `audience`; the lookups that failed on the way, when none does
 * (a later volume that uses it wins over an earlier one that could not be followed).
 */
function podUsesAudience(lookups: AudienceLookups, pod: Pod, audience: string): true | ApiError[] {
  const errs: ApiError[] = []
  for (const v of pod.spec?.volumes ?? []) {
    const projected = v.projected?.sources ?? []
    if (projected.some((s) => s.serviceAccountToken && (s.serviceAccountToken.audience ?? "") === audience))
      return true
    const driver = volumeDriver(lookups, pod, v)
    if (typeof driver !== "string") {
      errs.push(driver)
      continue
    }
    if (!driver) continue
    const csi = lookups.csiDriver(driver)
    if (!csi) {
      errs.push(notFound({ group: "storage.k8s.io", resource: "csidriver" }, driver))
      continue
    }
    if ((csi.spec?.tokenRequests ?? []).some((t) => (t.audience ?? "") === audience)) return true
  }
  return errs
}

/** Why the node's token request for `audiences` of `pod` is refused; undefined when it is not. */
export async function audienceRefusal(
  req: AdmissionRequest,
  opts: { readonly pod: Pod; readonly audiences: readonly string[]; readonly lookups: AudienceLookups },
): Promise<string | undefined> {
  if (opts.audiences.length > 1) return "node may only request 0 or 1 audiences"
  const audience = opts.audiences[0] ?? ""
  const used = podUsesAudience(opts.lookups, opts.pod, audience)
  if (used === true) return undefined
  if (used.length)
    return `error validating audience ${goQuote(audience)}: ${aggregateMessage(used.map((e) => e.message))}`
  const user = req.user ?? { name: "", groups: [] }
  const notFoundIn = `audience ${goQuote(audience)} not found in pod spec volume`
  let allowed: boolean
  try {
    const d = await opts.lookups.authorize({
      user,
      verb: "request-serviceaccounts-token-audience",
      resourceRequest: true,
      apiGroup: "",
      apiVersion: "v1",
      resource: audience,
      namespace: req.namespace,
      name: req.name,
    })
    allowed = d.decision === "Allow"
  } catch (err) {
    // Upstream's authorizer returns its error beside a decision; one that throws has none.
    const why = err instanceof Error ? err.message : String(err)
    return `${notFoundIn}, error authorizing ${user.name} to request tokens for this audience: ${why}`
  }
  if (allowed) return undefined
  return `${notFoundIn}, ${user.name} is not authorized to request tokens for this audience`
}
