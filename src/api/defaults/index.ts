/**
 * Per-kind defaulting of API objects, as upstream's `pkg/apis/<group>/<version>/defaults.go`
 * (plus the few create-time fields its registry and admission fill). The API server calls
 * applyDefaults on every write, before admission and validation; it mutates the object.
 * Idempotent: defaulting a defaulted object changes nothing. Imports only api types.
 */
import {
  defaultMutatingWebhookConfiguration,
  defaultValidatingAdmissionPolicy,
  defaultValidatingAdmissionPolicyBinding,
  defaultValidatingWebhookConfiguration,
} from "./admission.ts"
import { defaultAPIService } from "./apiservice.ts"
import { defaultCustomResourceDefinition } from "./crd.ts"
import { defaultFlowSchema, defaultPriorityLevelConfiguration } from "./flowcontrol.ts"
import type { ApiObject } from "../meta.ts"
import {
  defaultDaemonSet,
  defaultDeployment,
  defaultReplicaSet,
  defaultReplicationController,
  defaultStatefulSet,
} from "./apps.ts"
import { defaultCronJob, defaultJob } from "./batch.ts"
import {
  defaultLimitRange,
  defaultNamespace,
  defaultNode,
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultSecret,
} from "./core.ts"
import {
  defaultBinding,
  defaultHorizontalPodAutoscaler,
  defaultNetworkPolicy,
  defaultPriorityClass,
} from "./misc.ts"
import { defaultResourceClaim, defaultResourceClaimTemplate } from "./dra.ts"
import { defaultPod, defaultPodTemplateSpec } from "./pod.ts"
import { defaultCSIDriver, defaultStorageClass } from "./storage.ts"
import { defaultEndpointSlice, defaultEndpoints, defaultService, defaultServiceCIDR } from "./service.ts"

export { generateJobSelector, CONTROLLER_UID_LABEL, JOB_NAME_LABEL } from "./batch.ts"
export { setNamespaceNameLabel } from "./core.ts"
export { emptyCrdStatus, noAcceptedNames } from "./crd.ts"
export { defaultPullPolicy } from "./image.ts"

/** The kind being defaulted: group, version and kind. */
export interface DefaultsRef {
  readonly group: string
  readonly version: string
  readonly kind: string
}

/** Context of one defaulting pass. */
interface Pass {
  readonly version: string
  /** True on create: the object has no resourceVersion yet. */
  readonly creating: boolean
}

type Defaulter = (obj: any, pass: Pass) => void

/** Defaulters by `group/kind`; the core group is the empty string. */
const DEFAULTERS: Readonly<Record<string, Defaulter>> = {
  "/Pod": (o, p) => defaultPod(o, p.creating),
  "/PodTemplate": (o) => defaultPodTemplateSpec(o.template),
  "/ReplicationController": defaultReplicationController,
  "/Service": defaultService,
  "/Endpoints": defaultEndpoints,
  "/Secret": defaultSecret,
  "/Namespace": defaultNamespace,
  "/Node": defaultNode,
  "/PersistentVolume": defaultPersistentVolume,
  "/PersistentVolumeClaim": defaultPersistentVolumeClaim,
  "/LimitRange": defaultLimitRange,
  "apiextensions.k8s.io/CustomResourceDefinition": defaultCustomResourceDefinition,
  "apiregistration.k8s.io/APIService": defaultAPIService,
  "apps/Deployment": defaultDeployment,
  "apps/ReplicaSet": defaultReplicaSet,
  "apps/StatefulSet": defaultStatefulSet,
  "apps/DaemonSet": defaultDaemonSet,
  "batch/Job": defaultJob,
  "batch/CronJob": defaultCronJob,
  "autoscaling/HorizontalPodAutoscaler": (o, p) => defaultHorizontalPodAutoscaler(o, p.version),
  "discovery.k8s.io/EndpointSlice": defaultEndpointSlice,
  "networking.k8s.io/NetworkPolicy": defaultNetworkPolicy,
  "networking.k8s.io/ServiceCIDR": defaultServiceCIDR,
  "rbac.authorization.k8s.io/RoleBinding": defaultBinding,
  "resource.k8s.io/ResourceClaim": defaultResourceClaim,
  "resource.k8s.io/ResourceClaimTemplate": defaultResourceClaimTemplate,
  "rbac.authorization.k8s.io/ClusterRoleBinding": defaultBinding,
  "scheduling.k8s.io/PriorityClass": defaultPriorityClass,
  "storage.k8s.io/StorageClass": defaultStorageClass,
  "storage.k8s.io/CSIDriver": defaultCSIDriver,
  "admissionregistration.k8s.io/MutatingWebhookConfiguration": defaultMutatingWebhookConfiguration,
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration": defaultValidatingWebhookConfiguration,
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy": defaultValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": defaultValidatingAdmissionPolicyBinding,
  "flowcontrol.apiserver.k8s.io/FlowSchema": defaultFlowSchema,
  "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration": defaultPriorityLevelConfiguration,
}

/**
 * Fills upstream's defaults into `obj` in place; the caller passes a copy it owns. A write
 * whose object has no `metadata.resourceVersion` counts as a create, which adds the
 * create-only fields (a Pod's service account and priority).
 */
export function applyDefaults(ref: DefaultsRef, obj: ApiObject): void {
  const defaulter = DEFAULTERS[`${ref.group}/${ref.kind}`]
  if (!defaulter) return
  defaulter(obj, { version: ref.version, creating: !obj.metadata?.resourceVersion })
}

/**
 * Kinds whose defaults fill nothing in status (nor anything a status write could change): a write
 * of their status, whose other fields are the stored object's (defaulted when it was written), has
 * nothing to default.
 */
const STATUS_NOT_DEFAULTED = new Set([
  "/Pod",
  "/ReplicationController",
  "apps/Deployment",
  "apps/ReplicaSet",
  "apps/StatefulSet",
  "apps/DaemonSet",
  "batch/Job",
  "batch/CronJob",
])

/** True when defaulting may change what a write of the kind's status subresource holds. */
export function defaultsStatus(ref: DefaultsRef): boolean {
  return !STATUS_NOT_DEFAULTED.has(`${ref.group}/${ref.kind}`)
}
