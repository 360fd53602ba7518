/**
 * Defaults of the other core kinds (core/v1 defaults.go and registry strategies): Namespaces,
 * Secrets, Nodes, PersistentVolumes and claims, LimitRanges.
 */
import type {
  LimitRange,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Secret,
} from "kubernetes-types/core/v1.js"

type Obj = Record<string, any>

/** The label every namespace carries with its own name (v1.LabelMetadataName). */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

/**
 * Sets a named namespace's name label, as upstream's defaults and its strategy's Canonicalize
 * do (a new labels object: the old one may be shared). Mutates `ns`.
 */
export function setNamespaceNameLabel(ns: Namespace): void {
  const meta = (ns.metadata ??= {})
  if (!meta.name || meta.labels?.[NAMESPACE_NAME_LABEL] === meta.name) return
  meta.labels = { ...meta.labels, [NAMESPACE_NAME_LABEL]: meta.name }
}

/**
 * Namespace defaults: the `kubernetes.io/metadata.name` label when the name is known (a
 * generated name gets it from the registry's strategy) and phase Active. The `kubernetes`
 * finalizer of a new namespace is the strategy's too, as upstream's PrepareForCreate adds it.
 */
export function defaultNamespace(ns: Namespace): void {
  setNamespaceNameLabel(ns)
  const status = ((ns as Obj).status ??= {})
  if (!status.phase) status.phase = "Active"
}

/** Secret defaults: type Opaque, and stringData folded into base64 data (stringData wins). */
export function defaultSecret(s: Secret): void {
  const m = s as Obj
  if (!m.type) m.type = "Opaque"
  if (m.stringData && typeof m.stringData === "object") {
    m.data ??= {}
    for (const [k, v] of Object.entries(m.stringData))
      m.data[k] = Buffer.from(String(v), "utf8").toString("base64")
  }
  delete m.stringData
}

/** The fields of a Node's status.nodeInfo, strings Go's JSON always writes (none is omitempty). */
const NODE_INFO_FIELDS = [
  "machineID",
  "systemUUID",
  "bootID",
  "kernelVersion",
  "osImage",
  "containerRuntimeVersion",
  "kubeletVersion",
  "kubeProxyVersion",
  "operatingSystem",
  "architecture",
] as const

/**
 * Node defaults: allocatable equals capacity when not reported; and what upstream's Go struct
 * always holds, so its JSON always writes: spec and status (struct fields), status's
 * daemonEndpoints.kubeletEndpoint.Port (0) and nodeInfo's strings (""), whoever wrote the Node
 * (a client creating one without status reads these back, as from upstream).
 */
export function defaultNode(node: Node): void {
  const n = node as Obj
  n.spec ??= {}
  const status = (n.status ??= {})
  if (status.capacity && !status.allocatable) status.allocatable = { ...status.capacity }
  const kubelet = ((status.daemonEndpoints ??= {}).kubeletEndpoint ??= {})
  kubelet.Port ??= 0
  const info = (status.nodeInfo ??= {})
  for (const f of NODE_INFO_FIELDS) info[f] ??= ""
}

/** PersistentVolume defaults: phase Pending, reclaim policy Retain, Filesystem mode. */
export function defaultPersistentVolume(pv: PersistentVolume): void {
  const m = pv as Obj
  const status = (m.status ??= {})
  if (!status.phase) status.phase = "Pending"
  const spec = (m.spec ??= {})
  if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = "Retain"
  if (!spec.volumeMode) spec.volumeMode = "Filesystem"
}

/** PersistentVolumeClaim defaults: phase Pending, Filesystem mode. */
export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  const m = pvc as Obj
  const status = (m.status ??= {})
  if (!status.phase) status.phase = "Pending"
  const spec = (m.spec ??= {})
  if (!spec.volumeMode) spec.volumeMode = "Filesystem"
}

/** LimitRange defaults: a Container limit's default comes from max, its default request from default or min. */
export function defaultLimitRange(lr: LimitRange): void {
  for (const item of (lr.spec?.limits ?? []) as Obj[]) {
    if (item.type !== "Container") continue
    item.default ??= {}
    item.defaultRequest ??= {}
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in item.default)) item.default[k] = v
    for (const [k, v] of Object.entries(item.default))
      if (!(k in item.defaultRequest)) item.defaultRequest[k] = v
    for (const [k, v] of Object.entries(item.min ?? {}))
      if (!(k in item.defaultRequest)) item.defaultRequest[k] = v
  }
}
