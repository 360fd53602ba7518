/**
 * Per-kind behaviour of the generic registry (upstream's RESTCreateStrategy/RESTUpdateStrategy):
 * which fields the server owns on create, how spec and status writes keep each other's fields,
 * which kinds track metadata.generation, and how deletes behave.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  type APIService,
  generateJobSelector,
  isPodTerminal,
  qosClass,
  type ResourceInfo,
  setNamespaceNameLabel,
} from "../../api/index.ts"
import { jsonEqual } from "../../util/index.ts"
import type { UserInfo } from "../http.ts"
import { prepareApiServiceForCreate } from "./apiservice.ts"
import { prepareCsrForCreate, prepareCsrForUpdate } from "./certificates.ts"
import { prepareCrdForCreate, prepareCrdForUpdate } from "./crd.ts"
import { prepareNamespaceForCreate } from "./namespace.ts"
import { templateGenerationOnCreate, templateGenerationOnUpdate } from "./daemonset-template-generation.ts"
import { dropDisabledFields } from "./disabled-fields.ts"
import { dropDisabledDraFields } from "./dra-disabled-fields.ts"
import { dropDeallocatedDevices } from "./claim-deallocated-devices.ts"
import { preserveObservedGeneration } from "./pod-observed-generation.ts"
import { onlyEphemeralContainers, onlyResize } from "./pod-subresource-writes.ts"
import { dropTypeDependentFields } from "./service-type-change.ts"

/** Kinds whose metadata.generation counts spec changes (upstream strategies that set it). */
const TRACKS_GENERATION = new Set([
  "/Pod",
  "/ReplicationController",
  "apps/Deployment",
  "apps/ReplicaSet",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "apps/StatefulSet",
  "apps/DaemonSet",
  "batch/Job",
  "batch/CronJob",
  "autoscaling/HorizontalPodAutoscaler",
  "policy/PodDisruptionBudget",
  "networking.k8s.io/Ingress",
  "networking.k8s.io/NetworkPolicy",
  "scheduling.k8s.io/PriorityClass",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
  "flowcontrol.apiserver.k8s.io/FlowSchema",
  "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
  "storage.k8s.io/CSIDriver",
  "resource.k8s.io/DeviceClass",
  "resource.k8s.io/ResourceSlice",
])

/**
 * Status fields Go always serializes (non-omitempty), so clients that require them find them;
 * given the version the object is written at.
 */
const INITIAL_STATUS: Record<string, (version: string) => Record<string, unknown>> = {
  "/ReplicationController": () => ({ replicas: 0 }),
  "apps/ReplicaSet": () => ({ replicas: 0 }),
  "apps/StatefulSet": () => ({ replicas: 0, availableReplicas: 0 }),
  "apps/DaemonSet": () => ({
    currentNumberScheduled: 0,
    desiredNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
  }),
  // v2's currentReplicas is omitempty, v1's is not.
  "autoscaling/HorizontalPodAutoscaler": (version) =>
    version === "v1" ? { currentReplicas: 0, desiredReplicas: 0 } : { desiredReplicas: 0 },
  "policy/PodDisruptionBudget": () => ({
    disruptionsAllowed: 0,
    currentHealthy: 0,
    desiredHealthy: 0,
    expectedPods: 0,
  }),
  "/Namespace": () => ({ phase: "Active" }),
  "/PersistentVolume": () => ({ phase: "Pending" }),
  "/PersistentVolumeClaim": () => ({ phase: "Pending" }),
  "/Service": () => ({ loadBalancer: {} }),
  "/ResourceQuota": () => ({}),
  "networking.k8s.io/Ingress": () => ({ loadBalancer: {} }),
  "apps/Deployment": () => ({}),
  "batch/Job": () => ({}),
  "batch/CronJob": () => ({}),
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy": () => ({}),
  "flowcontrol.apiserver.k8s.io/FlowSchema": () => ({}),
  "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration": () => ({}),
  "storage.k8s.io/VolumeAttachment": () => ({ attached: false }),
  "apiregistration.k8s.io/APIService": () => ({}),
  "resource.k8s.io/ResourceClaim": () => ({}),
}

/**
 * Kinds whose client may set status on create, and whose main-resource writes keep the status
 * written (upstream's strategies for these leave status alone).
 */
const STATUS_ON_CREATE = new Set([
  "/Node",
  "/Event",
  "coordination.k8s.io/Lease",
  "networking.k8s.io/ServiceCIDR",
])

const CRD = "apiextensions.k8s.io/CustomResourceDefinition"

function kindKey(info: ResourceInfo): string {
  return `${info.group}/${info.kind}`
}

/** Kinds whose generateName is the name as it is (upstream's IPAddress strategy adds nothing). */
const NAME_AS_GENERATED = new Set(["networking.k8s.io/IPAddress"])

/** The name of an object created with `generateName` and no name. */
export function nameFromGenerateName(
  info: ResourceInfo,
  base: string,
  generate: (b: string) => string,
): string {
  return NAME_AS_GENERATED.has(kindKey(info)) ? base : generate(base)
}

/** True when the resource has a status subresource (spec and status are written apart). */
export function hasStatus(info: ResourceInfo): boolean {
  return info.subresources.some((s) => s.name === "status")
}

/** True when the kind counts spec changes in metadata.generation. */
export function tracksGeneration(info: ResourceInfo): boolean {
  return !!info.custom || TRACKS_GENERATION.has(kindKey(info))
}

type Obj = ApiObject & { spec?: any; status?: any }

/** What a create's strategy may ask of its request (upstream's context). */
export interface CreateContext {
  /** The create's timestamp, RFC 3339: the object's creationTimestamp. */
  readonly now: string
  /** Who asked for the create (absent for the server's own writes). */
  readonly user?: UserInfo
}

/**
 * Resets the fields the server owns on create (status, generation) and sets what the kind's
 * strategy sets (upstream's PrepareForCreate): it runs once mutating admission is done and the
 * object has its name and uid (its creationTimestamp, `ctx.now`, is set after, in Go's field
 * order). Mutates `obj`.
 */
export function prepareForCreate(info: ResourceInfo, obj: Obj, ctx: CreateContext): void {
  const key = kindKey(info)
  if (hasStatus(info) && !STATUS_ON_CREATE.has(key)) {
    const initial = INITIAL_STATUS[key]
    if (key === "/Pod") obj.status = initialPodStatus(obj as Pod, ctx.now)
    else if (initial) obj.status = initial(info.version)
    else delete obj.status
  }
  if (tracksGeneration(info) && obj.metadata) obj.metadata.generation = 1
  else if (obj.metadata) delete obj.metadata.generation
  if (key === "apps/DaemonSet") templateGenerationOnCreate(obj)
  else if (key === "batch/Job") generateJobSelector(obj as never)
  else if (key === "apiregistration.k8s.io/APIService") prepareApiServiceForCreate(obj as APIService, ctx.now)
  else if (key === "certificates.k8s.io/CertificateSigningRequest")
    prepareCsrForCreate(obj as never, ctx.user)
  else if (key === "/Namespace") prepareNamespaceForCreate(obj as never)
  else if (key === CRD) prepareCrdForCreate(obj as never)
  dropDisabledFields(key, obj)
  dropDisabledDraFields(key, obj)
}

/** The message of the condition a pod created with scheduling gates gets (upstream's). */
export const SCHEDULING_GATED_MESSAGE = "Scheduling is blocked due to non-empty scheduling gates"

/**
 * A new pod's status: Pending, its QoS class (from the resources mutating admission left, as
 * LimitRanger may have defaulted them), and PodScheduled=False SchedulingGated when it has
 * scheduling gates (upstream's applySchedulingGatedCondition), so clients see why it waits.
 */
function initialPodStatus(pod: Pod, now: string): Pod["status"] {
  const status: NonNullable<Pod["status"]> = { phase: "Pending" }
  if (pod.spec?.schedulingGates?.length) {
    status.conditions = [
      {
        type: "PodScheduled",
        status: "False",
        lastProbeTime: null as never,
        lastTransitionTime: now,
        reason: "SchedulingGated",
        message: SCHEDULING_GATED_MESSAGE,
      },
    ]
  }
  status.qosClass = qosClass(pod)
  return status
}

/**
 * Whether what a generation counts is the same in both: all but metadata (and status, unless a
 * custom resource without the status subresource), whatever the order of its keys.
 */
function sameSpec(a: Obj, b: Obj, withStatus: boolean): boolean {
  const counted = (o: Obj) => {
    const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = o
    return withStatus ? { ...rest, status } : rest
  }
  return jsonEqual(counted(a), counted(b))
}

/**
 * Keeps what a write may not change: a spec write keeps the old status, a status write keeps
 * the old spec and the old metadata except resourceVersion (from `copyOfOld`, whose top level and
 * metadata are copied, never changed).
 * Bumps generation on spec changes, and sets what the kind's strategy sets (upstream's
 * PrepareForUpdate); `now` is the time of the write.
 */
export function prepareForUpdate(
  info: ResourceInfo,
  next: Obj,
  old: Obj,
  subresource: string,
  now: () => string,
  copyOfOld: () => Obj = () => structuredClone(old),
): Obj {
  const prepared = genericUpdate(info, next, old, subresource, copyOfOld)
  const key = kindKey(info)
  if (key === "certificates.k8s.io/CertificateSigningRequest") {
    prepareCsrForUpdate(prepared as never, old as never, subresource, now)
  } else if (key === "/Namespace") setNamespaceNameLabel(prepared as never)
  else if (key === CRD && subresource === "") prepareCrdForUpdate(prepared as never)
  return prepared
}

/** What prepareForUpdate does for every kind. */
function genericUpdate(
  info: ResourceInfo,
  next: Obj,
  old: Obj,
  subresource: string,
  copyOfOld: () => Obj,
): Obj {
  if (subresource !== "" && subresource !== "status")
    return subresourceWrite(info, next, old, subresource, copyOfOld)
  if (hasStatus(info)) {
    if (subresource === "status") next = statusWrite(info, next, old, copyOfOld)
    else if (!STATUS_ON_CREATE.has(kindKey(info))) {
      if (old.status === undefined) delete next.status
      else next.status = old.status
    }
  }
  if (subresource === "" && isService(info)) dropTypeDependentFields(next, old)
  if (subresource === "" && kindKey(info) === "apps/DaemonSet") templateGenerationOnUpdate(next, old)
  if (subresource === "") dropDisabledFields(kindKey(info), next, old)
  if (subresource === "" || subresource === "status") dropDisabledDraFields(kindKey(info), next, old)
  setGeneration(info, next, old, subresource)
  return next
}

/**
 * A write of another subresource than status: a pod's ephemeralcontainers and resize keep what
 * they may change of the body (generation counting it); the others (binding, finalize, scale)
 * are written by the server itself, field by field.
 */
function subresourceWrite(
  info: ResourceInfo,
  next: Obj,
  old: Obj,
  subresource: string,
  copyOfOld: () => Obj,
): Obj {
  if (subresource === "ephemeralcontainers" || subresource === "resize") {
    const kept = (subresource === "resize" ? onlyResize : onlyEphemeralContainers)(next, copyOfOld)
    setGeneration(info, kept, old, subresource)
    return kept
  }
  if (old.metadata?.generation !== undefined && next.metadata)
    next.metadata.generation = old.metadata.generation
  return next
}

/** A status write: the written status over the stored object, its uid and managedFields. */
function statusWrite(info: ResourceInfo, written: Obj, old: Obj, copyOfOld: () => Obj): Obj {
  const { status } = written
  const managedFields = written.metadata?.managedFields
  // The uid written stays, as upstream's status strategies keep it: another object's is refused.
  const uid = written.metadata?.uid
  const next: Obj = { ...copyOfOld(), status }
  if (status === undefined) delete next.status
  // A client that leaves them unset (an older one) keeps the kubelet's and writers' generations.
  else if (kindKey(info) === "/Pod") next.status = podStatusWrite(status, old.status)
  else if (kindKey(info) === "resource.k8s.io/ResourceClaim") dropDeallocatedDevices(next, old)
  // managedFields are the field manager's (an apply to /status computed them already).
  next.metadata = { ...next.metadata, resourceVersion: next.metadata?.resourceVersion }
  if (uid) next.metadata.uid = uid
  if (managedFields) next.metadata.managedFields = managedFields
  else delete next.metadata.managedFields
  return next
}

/**
 * A pod's status as written, with what upstream's pod status strategy backfills: the QoS class
 * (set on create; a client that drops it keeps it) and the observed generations left unset.
 */
function podStatusWrite(status: any, old: any): any {
  const next = preserveObservedGeneration(status, old)
  return !next.qosClass && old?.qosClass ? { ...next, qosClass: old.qosClass } : next
}

/** Whether `info` is the core Service kind (its creates reserve addresses by name). */
export function isService(info: ResourceInfo): boolean {
  return info.group === "" && info.kind === "Service"
}

/** Keeps metadata.generation, one higher when a main-resource write changed what it counts. */
function setGeneration(info: ResourceInfo, next: Obj, old: Obj, subresource: string): void {
  const meta = next.metadata ?? (next.metadata = {})
  if (!tracksGeneration(info)) {
    delete meta.generation
    return
  }
  const gen = old.metadata?.generation ?? 1
  const withStatus = !!info.custom && !hasStatus(info)
  const counted = subresource === "" || subresource === "ephemeralcontainers" || subresource === "resize"
  meta.generation = counted && !sameSpec(next, old, withStatus) ? gen + 1 : gen
}

/** Kinds whose DELETE answers with the deleted object rather than a Status. */
const RETURNS_OBJECT = new Set([
  "/Pod",
  "/Service",
  "/Namespace",
  "/Node",
  "/PersistentVolume",
  "/PersistentVolumeClaim",
  "resource.k8s.io/DeviceClass",
  "resource.k8s.io/ResourceClaim",
  "resource.k8s.io/ResourceClaimTemplate",
  "resource.k8s.io/ResourceSlice",
])

/** True when a DELETE of this kind returns the object itself. */
export function returnsDeletedObject(info: ResourceInfo): boolean {
  return RETURNS_OBJECT.has(kindKey(info))
}

/**
 * The grace period a delete gets when the client gave none (pods: their
 * terminationGracePeriodSeconds; 0 when the pod never ran on a node or has finished).
 */
export function defaultGracePeriod(info: ResourceInfo, obj: Obj, requested: number | undefined): number {
  if (kindKey(info) !== "/Pod") return 0
  if (!obj.spec?.nodeName || isPodTerminal(obj as Pod)) return 0
  const grace = requested ?? obj.spec?.terminationGracePeriodSeconds ?? 30
  return Math.max(0, grace)
}

/** An object being deleted whose finalizers are all gone is removed by the update that cleared them. */
export function shouldDeleteDuringUpdate(obj: ApiObject & { spec?: any; kind?: string }): boolean {
  const meta = obj.metadata
  if (!meta?.deletionTimestamp) return false
  if (meta.finalizers?.length) return false
  if (obj.kind === "Namespace" && obj.spec?.finalizers?.length) return false
  if (obj.kind === "Pod" && (meta.deletionGracePeriodSeconds ?? 0) > 0) return false
  return true
}
