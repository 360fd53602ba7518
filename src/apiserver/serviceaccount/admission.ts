/**
 * ServiceAccount admission (upstream's plugin of that name): a new pod runs as the `default`
 * service account unless it names one, which must exist; unless automounting is turned off on
 * the pod or its service account, every container and init container mounts a projected
 * `kube-api-access-<suffix>` volume (a bound token, the cluster CA, the namespace) read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount; the pod inherits the account's image pull
 * secrets when it has none.
 */
import { randomInt } from "node:crypto"
import type {
  Container,
  Pod,
  ProjectedVolumeSource,
  ServiceAccount,
  VolumeMount,
} from "kubernetes-types/core/v1.js"
import { type AdmissionPlugin, admissionForbidden } from "../admission.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS } from "./claims.ts"
import type { ObjectLookup } from "./config.ts"

/** The service account a pod runs as when it names none. */
export const DEFAULT_SERVICE_ACCOUNT_NAME = "default"
/** The prefix of the token volume's name. */
export const SERVICE_ACCOUNT_VOLUME_NAME = "kube-api-access"
/** Where containers find the token, CA and namespace. */
export const DEFAULT_API_TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
// upstream's SimpleNameGenerator alphabet (no vowels, no confusable characters).
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"

/** A 5-character random suffix as upstream's name generator makes. */
export function randomSuffix(n = 5): string {
  let out = ""
  for (let i = 0; i < n; i++) out += ALPHANUMS[randomInt(ALPHANUMS.length)]
  return out
}

/** upstream's TokenVolumeSource: the projected sources of the token volume. */
export function tokenVolumeSource(): ProjectedVolumeSource {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      {
        downwardAPI: {
          items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
        },
      },
    ],
  }
}

/** Whether the token is mounted: the pod's setting wins, then the account's, then yes. */
export function shouldAutomount(sa: ServiceAccount, pod: Pod): boolean {
  const own = pod.spec?.automountServiceAccountToken
  if (own !== undefined && own !== null) return own
  const theirs = sa.automountServiceAccountToken
  return theirs === undefined || theirs === null ? true : theirs
}

/** Adds the mount to each container that has nothing at the mount path; true when any got it. */
function mountIn(containers: Container[] | undefined, mount: VolumeMount): boolean {
  let needed = false
  for (const c of containers ?? []) {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue
    c.volumeMounts = [...(c.volumeMounts ?? []), { ...mount }]
    needed = true
  }
  return needed
}

/** Mounts the token volume into the pod's containers (upstream's mountServiceAccountToken). */
export function mountServiceAccountToken(pod: Pod, suffix: () => string = randomSuffix): void {
  const spec = pod.spec
  if (!spec) return
  // Admission runs before validation: a volume may still lack its name (or be null).
  const existing = (spec.volumes ?? []).find((v) => v?.name?.startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`))
  const name = existing?.name ?? `${SERVICE_ACCOUNT_VOLUME_NAME}-${suffix()}`
  const mount: VolumeMount = { name, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }
  const initNeeds = mountIn(spec.initContainers, mount)
  const needs = mountIn(spec.containers, mount)
  if (!existing && (initNeeds || needs)) {
    spec.volumes = [...(spec.volumes ?? []), { name, projected: tokenVolumeSource() }]
  }
}

function isPodCreate(req: AdmissionRequest): boolean {
  return (
    req.operation === "CREATE" && req.subresource === "" && req.info.group === "" && req.info.kind === "Pod"
  )
}

/** The ServiceAccount plugin; `lookup` reads service accounts. */
export function serviceAccountAdmission(
  lookup: ObjectLookup,
  suffix: () => string = randomSuffix,
): AdmissionPlugin {
  return {
    name: "ServiceAccount",
    async mutate(req) {
      if (!isPodCreate(req)) return
      const pod = req.object as Pod | undefined
      if (!pod?.spec) return
      if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return
      if (!pod.spec.serviceAccountName) pod.spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT_NAME
      const saName = pod.spec.serviceAccountName
      const sa = (await lookup("serviceaccounts", req.namespace, saName)) as ServiceAccount | undefined
      if (!sa) {
        throw admissionForbidden(
          req,
          `error looking up service account ${req.namespace}/${saName}: serviceaccount "${saName}" not found`,
        )
      }
      if (shouldAutomount(sa, pod)) mountServiceAccountToken(pod, suffix)
      if (!pod.spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) {
        pod.spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name ?? "" }))
      }
    },
  }
}
