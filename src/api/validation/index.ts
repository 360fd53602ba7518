/**
 * Per-kind validation of API objects, with upstream's field paths and messages. The API
 * server calls validateObject on every write, after defaulting and admission; an empty list
 * means the object may be stored. Pure functions over plain JSON; imports only api types.
 */
import type { ApiObject } from "../meta.ts"
import type { FieldError } from "../errors.ts"
import {
  validateControllerRevision,
  validateDeployment,
  validateReplicaSet,
  validateReplicationController,
} from "./apps.ts"
import { validateDaemonSet, validateStatefulSet } from "./apps-stateful.ts"
import {
  validateValidatingAdmissionPolicy,
  validateValidatingAdmissionPolicyBinding,
} from "./admission-policy.ts"
import {
  validateMutatingWebhookConfiguration,
  validateValidatingWebhookConfiguration,
} from "./admission-webhooks.ts"
import { validateAPIService, validateAPIServiceStatusUpdate } from "./apiservice.ts"
import { validateHorizontalPodAutoscaler } from "./autoscaling.ts"
import { validateCertificateSigningRequest } from "./certificates.ts"
import { validateConfigMap, validateSecret } from "./config.ts"
import {
  validateLimitRange,
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validateResourceQuota,
  validateResourceQuotaStatusUpdate,
  validateServiceAccount,
} from "./core-misc.ts"
import { validateCronJob } from "./cronjob.ts"
import {
  validateCSIDriver,
  validateCSINode,
  validateCSIStorageCapacity,
  validateVolumeAttachment,
  validateVolumeAttributesClass,
} from "./csi.ts"
import { validateFlowSchema, validatePriorityLevelConfiguration } from "./flowcontrol.ts"
import { validateCustomResourceDefinition } from "./crd.ts"
import { validateEndpointSlice, validateEndpoints } from "./endpoints.ts"
import { validateCoreEvent, validateEventsEvent } from "./events.ts"
import { validateJob } from "./job.ts"
import { validateLease, validatePodDisruptionBudget, validatePriorityClass } from "./misc.ts"
import { nameIsPathSegment } from "./names.ts"
import { validateNamespace, validateNode } from "./namespace-node.ts"
import { validateIngress, validateIngressClass } from "./ingress.ts"
import { validateStorageClass } from "./storage.ts"
import { validateNetworkPolicy } from "./network-policy.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validatePod, validatePodStatusUpdate, validatePodTemplate } from "./pod.ts"
import { validatePodEphemeralContainersUpdate } from "./pod-ephemeral.ts"
import { validatePodResize } from "./pod-resize.ts"
import { validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from "./rbac.ts"
import { validateRuntimeClass } from "./runtime-class.ts"
import { validateService } from "./service.ts"
import { validateServiceStatusUpdate } from "./load-balancer-status.ts"
import { validateIPAddress, validateServiceCIDR } from "./service-cidr.ts"
import type { DraContext } from "./dra-common.ts"
import { validateResourceClaimSpecWrite, validateResourceClaimTemplate } from "./dra-claim.ts"
import { validateResourceClaimStatus } from "./dra-claim-status.ts"
import { validateDeviceClass, validateResourceSlice } from "./dra-slice.ts"

export { cronScheduleError } from "./cron.ts"
export type { CelSelectorCompiler, CelSelectorError } from "./dra-common.ts"
export { isDns1123Label, isDns1123Subdomain, isLabelValue } from "./names.ts"
export { MIRROR_ANNOTATION } from "./pod.ts"
export { crdSchemas, validateCustomResourceMeta } from "./crd.ts"

/** The kind being validated: its group, kind and scope. */
export interface KindRef {
  readonly group: string
  readonly kind: string
  readonly namespaced: boolean
}

/**
 * What validation needs from outside the api package, where upstream's validation reaches for
 * it: the CEL compiler of DRA device selectors, and namespaces' labels (DRA admin access).
 * Without them those checks are skipped.
 */
export type ValidationContext = DraContext

type Validator = (obj: any, old: any, subresource: string, ctx: ValidationContext) => FieldError[]

/** Validators by `group/kind`; the core group is the empty string. */
const VALIDATORS: Readonly<Record<string, Validator>> = {
  "/Pod": validatePod,
  "/PodTemplate": validatePodTemplate,
  "/ReplicationController": validateReplicationController,
  "/Service": validateService,
  "/Endpoints": validateEndpoints,
  "/ConfigMap": validateConfigMap,
  "/Secret": validateSecret,
  "/Namespace": validateNamespace,
  "/Node": validateNode,
  "/ServiceAccount": validateServiceAccount,
  "/Event": validateCoreEvent,
  "/LimitRange": validateLimitRange,
  "/ResourceQuota": validateResourceQuota,
  "/PersistentVolumeClaim": validatePersistentVolumeClaim,
  "/PersistentVolume": validatePersistentVolume,
  "apiextensions.k8s.io/CustomResourceDefinition": validateCustomResourceDefinition,
  "apiregistration.k8s.io/APIService": validateAPIService,
  "apps/Deployment": validateDeployment,
  "apps/ReplicaSet": validateReplicaSet,
  "apps/StatefulSet": validateStatefulSet,
  "apps/DaemonSet": validateDaemonSet,
  "apps/ControllerRevision": validateControllerRevision,
  "batch/Job": validateJob,
  "batch/CronJob": validateCronJob,
  "certificates.k8s.io/CertificateSigningRequest": validateCertificateSigningRequest,
  "autoscaling/HorizontalPodAutoscaler": validateHorizontalPodAutoscaler,
  "policy/PodDisruptionBudget": validatePodDisruptionBudget,
  "scheduling.k8s.io/PriorityClass": validatePriorityClass,
  "coordination.k8s.io/Lease": validateLease,
  "discovery.k8s.io/EndpointSlice": validateEndpointSlice,
  "events.k8s.io/Event": validateEventsEvent,
  "networking.k8s.io/Ingress": validateIngress,
  "networking.k8s.io/IngressClass": validateIngressClass,
  "storage.k8s.io/StorageClass": validateStorageClass,
  "networking.k8s.io/NetworkPolicy": validateNetworkPolicy,
  "networking.k8s.io/ServiceCIDR": validateServiceCIDR,
  "networking.k8s.io/IPAddress": validateIPAddress,
  "rbac.authorization.k8s.io/Role": validateRole,
  "rbac.authorization.k8s.io/ClusterRole": validateClusterRole,
  "rbac.authorization.k8s.io/RoleBinding": validateRoleBinding,
  "rbac.authorization.k8s.io/ClusterRoleBinding": validateClusterRoleBinding,
  "resource.k8s.io/DeviceClass": (o, old, _s, ctx) => validateDeviceClass(o, old, ctx),
  "resource.k8s.io/ResourceClaim": (o, old, _s, ctx) => validateResourceClaimSpecWrite(o, old, ctx),
  "resource.k8s.io/ResourceClaimTemplate": (o, old, _s, ctx) => validateResourceClaimTemplate(o, old, ctx),
  "resource.k8s.io/ResourceSlice": (o, old) => validateResourceSlice(o, old),
  "admissionregistration.k8s.io/MutatingWebhookConfiguration": validateMutatingWebhookConfiguration,
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration": validateValidatingWebhookConfiguration,
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy": validateValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": validateValidatingAdmissionPolicyBinding,
  "flowcontrol.apiserver.k8s.io/FlowSchema": validateFlowSchema,
  "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration": validatePriorityLevelConfiguration,
  "node.k8s.io/RuntimeClass": validateRuntimeClass,
  "storage.k8s.io/CSIDriver": validateCSIDriver,
  "storage.k8s.io/CSINode": validateCSINode,
  "storage.k8s.io/CSIStorageCapacity": validateCSIStorageCapacity,
  "storage.k8s.io/VolumeAttachment": validateVolumeAttachment,
  "storage.k8s.io/VolumeAttributesClass": validateVolumeAttributesClass,
}

/** Validators of writes to a subresource by `group/kind/subresource`, where upstream's strategy has its own. */
const SUBRESOURCE_VALIDATORS: Readonly<Record<string, Validator>> = {
  "/Pod/status": validatePodStatusUpdate,
  "/Pod/ephemeralcontainers": validatePodEphemeralContainersUpdate,
  "/Pod/resize": validatePodResize,
  "/Service/status": validateServiceStatusUpdate,
  "/ResourceQuota/status": validateResourceQuotaStatusUpdate,
  "apiregistration.k8s.io/APIService/status": validateAPIServiceStatusUpdate,
  "resource.k8s.io/ResourceClaim/status": (o, old, _s, ctx) => validateResourceClaimStatus(o, old, ctx),
}

/**
 * Validates `obj` as the kind `ref` names: on create when `old` is absent, on update
 * (including status writes, by the status rules where a kind has them: `subresource`) when it
 * is given. Kinds without their own rules get upstream's
 * generic metadata checks.
 */
export function validateObject(
  ref: KindRef,
  obj: ApiObject,
  old?: ApiObject,
  subresource = "",
  ctx: ValidationContext = {},
): FieldError[] {
  const own =
    subresource && old ? SUBRESOURCE_VALIDATORS[`${ref.group}/${ref.kind}/${subresource}`] : undefined
  const validator = own ?? VALIDATORS[`${ref.group}/${ref.kind}`]
  if (validator) {
    try {
      return validator(obj, old, subresource, ctx)
    } catch (err) {
      // A field of the wrong JSON type (which upstream's decoder refuses) must not become a 500
      if (!(err instanceof TypeError)) throw err
      return [{ type: "FieldValueTypeInvalid", field: "", message: `Invalid value: ${err.message}` }]
    }
  }
  if (old) return validateObjectMetaUpdate(obj.metadata, old.metadata)
  return validateObjectMeta(obj.metadata, { namespaced: ref.namespaced, name: nameIsPathSegment })
}
