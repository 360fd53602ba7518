/**
 * The API's vocabulary: object types (from kubernetes-types), the resource registry, the one
 * error type that crosses the wire, selectors, patches, validation and defaulting.
 * Pure data and functions; imports only util.
 */
export * from "./meta.ts"
export { LOOPBACK_USER } from "./loopback-user.ts"
export * from "./errors.ts"
export * from "./resources.ts"
export { controllerRef } from "./controller-ref.ts"
export type { ContainerMetrics, NodeMetrics, PodMetrics, ResourceUsage } from "./resource-metrics.ts"
export {
  APISERVICE_AVAILABLE,
  type APIService,
  type APIServiceCondition,
  type APIServiceServiceReference,
  type APIServiceSpec,
  type APIServiceStatus,
  apiServiceCondition,
  AUTOREGISTER_MANAGED_LABEL,
  localAvailableCondition,
  withAPIServiceCondition,
} from "./apiservice.ts"
export {
  type APIServicePriority,
  BUILTIN_PRIORITIES,
  builtinAPIServiceNames,
  CRD_PRIORITY,
} from "./apiservice-priorities.ts"
export {
  DEFAULT_SERVICE_CIDR_NAME,
  type IPAddress,
  type IPAddressSpec,
  IP_ALLOCATOR,
  IP_FAMILY_LABEL,
  IP_MANAGED_BY_LABEL,
  isAllocatorIPAddress,
  isHeldByService,
  isServiceCIDRUsable,
  type ParentReference,
  SERVICE_CIDR_FINALIZER,
  SERVICE_CIDR_READY,
  SERVICE_CIDR_TERMINATING,
  type ServiceCIDR,
  serviceCIDRCondition,
  type ServiceCIDRSpec,
  type ServiceCIDRStatus,
  serviceIPAddress,
} from "./service-cidr.ts"
export type * as dra from "./dra.ts"
export { DRA_ADMIN_NAMESPACE_LABEL } from "./dra.ts"
export * as fieldErrors from "./field-errors.ts"
export { type PodLogOptions, podLogOptions, podLogQuery, validatePodLogOptions } from "./pod-log-options.ts"
export { queryBool, queryInt64 } from "./query-params.ts"
export { decodeMetaTime, type DecodedTime } from "./meta-time.ts"
export {
  crdSchemas,
  isDns1123Label,
  isDns1123Subdomain,
  isLabelValue,
  MIRROR_ANNOTATION,
  validateCustomResourceMeta,
  validateObject,
  type CelSelectorCompiler,
  type CelSelectorError,
  type ValidationContext,
} from "./validation/index.ts"
export {
  applyDefaults,
  defaultsStatus,
  emptyCrdStatus,
  generateJobSelector,
  noAcceptedNames,
  setNamespaceNameLabel,
} from "./defaults/index.ts"
export { KUBE_VERSION } from "./version.ts"
export { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS } from "./flowcontrol-mandatory.ts"
export { SUGGESTED_FLOW_SCHEMAS, SUGGESTED_PRIORITY_LEVELS } from "./flowcontrol-suggested.ts"
export { AUTO_UPDATE_ANNOTATION } from "./flowcontrol-objects.ts"
export {
  compareQuantity,
  milliValue,
  parseQuantity,
  quantityOf,
  quantityOfMilli,
  quantityString,
  unitValue,
  type Quantity,
} from "./quantity.ts"
export { SERVICE_NAME_LABEL, SKIP_MIRROR_LABEL } from "./endpoint-slice.ts"
export {
  labelSelectorMatches,
  selectorMatcher,
  selectorFromSet,
  type LabelMatcher,
  type LabelSelector,
  type Labels,
} from "./labels.ts"
export {
  labelSelectorAsString,
  parseLabelSelector,
  type StringSelectorMatcher,
} from "./label-selector-string.ts"
export * as schema from "./schema/index.ts"
export {
  type StructuralSchema,
  type ValidationRule,
  additionalOf,
  isPlainObject,
  itemsOf,
  jsonType,
} from "./crd-schema.ts"
export { hasTypeMeta, jsonFieldsOf } from "./schema/json-fields.ts"
export {
  claimRefOf,
  classOf,
  findBestMatch,
  hasAccessModes,
  isVolumeBoundToClaim,
  type MatchOptions,
  volumeFitsNode,
  volumeMismatch,
} from "./volume-matching.ts"
export { ephemeralClaimName, ephemeralClaimNotForPod } from "./ephemeral.ts"
export { nodeSelectorTermMatches, nodeSelectorTermsMatch, toleratesTaint } from "./scheduling.ts"
export { podQos, qosClass, type QosClass } from "./qos.ts"
export * from "./resource-list.ts"
export {
  objectCountEvaluator,
  objectCountName,
  type QuotaEvaluator,
  quotaEvaluator,
  quotaMatches,
  quotaScopes,
} from "./quota.ts"
export { isPodCharged, podResources, type PodResourcesOptions } from "./quota-pods.ts"
export {
  isResizeInfeasible,
  limitsWithStatus,
  requestsWithStatus,
  statusesWithResources,
} from "./status-resources.ts"
export { observedGenerationOf, type TrackedPodCondition, type TrackedPodStatus } from "./pod-generation.ts"
export {
  isPodAvailable,
  isPodPhaseTerminal,
  isPodReady,
  isPodTerminal,
  msUntilAvailable,
  msUntilAvailableSince,
  podReadyCondition,
  podReadySince,
} from "./pods.ts"
