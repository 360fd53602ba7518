/**
 * Every built-in resource k8ts serves: its group, version, names, scope, verbs and subresources.
 * Plain data, read by the API server (routing, discovery), clients and printers.
 */
import type { ApiObject } from "./meta.ts"

/** Names one resource at one version. `_type` only carries the object type for the compiler. */
export interface ResourceRef<T extends ApiObject = ApiObject> {
  readonly group: string
  readonly version: string
  /** The plural, lower-case resource name used in URLs (`pods`). */
  readonly resource: string
  readonly kind: string
  readonly namespaced: boolean
  readonly _type?: T
}

/** A subresource such as `status`, `scale` or `log`. */
export interface SubresourceInfo {
  readonly name: string
  readonly verbs: readonly string[]
  /** The kind the subresource takes and returns, when not the parent's (Scale, Binding, Eviction). */
  readonly kind?: string
  readonly group?: string
  readonly version?: string
}

/** Everything discovery says about a resource. */
export interface ResourceInfo<T extends ApiObject = ApiObject> extends ResourceRef<T> {
  readonly singular: string
  readonly shortNames: readonly string[]
  readonly categories: readonly string[]
  readonly verbs: readonly string[]
  readonly subresources: readonly SubresourceInfo[]
  /**
   * Resources served at several versions share one stored form: the key prefix and the version
   * objects are stored at (HPA: autoscaling/v2 is stored, v1 converts).
   */
  readonly storageVersion?: string
  /** Served from a CustomResourceDefinition rather than built in. */
  readonly custom?: boolean
  /**
   * Resources served in another group than they are stored in share that group's objects
   * (events.k8s.io Events are core/v1 Events): the group objects are stored under.
   */
  readonly storageGroup?: string
  /** Deprecated in this Kubernetes release: every request for it gets upstream's Warning. */
  readonly deprecated?: Deprecation
}

/**
 * When a built-in resource's version was deprecated, and what replaces it; or, for a version of
 * a custom resource its CRD marks deprecated, the whole warning (its deprecationWarning, or the
 * default upstream's crdHandler builds).
 */
export type Deprecation =
  | {
      /** The Kubernetes minor release, e.g. "1.33". */
      readonly since: string
      readonly replacement?: { readonly group: string; readonly version: string; readonly kind: string }
    }
  | { readonly warning: string }

/** The verbs of an ordinary resource. */
export const STANDARD_VERBS = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
] as const
const STATUS: SubresourceInfo = { name: "status", verbs: ["get", "patch", "update"] }
const SCALE: SubresourceInfo = {
  name: "scale",
  verbs: ["get", "patch", "update"],
  kind: "Scale",
  group: "autoscaling",
  version: "v1",
}
const PROXY: SubresourceInfo = { name: "proxy", verbs: ["create", "delete", "get", "patch", "update"] }

interface Def {
  kind: string
  resource?: string
  namespaced?: boolean
  short?: string[]
  all?: boolean
  categories?: string[]
  verbs?: readonly string[]
  sub?: SubresourceInfo[]
  storageVersion?: string
  storageGroup?: string
  deprecated?: Deprecation
}

function define(group: string, version: string, defs: Def[]): ResourceInfo[] {
  return defs.map((d) => {
    const resource = d.resource ?? pluralOf(d.kind)
    return {
      group,
      version,
      resource,
      kind: d.kind,
      namespaced: d.namespaced ?? true,
      singular: d.kind.toLowerCase(),
      shortNames: d.short ?? [],
      categories: d.categories ?? (d.all ? ["all"] : []),
      verbs: d.verbs ?? STANDARD_VERBS,
      subresources: d.sub ?? [],
      ...(d.storageVersion ? { storageVersion: d.storageVersion } : {}),
      ...(d.storageGroup !== undefined ? { storageGroup: d.storageGroup } : {}),
      ...(d.deprecated ? { deprecated: d.deprecated } : {}),
    }
  })
}

/** The lower-case plural of a kind, as upstream's RESTMapper guesses it. */
export function pluralOf(kind: string): string {
  const k = kind.toLowerCase()
  if (k.endsWith("s")) return k + "es"
  if (k.endsWith("y") && !/[aeiou]y$/.test(k)) return k.slice(0, -1) + "ies"
  return k + "s"
}

/** Every built-in resource, in discovery order. */
export const BUILTIN_RESOURCES: readonly ResourceInfo[] = [
  ...define("", "v1", [
    { kind: "Binding", verbs: ["create"] },
    {
      kind: "ComponentStatus",
      namespaced: false,
      short: ["cs"],
      verbs: ["get", "list"],
      deprecated: { since: "1.19" },
    },
    { kind: "ConfigMap", short: ["cm"] },
    {
      kind: "Endpoints",
      resource: "endpoints",
      short: ["ep"],
      deprecated: {
        since: "1.33",
        replacement: { group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice" },
      },
    },
    { kind: "Event", short: ["ev"] },
    { kind: "LimitRange", short: ["limits"] },
    {
      kind: "Namespace",
      namespaced: false,
      short: ["ns"],
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
      sub: [STATUS, { name: "finalize", verbs: ["update"] }],
    },
    { kind: "Node", namespaced: false, short: ["no"], sub: [STATUS, { ...PROXY, kind: "NodeProxyOptions" }] },
    { kind: "PersistentVolumeClaim", short: ["pvc"], sub: [STATUS] },
    { kind: "PersistentVolume", namespaced: false, short: ["pv"], sub: [STATUS] },
    {
      kind: "Pod",
      short: ["po"],
      all: true,
      sub: [
        STATUS,
        { name: "attach", verbs: ["create", "get"], kind: "PodAttachOptions" },
        { name: "binding", verbs: ["create"], kind: "Binding" },
        { name: "ephemeralcontainers", verbs: ["get", "patch", "update"] },
        { name: "eviction", verbs: ["create"], kind: "Eviction", group: "policy", version: "v1" },
        { name: "exec", verbs: ["create", "get"], kind: "PodExecOptions" },
        { name: "log", verbs: ["get"] },
        { name: "portforward", verbs: ["create", "get"], kind: "PodPortForwardOptions" },
        { ...PROXY, kind: "PodProxyOptions" },
        { name: "resize", verbs: ["get", "patch", "update"] },
      ],
    },
    { kind: "PodTemplate" },
    { kind: "ReplicationController", short: ["rc"], all: true, sub: [SCALE, STATUS] },
    { kind: "ResourceQuota", short: ["quota"], sub: [STATUS] },
    { kind: "Secret" },
    {
      kind: "ServiceAccount",
      short: ["sa"],
      sub: [
        {
          name: "token",
          verbs: ["create"],
          kind: "TokenRequest",
          group: "authentication.k8s.io",
          version: "v1",
        },
      ],
    },
    { kind: "Service", short: ["svc"], all: true, sub: [STATUS, { ...PROXY, kind: "ServiceProxyOptions" }] },
  ]),
  // Upstream's aggregator lists its own group ahead of every other named group.
  ...define("apiregistration.k8s.io", "v1", [
    { kind: "APIService", namespaced: false, categories: ["api-extensions"], sub: [STATUS] },
  ]),
  ...define("admissionregistration.k8s.io", "v1", [
    { kind: "MutatingWebhookConfiguration", namespaced: false, categories: ["api-extensions"] },
    { kind: "ValidatingAdmissionPolicy", namespaced: false, categories: ["api-extensions"], sub: [STATUS] },
    { kind: "ValidatingAdmissionPolicyBinding", namespaced: false, categories: ["api-extensions"] },
    { kind: "ValidatingWebhookConfiguration", namespaced: false, categories: ["api-extensions"] },
  ]),
  ...define("apiextensions.k8s.io", "v1", [
    {
      kind: "CustomResourceDefinition",
      namespaced: false,
      short: ["crd", "crds"],
      categories: ["api-extensions"],
      sub: [STATUS],
    },
  ]),
  ...define("apps", "v1", [
    { kind: "ControllerRevision" },
    { kind: "DaemonSet", short: ["ds"], all: true, sub: [STATUS] },
    { kind: "Deployment", short: ["deploy"], all: true, sub: [SCALE, STATUS] },
    { kind: "ReplicaSet", short: ["rs"], all: true, sub: [SCALE, STATUS] },
    { kind: "StatefulSet", short: ["sts"], all: true, sub: [SCALE, STATUS] },
  ]),
  ...define("authorization.k8s.io", "v1", [
    { kind: "LocalSubjectAccessReview", verbs: ["create"] },
    { kind: "SelfSubjectAccessReview", namespaced: false, verbs: ["create"] },
    { kind: "SelfSubjectRulesReview", namespaced: false, verbs: ["create"] },
    { kind: "SubjectAccessReview", namespaced: false, verbs: ["create"] },
  ]),
  ...define("authentication.k8s.io", "v1", [
    { kind: "SelfSubjectReview", namespaced: false, verbs: ["create"] },
    { kind: "TokenReview", namespaced: false, verbs: ["create"] },
  ]),
  ...define("autoscaling", "v2", [
    { kind: "HorizontalPodAutoscaler", short: ["hpa"], all: true, sub: [STATUS], storageVersion: "v2" },
  ]),
  ...define("autoscaling", "v1", [
    { kind: "HorizontalPodAutoscaler", short: ["hpa"], all: true, sub: [STATUS], storageVersion: "v2" },
  ]),
  ...define("batch", "v1", [
    { kind: "CronJob", short: ["cj"], all: true, sub: [STATUS] },
    { kind: "Job", all: true, sub: [STATUS] },
  ]),
  ...define("certificates.k8s.io", "v1", [
    {
      kind: "CertificateSigningRequest",
      namespaced: false,
      short: ["csr"],
      sub: [{ name: "approval", verbs: ["get", "patch", "update"] }, STATUS],
    },
  ]),
  ...define("coordination.k8s.io", "v1", [{ kind: "Lease" }]),
  ...define("discovery.k8s.io", "v1", [{ kind: "EndpointSlice" }]),
  ...define("events.k8s.io", "v1", [
    { kind: "Event", short: ["ev"], storageGroup: "", storageVersion: "v1" },
  ]),
  ...define("flowcontrol.apiserver.k8s.io", "v1", [
    { kind: "FlowSchema", namespaced: false, sub: [STATUS] },
    { kind: "PriorityLevelConfiguration", namespaced: false, sub: [STATUS] },
  ]),
  ...define("metrics.k8s.io", "v1beta1", [
    { kind: "NodeMetrics", resource: "nodes", namespaced: false, verbs: ["get", "list"] },
    { kind: "PodMetrics", resource: "pods", verbs: ["get", "list"] },
  ]),
  ...define("networking.k8s.io", "v1", [
    { kind: "IngressClass", namespaced: false },
    { kind: "Ingress", short: ["ing"], sub: [STATUS] },
    { kind: "IPAddress", namespaced: false, short: ["ip"] },
    { kind: "NetworkPolicy", resource: "networkpolicies", short: ["netpol"] },
    { kind: "ServiceCIDR", namespaced: false, sub: [STATUS] },
  ]),
  ...define("node.k8s.io", "v1", [{ kind: "RuntimeClass", namespaced: false }]),
  ...define("policy", "v1", [{ kind: "PodDisruptionBudget", short: ["pdb"], sub: [STATUS] }]),
  ...define("rbac.authorization.k8s.io", "v1", [
    { kind: "ClusterRoleBinding", namespaced: false },
    { kind: "ClusterRole", namespaced: false },
    { kind: "RoleBinding" },
    { kind: "Role" },
  ]),
  // Only v1 is served by default in 1.35: v1beta1 and v1beta2 are beta versions, off by default.
  ...define("resource.k8s.io", "v1", [
    { kind: "DeviceClass", namespaced: false },
    { kind: "ResourceClaim", sub: [STATUS] },
    { kind: "ResourceClaimTemplate" },
    { kind: "ResourceSlice", namespaced: false },
  ]),
  ...define("scheduling.k8s.io", "v1", [{ kind: "PriorityClass", namespaced: false, short: ["pc"] }]),
  ...define("storage.k8s.io", "v1", [
    { kind: "CSIDriver", namespaced: false },
    { kind: "CSINode", namespaced: false },
    { kind: "CSIStorageCapacity" },
    { kind: "StorageClass", namespaced: false, short: ["sc"] },
    { kind: "VolumeAttachment", namespaced: false, sub: [STATUS] },
    { kind: "VolumeAttributesClass", namespaced: false, short: ["vac"] },
  ]),
]

/** `group/version`, or `version` for the core group. */
export function groupVersion(ref: { readonly group: string; readonly version: string }): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version
}

/** The resource named by group, version and plural, if k8ts serves it. */
export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return BUILTIN_RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource)
}

function ref<T extends ApiObject>(group: string, version: string, resource: string): ResourceInfo<T> {
  const r = findResource(group, version, resource)
  if (!r) throw new TypeError(`Unknown built-in resource "${resource}" in "${group}/${version}"`)
  return r as ResourceInfo<T>
}

import type * as core from "kubernetes-types/core/v1.js"
import type * as apps from "kubernetes-types/apps/v1.js"
import type * as batch from "kubernetes-types/batch/v1.js"
import type * as certificates from "kubernetes-types/certificates/v1.js"
import type * as coordination from "kubernetes-types/coordination/v1.js"
import type * as discovery from "kubernetes-types/discovery/v1.js"
import type * as eventsv1 from "kubernetes-types/events/v1.js"
import type * as autoscaling from "kubernetes-types/autoscaling/v2.js"
import type * as apiextensions from "kubernetes-types/apiextensions/v1.js"
import type * as policy from "kubernetes-types/policy/v1.js"
import type * as rbac from "kubernetes-types/rbac/v1.js"
import type * as storage from "kubernetes-types/storage/v1.js"
import type * as nodev1 from "kubernetes-types/node/v1.js"

import type * as apiregistration from "./apiservice.ts"
import type * as networking from "./service-cidr.ts"
import type * as dra from "./dra.ts"
import type * as metrics from "./resource-metrics.ts"
type Obj<T> = T & ApiObject

export const Namespaces = ref<Obj<core.Namespace>>("", "v1", "namespaces")
export const PersistentVolumes = ref<Obj<core.PersistentVolume>>("", "v1", "persistentvolumes")
export const PersistentVolumeClaims = ref<Obj<core.PersistentVolumeClaim>>("", "v1", "persistentvolumeclaims")
export const StorageClasses = ref<Obj<storage.StorageClass>>("storage.k8s.io", "v1", "storageclasses")
export const Pods = ref<Obj<core.Pod>>("", "v1", "pods")
export const Nodes = ref<Obj<core.Node>>("", "v1", "nodes")
export const RuntimeClasses = ref<Obj<nodev1.RuntimeClass>>("node.k8s.io", "v1", "runtimeclasses")
export const Services = ref<Obj<core.Service>>("", "v1", "services")
export const Endpoints = ref<Obj<core.Endpoints>>("", "v1", "endpoints")
export const ConfigMaps = ref<Obj<core.ConfigMap>>("", "v1", "configmaps")
export const Secrets = ref<Obj<core.Secret>>("", "v1", "secrets")
export const Events = ref<Obj<core.Event>>("", "v1", "events")
/** Events through the events.k8s.io API (the same stored objects as Events, another shape). */
export const EventsV1 = ref<Obj<eventsv1.Event>>("events.k8s.io", "v1", "events")
export const ServiceAccounts = ref<Obj<core.ServiceAccount>>("", "v1", "serviceaccounts")
export const ResourceQuotas = ref<Obj<core.ResourceQuota>>("", "v1", "resourcequotas")
export const LimitRanges = ref<Obj<core.LimitRange>>("", "v1", "limitranges")
export const ReplicationControllers = ref<Obj<core.ReplicationController>>("", "v1", "replicationcontrollers")
export const Deployments = ref<Obj<apps.Deployment>>("apps", "v1", "deployments")
export const ReplicaSets = ref<Obj<apps.ReplicaSet>>("apps", "v1", "replicasets")
export const StatefulSets = ref<Obj<apps.StatefulSet>>("apps", "v1", "statefulsets")
export const DaemonSets = ref<Obj<apps.DaemonSet>>("apps", "v1", "daemonsets")
export const ControllerRevisions = ref<Obj<apps.ControllerRevision>>("apps", "v1", "controllerrevisions")
export const Jobs = ref<Obj<batch.Job>>("batch", "v1", "jobs")
export const CronJobs = ref<Obj<batch.CronJob>>("batch", "v1", "cronjobs")
export const CertificateSigningRequests = ref<Obj<certificates.CertificateSigningRequest>>(
  "certificates.k8s.io",
  "v1",
  "certificatesigningrequests",
)
/** Read-only: the API server answers it from health probes; nothing stores ComponentStatuses. */
export const ComponentStatuses = ref<Obj<core.ComponentStatus>>("", "v1", "componentstatuses")
export const ClusterRoles = ref<Obj<rbac.ClusterRole>>("rbac.authorization.k8s.io", "v1", "clusterroles")
export const Leases = ref<Obj<coordination.Lease>>("coordination.k8s.io", "v1", "leases")
export const PodDisruptionBudgets = ref<Obj<policy.PodDisruptionBudget>>(
  "policy",
  "v1",
  "poddisruptionbudgets",
)
export const EndpointSlices = ref<Obj<discovery.EndpointSlice>>("discovery.k8s.io", "v1", "endpointslices")
export const HorizontalPodAutoscalers = ref<Obj<autoscaling.HorizontalPodAutoscaler>>(
  "autoscaling",
  "v2",
  "horizontalpodautoscalers",
)
export const CustomResourceDefinitions = ref<Obj<apiextensions.CustomResourceDefinition>>(
  "apiextensions.k8s.io",
  "v1",
  "customresourcedefinitions",
)
/** metrics.k8s.io NodeMetrics (get and list only). */
export const NodeMetricses = ref<Obj<metrics.NodeMetrics>>("metrics.k8s.io", "v1beta1", "nodes")
/** metrics.k8s.io PodMetrics (get and list only). */
export const PodMetricses = ref<Obj<metrics.PodMetrics>>("metrics.k8s.io", "v1beta1", "pods")
/** apiregistration.k8s.io APIServices: which server answers each group version. */
export const APIServices = ref<Obj<apiregistration.APIService>>("apiregistration.k8s.io", "v1", "apiservices")
/** networking.k8s.io ServiceCIDRs: the ranges ClusterIPs are allocated from. */
export const ServiceCIDRs = ref<Obj<networking.ServiceCIDR>>("networking.k8s.io", "v1", "servicecidrs")
/** networking.k8s.io IPAddresses: one per address in use, named by it. */
export const IPAddresses = ref<Obj<networking.IPAddress>>("networking.k8s.io", "v1", "ipaddresses")
/** resource.k8s.io DeviceClasses: the kinds of device claims ask for. */
export const DeviceClasses = ref<Obj<dra.DeviceClass>>("resource.k8s.io", "v1", "deviceclasses")
/** resource.k8s.io ResourceClaims: devices a pod needs, and what was allocated for them. */
export const ResourceClaims = ref<Obj<dra.ResourceClaim>>("resource.k8s.io", "v1", "resourceclaims")
/** resource.k8s.io ResourceClaimTemplates: the claims made for each pod that references one. */
export const ResourceClaimTemplates = ref<Obj<dra.ResourceClaimTemplate>>(
  "resource.k8s.io",
  "v1",
  "resourceclaimtemplates",
)
/** resource.k8s.io ResourceSlices: the devices drivers publish. */
export const ResourceSlices = ref<Obj<dra.ResourceSlice>>("resource.k8s.io", "v1", "resourceslices")
