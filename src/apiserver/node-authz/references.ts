/**
 * The objects a pod or a persistent volume references, as the Node authorizer counts them
 * (upstream's podutil.VisitPodSecretNames, VisitPodConfigmapNames, the graph's claims and
 * pvutil.VisitPVSecretNames): what a kubelet running the pod must read.
 */
import type {
  Container,
  EphemeralContainer,
  PersistentVolume,
  Pod,
  PodResourceClaimStatus,
  Volume,
} from "kubernetes-types/core/v1.js"
import { ephemeralClaimName } from "../../api/index.ts"

type AnyContainer = Container | EphemeralContainer

function containersOf(pod: Pod): AnyContainer[] {
  const s = pod.spec
  return [...(s?.initContainers ?? []), ...(s?.containers ?? []), ...(s?.ephemeralContainers ?? [])]
}

function addName(out: Set<string>, name: string | undefined): void {
  if (name) out.add(name)
}

/** Where a volume names a secret (upstream's VisitPodSecretNames, volume by volume). */
const VOLUME_SECRETS: readonly ((v: Volume) => string | undefined)[] = [
  (v) => v.azureFile?.secretName,
  (v) => v.cephfs?.secretRef?.name,
  (v) => v.cinder?.secretRef?.name,
  (v) => v.flexVolume?.secretRef?.name,
  (v) => v.rbd?.secretRef?.name,
  (v) => v.secret?.secretName,
  (v) => v.scaleIO?.secretRef?.name,
  (v) => v.iscsi?.secretRef?.name,
  (v) => v.storageos?.secretRef?.name,
  (v) => v.csi?.nodePublishSecretRef?.name,
]

/** The secrets `pod` names: pull secrets, its containers' environment and its volumes'. */
export function podSecretNames(pod: Pod): Set<string> {
  const out = new Set<string>()
  for (const s of pod.spec?.imagePullSecrets ?? []) addName(out, s.name)
  for (const c of containersOf(pod)) {
    for (const e of c.envFrom ?? []) addName(out, e.secretRef?.name)
    for (const e of c.env ?? []) addName(out, e.valueFrom?.secretKeyRef?.name)
  }
  for (const v of pod.spec?.volumes ?? []) {
    for (const p of v.projected?.sources ?? []) addName(out, p.secret?.name)
    for (const get of VOLUME_SECRETS) addName(out, get(v))
  }
  return out
}

/** The config maps `pod` names: its containers' environment and its volumes'. */
export function podConfigMapNames(pod: Pod): Set<string> {
  const out = new Set<string>()
  for (const c of containersOf(pod)) {
    for (const e of c.envFrom ?? []) addName(out, e.configMapRef?.name)
    for (const e of c.env ?? []) addName(out, e.valueFrom?.configMapKeyRef?.name)
  }
  for (const v of pod.spec?.volumes ?? []) {
    for (const p of v.projected?.sources ?? []) addName(out, p.configMap?.name)
    addName(out, v.configMap?.name)
  }
  return out
}

/** The claims `pod`'s volumes use: named ones, and `<pod>-<volume>` for ephemeral ones. */
export function podClaimNames(pod: Pod): Set<string> {
  const out = new Set<string>()
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim) addName(out, v.persistentVolumeClaim.claimName)
    else if (v.ephemeral) addName(out, ephemeralClaimName(pod, v))
  }
  return out
}

/** A pod's resource claim entry (kubernetes-types lacks the v1 names of its fields). */
interface NamedClaim {
  readonly name: string
  readonly resourceClaimName?: string
  readonly resourceClaimTemplateName?: string
}

interface DraStatus {
  readonly resourceClaimStatuses?: readonly PodResourceClaimStatus[]
  readonly extendedResourceClaimStatus?: { readonly resourceClaimName?: string }
}

/**
 * The ResourceClaims `pod` uses (upstream's resourceclaim.Name): a claim it names, or the one
 * made from a template once its status names it; an entry not yet resolved adds nothing.
 */
export function podResourceClaimNames(pod: Pod): Set<string> {
  const out = new Set<string>()
  const status = (pod.status ?? {}) as DraStatus
  for (const c of (pod.spec?.resourceClaims ?? []) as NamedClaim[]) {
    if (c.resourceClaimName) out.add(c.resourceClaimName)
    else if (c.resourceClaimTemplateName) {
      const s = status.resourceClaimStatuses?.find((x) => x.name === c.name)
      addName(out, s?.resourceClaimName)
    }
  }
  addName(out, status.extendedResourceClaimStatus?.resourceClaimName)
  return out
}

/** Whether two pods' resource claim statuses name the same claims (upstream's resourceClaimStatusesEqual). */
export function sameResourceClaimStatuses(a: Pod, b: Pod): boolean {
  const x = ((a.status ?? {}) as DraStatus).resourceClaimStatuses ?? []
  const y = ((b.status ?? {}) as DraStatus).resourceClaimStatuses ?? []
  if (x.length !== y.length) return false
  return x.every((s, i) => s.name === y[i]?.name && s.resourceClaimName === y[i]?.resourceClaimName)
}

type Ref = { readonly name?: string; readonly namespace?: string } | undefined
type PvSpec = NonNullable<PersistentVolume["spec"]>

/** The secrets of a volume the kubelet reads; the controller's publish and expand secrets are not. */
const PV_SECRETS: readonly ((s: PvSpec) => Ref)[] = [
  (s) => s.azureFile && { name: s.azureFile.secretName, namespace: s.azureFile.secretNamespace ?? "" },
  (s) => s.cephfs?.secretRef,
  (s) => s.cinder?.secretRef,
  (s) => s.flexVolume?.secretRef,
  (s) => s.rbd?.secretRef,
  (s) => s.scaleIO?.secretRef,
  (s) => s.iscsi?.secretRef,
  (s) => s.storageos?.secretRef,
  (s) => s.csi?.nodePublishSecretRef,
  (s) => s.csi?.nodeStageSecretRef,
  (s) => s.csi?.nodeExpandSecretRef,
]

/**
 * The secrets a bound persistent volume lets the kubelet read, as `namespace/name` (upstream's
 * VisitPVSecretNames with kubeletVisible): a reference without a namespace is in the claim's.
 */
export function pvKubeletSecrets(pv: PersistentVolume): Set<string> {
  const out = new Set<string>()
  const claimNs = pv.spec?.claimRef?.namespace ?? ""
  for (const get of PV_SECRETS) {
    const ref = pv.spec && get(pv.spec)
    if (ref?.name) out.add(`${ref.namespace || claimNs}/${ref.name}`)
  }
  return out
}
