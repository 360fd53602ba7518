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

/** A pod's extended resource claim status (kubernetes-types lacks it). */
interface ExtendedClaimStatus {
  readonly resourceClaimName?: string
  readonly requestMappings?: readonly {
    readonly containerName?: string
    readonly resourceName?: string
    readonly requestName?: string
  }[]
}

interface DraStatus {
  readonly resourceClaimStatuses?: readonly PodResourceClaimStatus[]
  readonly extendedResourceClaimStatus?: ExtendedClaimStatus
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

/** Whether two pods' extended resource claim statuses are equal (upstream's resourceclaim.PodExtendedStatusEqual). */
export function sameExtendedResourceClaimStatus(a: Pod, b: Pod): boolean {
  const x = ((a.status ?? {}) as DraStatus).extendedResourceClaimStatus
  const y = ((b.status ?? {}) as DraStatus).extendedResourceClaimStatus
  if (!x || !y) return !x && !y
  if ((x.resourceClaimName ?? "") !== (y.resourceClaimName ?? "")) return false
  const mx = x.requestMappings ?? []
  const my = y.requestMappings ?? []
  return (
    mx.length === my.length &&
    mx.every(
      (m, i) =>
        (m.containerName ?? "") === (my[i]?.containerName ?? "") &&
        (m.resourceName ?? "") === (my[i]?.resourceName ?? "") &&
        (m.requestName ?? "") === (my[i]?.requestName ?? ""),
    )
  )
}

type Ref = { readonly name?: string; readonly namespace?: string } | undefined
type PvSpec = NonNullable<PersistentVolume["spec"]>

/**
 * Per volume source, in upstream's order, the secrets of it the kubelet reads (the controller's
 * publish and expand secrets are not) and whether a reference without a namespace is in the
 * claim's: so for the kinds whose references were once persisted without one, never for
 * Cinder, StorageOS or CSI, whose empty namespace stays empty.
 */
const PV_SECRETS: readonly {
  readonly source: (s: PvSpec) => unknown
  readonly refs: (s: PvSpec) => readonly Ref[]
  readonly claimNamespace: boolean
}[] = [
  {
    source: (s) => s.azureFile,
    refs: (s) => [{ name: s.azureFile?.secretName, namespace: s.azureFile?.secretNamespace ?? "" }],
    claimNamespace: true,
  },
  { source: (s) => s.cephfs, refs: (s) => [s.cephfs?.secretRef], claimNamespace: true },
  { source: (s) => s.cinder, refs: (s) => [s.cinder?.secretRef], claimNamespace: false },
  { source: (s) => s.flexVolume, refs: (s) => [s.flexVolume?.secretRef], claimNamespace: true },
  { source: (s) => s.rbd, refs: (s) => [s.rbd?.secretRef], claimNamespace: true },
  { source: (s) => s.scaleIO, refs: (s) => [s.scaleIO?.secretRef], claimNamespace: true },
  { source: (s) => s.iscsi, refs: (s) => [s.iscsi?.secretRef], claimNamespace: true },
  { source: (s) => s.storageos, refs: (s) => [s.storageos?.secretRef], claimNamespace: false },
  {
    source: (s) => s.csi,
    refs: (s) => [s.csi?.nodePublishSecretRef, s.csi?.nodeStageSecretRef, s.csi?.nodeExpandSecretRef],
    claimNamespace: false,
  },
]

/**
 * The secrets a bound persistent volume lets the kubelet read, as `namespace/name` (upstream's
 * VisitPVSecretNames with kubeletVisible): those of its first source of a kind that has any.
 */
export function pvKubeletSecrets(pv: PersistentVolume): Set<string> {
  const out = new Set<string>()
  const spec = pv.spec
  const kind = spec && PV_SECRETS.find((k) => k.source(spec))
  if (!spec || !kind) return out
  const claimNs = spec.claimRef?.namespace ?? ""
  for (const ref of kind.refs(spec)) {
    if (!ref?.name) continue
    const ns = ref.namespace || (kind.claimNamespace ? claimNs : "")
    out.add(`${ns}/${ref.name}`)
  }
  return out
}
