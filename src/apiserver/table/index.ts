/**
 * Table conversion for `kubectl get`: one printer per kind, keyed by group and kind, with upstream's
 * columns and cells (pkg/printers/internalversion); kinds without one get upstream's default table
 * (Name, Created At). The server always prints wide; kubectl hides priority-1 columns itself.
 */
import type { ApiObject } from "../../api/index.ts"
import {
  controllerRevisionPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from "./apps.ts"
import {
  mutatingWebhookConfigurationPrinter,
  validatingAdmissionPolicyBindingPrinter,
  validatingAdmissionPolicyPrinter,
  validatingWebhookConfigurationPrinter,
} from "./admission.ts"
import { apiServicePrinter } from "./apiservice.ts"
import { hpaPrinter, scalePrinter } from "./autoscaling.ts"
import { cronJobPrinter, jobPrinter } from "./batch.ts"
import { certificateSigningRequestPrinter, componentStatusPrinter } from "./certificates.ts"
import {
  configMapPrinter,
  namespacePrinter,
  podTemplatePrinter,
  replicationControllerPrinter,
  resourceQuotaPrinter,
  secretPrinter,
  serviceAccountPrinter,
} from "./core.ts"
import {
  csiDriverPrinter,
  csiNodePrinter,
  csiStorageCapacityPrinter,
  volumeAttachmentPrinter,
  volumeAttributesClassPrinter,
} from "./csi.ts"
import { DOCS } from "./descriptions.ts"
import {
  deviceClassPrinter,
  resourceClaimPrinter,
  resourceClaimTemplatePrinter,
  resourceSlicePrinter,
} from "./dra.ts"
import { eventPrinter, eventsEventPrinter } from "./event.ts"
import { flowSchemaPrinter, priorityLevelConfigurationPrinter } from "./flowcontrol.ts"
import { leasePrinter, podDisruptionBudgetPrinter, priorityClassPrinter } from "./misc.ts"
import {
  ingressClassPrinter,
  ingressPrinter,
  ipAddressPrinter,
  networkPolicyPrinter,
  serviceCIDRPrinter,
} from "./networking.ts"
import { nodePrinter } from "./node.ts"
import { podPrinter } from "./pod.ts"
import { runtimeClassPrinter } from "./runtime-class.ts"
import { clusterRoleBindingPrinter, roleBindingPrinter } from "./rbac.ts"
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from "./service.ts"
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from "./storage.ts"
import { NAME_COLUMN, column, printer, type Printer } from "./types.ts"

export type { Cell, ColumnDefinition, Printer, PrintContext, RowCondition } from "./types.ts"
export { humanDuration } from "./format.ts"
export { resourceMetricsPrinter } from "./resource-metrics.ts"

/** Upstream's default table for kinds without a printer: Name and the raw creationTimestamp. */
export const defaultPrinter: Printer = {
  columns: [NAME_COLUMN, column("Created At", "date", DOCS.creationTimestamp)],
  cells: (o) => [o.metadata?.name ?? "", o.metadata?.creationTimestamp ?? ""],
}

/** The printers by `group/kind` (core kinds under an empty group: `/Pod`). */
export const PRINTERS: ReadonlyMap<string, Printer> = new Map([
  ["/Pod", printer(podPrinter)],
  ["/PodTemplate", printer(podTemplatePrinter)],
  ["/ReplicationController", printer(replicationControllerPrinter)],
  ["/Service", printer(servicePrinter)],
  ["/Endpoints", printer(endpointsPrinter)],
  ["/Node", printer(nodePrinter)],
  ["/Namespace", printer(namespacePrinter)],
  ["/Event", printer(eventPrinter)],
  ["/ConfigMap", printer(configMapPrinter)],
  ["/Secret", printer(secretPrinter)],
  ["/ServiceAccount", printer(serviceAccountPrinter)],
  ["/PersistentVolume", printer(persistentVolumePrinter)],
  ["/PersistentVolumeClaim", printer(persistentVolumeClaimPrinter)],
  ["/ResourceQuota", printer(resourceQuotaPrinter)],
  ["/ComponentStatus", printer(componentStatusPrinter)],
  ["certificates.k8s.io/CertificateSigningRequest", printer(certificateSigningRequestPrinter)],
  ["apiregistration.k8s.io/APIService", printer(apiServicePrinter)],
  ["apps/Deployment", printer(deploymentPrinter)],
  ["apps/ReplicaSet", printer(replicaSetPrinter)],
  ["apps/StatefulSet", printer(statefulSetPrinter)],
  ["apps/DaemonSet", printer(daemonSetPrinter)],
  ["apps/ControllerRevision", printer(controllerRevisionPrinter)],
  ["batch/Job", printer(jobPrinter)],
  ["batch/CronJob", printer(cronJobPrinter)],
  ["autoscaling/HorizontalPodAutoscaler", printer(hpaPrinter)],
  ["autoscaling/Scale", printer(scalePrinter)],
  ["coordination.k8s.io/Lease", printer(leasePrinter)],
  ["discovery.k8s.io/EndpointSlice", printer(endpointSlicePrinter)],
  ["events.k8s.io/Event", printer(eventsEventPrinter)],
  ["networking.k8s.io/Ingress", printer(ingressPrinter)],
  ["networking.k8s.io/IngressClass", printer(ingressClassPrinter)],
  ["networking.k8s.io/NetworkPolicy", printer(networkPolicyPrinter)],
  ["networking.k8s.io/ServiceCIDR", printer(serviceCIDRPrinter)],
  ["networking.k8s.io/IPAddress", printer(ipAddressPrinter)],
  ["policy/PodDisruptionBudget", printer(podDisruptionBudgetPrinter)],
  ["resource.k8s.io/DeviceClass", printer(deviceClassPrinter)],
  ["resource.k8s.io/ResourceClaim", printer(resourceClaimPrinter)],
  ["resource.k8s.io/ResourceClaimTemplate", printer(resourceClaimTemplatePrinter)],
  ["resource.k8s.io/ResourceSlice", printer(resourceSlicePrinter)],
  ["scheduling.k8s.io/PriorityClass", printer(priorityClassPrinter)],
  ["storage.k8s.io/StorageClass", printer(storageClassPrinter)],
  ["rbac.authorization.k8s.io/RoleBinding", printer(roleBindingPrinter)],
  ["rbac.authorization.k8s.io/ClusterRoleBinding", printer(clusterRoleBindingPrinter)],
  ["admissionregistration.k8s.io/MutatingWebhookConfiguration", printer(mutatingWebhookConfigurationPrinter)],
  [
    "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
    printer(validatingWebhookConfigurationPrinter),
  ],
  ["admissionregistration.k8s.io/ValidatingAdmissionPolicy", printer(validatingAdmissionPolicyPrinter)],
  [
    "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
    printer(validatingAdmissionPolicyBindingPrinter),
  ],
  ["flowcontrol.apiserver.k8s.io/FlowSchema", printer(flowSchemaPrinter)],
  ["flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration", printer(priorityLevelConfigurationPrinter)],
  ["node.k8s.io/RuntimeClass", printer(runtimeClassPrinter)],
  ["storage.k8s.io/CSIDriver", printer(csiDriverPrinter)],
  ["storage.k8s.io/CSINode", printer(csiNodePrinter)],
  ["storage.k8s.io/CSIStorageCapacity", printer(csiStorageCapacityPrinter)],
  ["storage.k8s.io/VolumeAttachment", printer(volumeAttachmentPrinter)],
  ["storage.k8s.io/VolumeAttributesClass", printer(volumeAttributesClassPrinter)],
])

/** The printer of a kind, or the default one. */
export function printerFor(kind: { readonly group: string; readonly kind: string }): Printer {
  return PRINTERS.get(`${kind.group}/${kind.kind}`) ?? defaultPrinter
}

/** Options of toTable. */
export interface ToTableOptions {
  readonly now: number
  readonly includeObject: "None" | "Metadata" | "Object"
  /** Omit the column definitions (watch events after the first). */
  readonly noHeaders?: boolean
  readonly listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number }
  /** Overrides the kind's printer. */
  readonly printer?: Printer | undefined
}

function rowObject(o: ApiObject, includeObject: ToTableOptions["includeObject"]): object {
  if (includeObject === "None") return {}
  if (includeObject === "Object") return { object: o }
  return {
    object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata ?? {} },
  }
}

/** Builds the meta.k8s.io/v1 Table of `objects` of one kind. */
export function toTable(
  kind: { group: string; kind: string },
  objects: readonly ApiObject[],
  opts: ToTableOptions,
): unknown {
  const p = opts.printer ?? printerFor(kind)
  const ctx = { now: opts.now }
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: opts.listMeta ?? {},
    columnDefinitions: opts.noHeaders ? [] : p.columns,
    rows: (p.compare ? [...objects].sort((a, b) => p.compare!(a, b)) : objects).map((o) => {
      const conditions = p.conditions?.(o)
      return {
        cells: p.cells(o, ctx),
        ...(conditions ? { conditions } : {}),
        ...rowObject(o, opts.includeObject),
      }
    }),
  }
}
