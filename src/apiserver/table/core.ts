/** Printers of the plain core/v1 kinds: Namespace, ConfigMap, Secret, ServiceAccount, PodTemplate, ReplicationController, ResourceQuota. */
import type {
  ConfigMap,
  Namespace,
  PodTemplate,
  ReplicationController,
  ResourceQuota,
  Secret,
  ServiceAccount,
} from "kubernetes-types/core/v1.js"
import { DOCS } from "./descriptions.ts"
import { age, containerCells, formatLabels, quantity } from "./format.ts"
import { AGE_COLUMN, CONTAINER_COLUMNS, NAME_COLUMN, column, wide, type Printer } from "./types.ts"

/** Namespaces: NAME STATUS AGE. */
export const namespacePrinter: Printer<Namespace> = {
  columns: [NAME_COLUMN, column("Status", "string", "The status of the namespace"), AGE_COLUMN],
  cells: (ns, { now }) => [ns.metadata?.name ?? "", ns.status?.phase ?? "", age(ns, now)],
}

/** ConfigMaps: NAME DATA AGE (data and binaryData keys). */
export const configMapPrinter: Printer<ConfigMap> = {
  columns: [NAME_COLUMN, column("Data", "string", DOCS.cmData), AGE_COLUMN],
  cells: (cm, { now }) => [
    cm.metadata?.name ?? "",
    Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
    age(cm, now),
  ],
}

/** Secrets: NAME TYPE DATA AGE. */
export const secretPrinter: Printer<Secret> = {
  columns: [
    NAME_COLUMN,
    column("Type", "string", DOCS.secretType),
    column("Data", "string", DOCS.secretData),
    AGE_COLUMN,
  ],
  cells: (s, { now }) => [
    s.metadata?.name ?? "",
    s.type ?? "",
    Object.keys(s.data ?? {}).length,
    age(s, now),
  ],
}

/** ServiceAccounts: NAME SECRETS AGE. */
export const serviceAccountPrinter: Printer<ServiceAccount> = {
  columns: [NAME_COLUMN, column("Secrets", "string", DOCS.saSecrets), AGE_COLUMN],
  cells: (sa, { now }) => [sa.metadata?.name ?? "", (sa.secrets ?? []).length, age(sa, now)],
}

/** PodTemplates: NAME CONTAINERS IMAGES POD LABELS (no age, as upstream). */
export const podTemplatePrinter: Printer<PodTemplate> = {
  columns: [
    NAME_COLUMN,
    column("Containers", "string", "Names of each container in the template."),
    column("Images", "string", "Images referenced by each container in the template."),
    column("Pod Labels", "string", "The labels for the pod template."),
  ],
  cells: (pt) => [
    pt.metadata?.name ?? "",
    ...containerCells(pt.template?.spec?.containers),
    formatLabels(pt.template?.metadata?.labels),
  ],
}

/** ReplicationControllers: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR. */
export const replicationControllerPrinter: Printer<ReplicationController> = {
  columns: [
    NAME_COLUMN,
    column("Desired", "integer", DOCS.rcSpecReplicas),
    column("Current", "integer", DOCS.rcStatusReplicas),
    column("Ready", "integer", DOCS.rcReadyReplicas),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    wide("Selector", DOCS.rcSelector),
  ],
  cells: (rc, { now }) => [
    rc.metadata?.name ?? "",
    rc.spec?.replicas ?? 1,
    rc.status?.replicas ?? 0,
    rc.status?.readyReplicas ?? 0,
    age(rc, now),
    ...containerCells(rc.spec?.template?.spec?.containers),
    formatLabels(rc.spec?.selector),
  ],
}

/** `name: used/hard` for each resource, request and limit columns apart (limits.* go right). */
function quotaColumns(rq: ResourceQuota): [string, string] {
  const hard = rq.status?.hard ?? {}
  const used = rq.status?.used ?? {}
  const requests: string[] = []
  const limits: string[] = []
  for (const name of Object.keys(hard).sort()) {
    const text = `${name}: ${quantity(used[name])}/${quantity(hard[name])}`
    const parts = name.split(".")
    if (parts.length > 1 && parts[0] === "limits") limits.push(text)
    else requests.push(text)
  }
  return [requests.join(", "), limits.join(", ")]
}

/** ResourceQuotas: NAME REQUEST LIMIT AGE. */
export const resourceQuotaPrinter: Printer<ResourceQuota> = {
  columns: [
    NAME_COLUMN,
    column(
      "Request",
      "string",
      "Request represents a minimum amount of cpu/memory that a container may consume.",
    ),
    column(
      "Limit",
      "string",
      "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
    ),
    AGE_COLUMN,
  ],
  cells: (rq, { now }) => [rq.metadata?.name ?? "", ...quotaColumns(rq), age(rq, now)],
}
