/** Label and field selectors as the API server evaluates them for lists and watches. */
import type { ApiObject, ResourceInfo } from "../api/index.ts"
import { badRequest } from "../api/index.ts"

export { labelSelectorAsString, parseLabelSelector } from "../api/index.ts"

/** One field selector requirement. */
export interface FieldRequirement {
  readonly field: string
  readonly op: "=" | "!="
  readonly value: string
}

/** Parses `a=b,c!=d` (with `\,` `\=` `\\` escapes). */
export function parseFieldSelector(s: string): FieldRequirement[] {
  if (!s.trim()) return []
  const parts: string[] = []
  let cur = ""
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string
    if (ch === "\\" && i + 1 < s.length) {
      cur += ch + s[++i]
    } else if (ch === ",") {
      parts.push(cur)
      cur = ""
    } else cur += ch
  }
  parts.push(cur)
  return parts.map((p) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(p.trim())
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${p}'`)
    const unescape = (x: string) => x.replace(/\\(.)/g, "$1")
    return { field: (m[1] as string).trim(), op: m[2] === "!=" ? "!=" : "=", value: unescape(m[3] ?? "") }
  })
}

type Obj = ApiObject & { spec?: any; status?: any; [k: string]: any }

function str(v: unknown): string {
  return v === undefined || v === null ? "" : String(v)
}

/** Per kind, the fields beyond metadata.name and metadata.namespace that upstream lets clients select on. */
const KIND_FIELDS: Record<string, (o: Obj) => Record<string, string>> = {
  "/Pod": (o) => ({
    "spec.nodeName": str(o.spec?.nodeName),
    "spec.restartPolicy": str(o.spec?.restartPolicy),
    "spec.schedulerName": str(o.spec?.schedulerName),
    "spec.serviceAccountName": str(o.spec?.serviceAccountName),
    "spec.hostNetwork": str(o.spec?.hostNetwork ?? false),
    "status.phase": str(o.status?.phase),
    "status.podIP": str(o.status?.podIP),
    "status.nominatedNodeName": str(o.status?.nominatedNodeName),
  }),
  "/Event": (o) => {
    const io = o.involvedObject ?? {}
    return {
      "involvedObject.kind": str(io.kind),
      "involvedObject.namespace": str(io.namespace),
      "involvedObject.name": str(io.name),
      "involvedObject.uid": str(io.uid),
      "involvedObject.apiVersion": str(io.apiVersion),
      "involvedObject.resourceVersion": str(io.resourceVersion),
      "involvedObject.fieldPath": str(io.fieldPath),
      reason: str(o.reason),
      reportingComponent: str(o.reportingComponent),
      source: str(o.source?.component),
      type: str(o.type),
    }
  },
  // Stored as core Events: events.k8s.io's names map onto the same fields.
  "events.k8s.io/Event": (o) => {
    const io = o.involvedObject ?? {}
    return {
      "regarding.kind": str(io.kind),
      "regarding.namespace": str(io.namespace),
      "regarding.name": str(io.name),
      "regarding.uid": str(io.uid),
      "regarding.apiVersion": str(io.apiVersion),
      "regarding.resourceVersion": str(io.resourceVersion),
      "regarding.fieldPath": str(io.fieldPath),
      reason: str(o.reason),
      reportingController: str(o.reportingComponent),
      source: str(o.source?.component),
      type: str(o.type),
    }
  },
  "/Secret": (o) => ({ type: str(o.type) }),
  "/Namespace": (o) => ({ "status.phase": str(o.status?.phase) }),
  "/Node": (o) => ({ "spec.unschedulable": str(o.spec?.unschedulable ?? false) }),
  "/ReplicationController": (o) => ({ "status.replicas": str(o.status?.replicas ?? 0) }),
  "apps/ReplicaSet": (o) => ({ "status.replicas": str(o.status?.replicas ?? 0) }),
  "batch/Job": (o) => ({ "status.successful": str(o.status?.succeeded ?? 0) }),
  "/Service": (o) => ({ "spec.clusterIP": str(o.spec?.clusterIP), "spec.type": str(o.spec?.type) }),
  "certificates.k8s.io/CertificateSigningRequest": (o) => ({ "spec.signerName": str(o.spec?.signerName) }),
  "resource.k8s.io/ResourceSlice": (o) => ({
    "spec.nodeName": str(o.spec?.nodeName),
    "spec.driver": str(o.spec?.driver),
  }),
}

/**
 * Field labels a kind's conversion accepts beyond its selectable fields: upstream's Pod accepts
 * `status.podIPs` but never sets it (a requirement on it compares with ""), and reads the old v1
 * `spec.host` as `spec.nodeName`.
 */
const KIND_LABELS: Record<string, Readonly<Record<string, string>>> = {
  "/Pod": { "status.podIPs": "status.podIPs", "spec.host": "spec.nodeName" },
}

/**
 * The field a selector's label selects, as the kind's field label conversion names it; undefined
 * when the kind does not support it.
 */
export function fieldLabel(info: Pick<ResourceInfo, "group" | "kind">, label: string): string | undefined {
  const renamed = KIND_LABELS[`${info.group}/${info.kind}`]?.[label]
  if (renamed !== undefined) return renamed
  return label in fieldsOf(info, {}) ? label : undefined
}

/** The selectable fields of an object, by kind, as upstream exposes them. */
export function fieldsOf(info: Pick<ResourceInfo, "group" | "kind">, obj: Obj): Record<string, string> {
  const meta = obj.metadata ?? {}
  const extra = KIND_FIELDS[`${info.group}/${info.kind}`]
  return {
    "metadata.name": str(meta.name),
    "metadata.namespace": str(meta.namespace),
    ...(extra ? extra(obj) : {}),
  }
}
