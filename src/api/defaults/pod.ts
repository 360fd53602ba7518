/**
 * Defaults of pod specs, containers and volumes (core/v1 defaults.go), applied wherever a pod
 * spec appears, plus the Pod-only ones: requests from limits, service links, host-network
 * ports, and what the ServiceAccount and Priority admission plugins set on create.
 */
import type {
  Container,
  HTTPGetAction,
  Lifecycle,
  ObjectFieldSelector,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Probe,
  Volume,
} from "kubernetes-types/core/v1.js"
import { defaultPullPolicy } from "./image.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type Obj = Record<string, any>

/** Default file mode of secret, configMap, downwardAPI and projected volumes (0644). */
const DEFAULT_MODE = 0o644

function defaultHttpGet(h: HTTPGetAction | undefined): void {
  if (!h) return
  const m = h as Mutable<HTTPGetAction>
  if (!m.path) m.path = "/"
  if (!m.scheme) m.scheme = "HTTP"
}

function defaultFieldRef(ref: ObjectFieldSelector | undefined): void {
  if (ref && !ref.apiVersion) (ref as Mutable<ObjectFieldSelector>).apiVersion = "v1"
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return
  const m = p as Mutable<Probe>
  // Go cannot tell an explicit 0 from unset, so both get the default
  if (!m.timeoutSeconds) m.timeoutSeconds = 1
  if (!m.periodSeconds) m.periodSeconds = 10
  if (!m.successThreshold) m.successThreshold = 1
  if (!m.failureThreshold) m.failureThreshold = 3
  defaultHttpGet(m.httpGet)
  const grpc = m.grpc as Obj | undefined
  if (grpc && grpc.service === undefined) grpc.service = ""
}

function defaultLifecycle(lc: Lifecycle | undefined): void {
  defaultHttpGet(lc?.postStart?.httpGet)
  defaultHttpGet(lc?.preStop?.httpGet)
}

/** Defaults every container, init container and ephemeral container gets. */
export function defaultContainer(c: Container): void {
  const m = c as Mutable<Container>
  if (!m.imagePullPolicy) m.imagePullPolicy = defaultPullPolicy(m.image)
  if (!m.terminationMessagePath) m.terminationMessagePath = "/dev/termination-log"
  if (!m.terminationMessagePolicy) m.terminationMessagePolicy = "File"
  // Go always serializes the resources struct
  if (!m.resources) m.resources = {}
  for (const p of m.ports ?? []) if (!p.protocol) (p as Obj).protocol = "TCP"
  for (const e of m.env ?? []) defaultFieldRef(e.valueFrom?.fieldRef)
  defaultProbe(m.livenessProbe)
  defaultProbe(m.readinessProbe)
  defaultProbe(m.startupProbe)
  defaultLifecycle(m.lifecycle)
}

const SOURCE_KEYS = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
]

function defaultProjection(src: Obj): void {
  for (const item of src.downwardAPI?.items ?? []) defaultFieldRef(item.fieldRef)
  // Projected service account tokens live an hour unless told otherwise
  if (src.serviceAccountToken && src.serviceAccountToken.expirationSeconds === undefined) {
    src.serviceAccountToken.expirationSeconds = 3600
  }
}

/** Volume defaults: emptyDir when no source is given, file modes, token lifetimes. */
export function defaultVolume(v: Volume): void {
  const m = v as Obj
  if (!SOURCE_KEYS.some((k) => m[k] !== undefined && m[k] !== null)) m.emptyDir = {}
  for (const k of ["secret", "configMap", "downwardAPI", "projected"]) {
    if (m[k] && m[k].defaultMode === undefined) m[k].defaultMode = DEFAULT_MODE
  }
  for (const item of m.downwardAPI?.items ?? []) defaultFieldRef(item.fieldRef)
  for (const src of m.projected?.sources ?? []) defaultProjection(src)
  if (m.hostPath && m.hostPath.type === undefined) m.hostPath.type = ""
  const claim = m.ephemeral?.volumeClaimTemplate?.spec
  if (claim && !claim.volumeMode) claim.volumeMode = "Filesystem"
}

/** Defaults of every pod spec, in Pods and templates alike. */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec) return
  const m = spec as Mutable<PodSpec>
  if (!m.dnsPolicy) m.dnsPolicy = "ClusterFirst"
  if (!m.restartPolicy) m.restartPolicy = "Always"
  if (!m.securityContext) m.securityContext = {}
  if (m.terminationGracePeriodSeconds === undefined || m.terminationGracePeriodSeconds === null) {
    m.terminationGracePeriodSeconds = 30
  }
  if (!m.schedulerName) m.schedulerName = "default-scheduler"
  // v1 keeps the deprecated serviceAccount field in step with serviceAccountName
  if (!m.serviceAccountName && m.serviceAccount) m.serviceAccountName = m.serviceAccount
  if (m.serviceAccountName && m.serviceAccount !== m.serviceAccountName)
    m.serviceAccount = m.serviceAccountName
  for (const c of m.containers ?? []) defaultContainer(c)
  for (const c of m.initContainers ?? []) defaultContainer(c)
  for (const c of m.ephemeralContainers ?? []) defaultContainer(c as Container)
  for (const v of m.volumes ?? []) defaultVolume(v)
}

/** Defaults of a pod template: its spec's. */
export function defaultPodTemplateSpec(t: PodTemplateSpec | undefined): void {
  defaultPodSpec(t?.spec)
}

function requestsFromLimits(containers: readonly Container[] | undefined): void {
  for (const c of containers ?? []) {
    const r = c.resources as Obj | undefined
    if (!r?.limits) continue
    r.requests ??= {}
    for (const [k, v] of Object.entries(r.limits)) if (!(k in r.requests)) r.requests[k] = v
  }
}

/**
 * Pod defaults. `creating` also applies the default service account, as the ServiceAccount
 * admission plugin does on create (priority is the Priority plugin's: apiserver/priority.ts).
 */
export function defaultPod(pod: Pod, creating: boolean): void {
  // Go's Pod has its spec as a value: an absent spec is an empty one, and is defaulted.
  const spec = ((pod as Mutable<Pod>).spec ??= {} as PodSpec) as Mutable<PodSpec>
  if (creating) {
    if (!spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccountName = "default"
  }
  defaultPodSpec(spec)
  requestsFromLimits(spec.containers)
  requestsFromLimits(spec.initContainers)
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null)
    spec.enableServiceLinks = true
  if (spec.hostNetwork) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const p of c.ports ?? []) if (!p.hostPort) (p as Obj).hostPort = p.containerPort
    }
  }
}
