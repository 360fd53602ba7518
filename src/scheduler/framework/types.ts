/**
 * The scheduling framework's contract (upstream's kube-scheduler framework, simplified): one
 * small interface per extension point, the snapshot plugins read, and the handle they get.
 * Plugins return a Status and never throw; the runner turns stray exceptions into "Error".
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js"
import type { StorageClass } from "kubernetes-types/storage/v1.js"
import type { Client, EventsV1Recorder } from "../../client/index.ts"
import type { Clock } from "../../util/index.ts"
import type { CycleState } from "./cycle-state.ts"
import type { NodeInfo } from "./node-info.ts"
import type { PodInfo } from "./pod-info.ts"
import type { Status } from "./status.ts"

/** The highest score a plugin gives a node. */
export const MAX_NODE_SCORE = 100
/** The lowest. */
export const MIN_NODE_SCORE = 0

/** Every plugin has a name, upstream's, e.g. "NodeResourcesFit". */
export interface Plugin {
  readonly name: string
}

/** A pod waiting in the scheduling queue. */
export interface QueuedPodInfo {
  readonly podInfo: PodInfo
  /** When it first entered the queue (ms). */
  readonly initialAttemptTimestamp: number
  /** When it was last added to the active queue (ms). */
  timestamp: number
  attempts: number
  /** Plugins that rejected it last time. */
  unschedulablePlugins: Set<string>
}

/** Orders the active queue. */
export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean
}

/** What a pre-filter may add to its status: the only nodes worth filtering. */
export interface PreFilterResult {
  readonly status: Status
  readonly nodeNames?: ReadonlySet<string>
}

/** Computes per-pod state once before the filters run. */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo): PreFilterResult
  /**
   * Upstream's PreFilterExtensions, for plugins whose pre-filter state counts other pods:
   * update `state` (copy on write: clones share values) as if `other` were added to or removed
   * from `node`, so preemption's what-if and nominated pods are seen by the filter.
   */
  addPod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): Status
  removePod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): Status
}

/** Decides whether the pod can run on one node. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status
}

/** What a post-filter achieved: maybe a node nominated for the pod. */
export interface PostFilterResult {
  readonly status: Status
  readonly nominatedNodeName?: string
}

/** Runs when no node fits (preemption). */
export interface PostFilterPlugin extends Plugin {
  postFilter(
    state: CycleState,
    pod: PodInfo,
    statuses: ReadonlyMap<string, Status>,
    signal: AbortSignal,
  ): Promise<PostFilterResult>
}

/** Computes per-pod state once before scoring; "Skip" skips its score. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status
}

/** Ranks a feasible node from MIN_NODE_SCORE to MAX_NODE_SCORE (after normalizeScore). */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number
  /** Rescales the raw scores (aligned with `nodes`) into 0..100 in place. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: number[], nodes: readonly NodeInfo[]): void
}

/** Holds or releases resources for the pod on the chosen node. */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void
}

/** Makes the API writes a binding depends on (volumes), after reserve and before bind. */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status>
}

/** Writes the decision to the API. "Skip" hands it to the next binder. */
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status>
}

/** The cluster state of one cycle, as the plugins read it. */
export interface Snapshot {
  /** Every schedulable-or-not node, in a stable order. */
  list(): readonly NodeInfo[]
  get(name: string): NodeInfo | undefined
  /** The nodes with at least one pod carrying inter-pod (anti-)affinity terms. */
  withAffinityPods(): readonly NodeInfo[]
  /** The nodes with at least one pod carrying required anti-affinity terms. */
  withRequiredAntiAffinityPods(): readonly NodeInfo[]
  /**
   * Calls `fn` for the pods with inter-pod affinity terms (on known nodes) whose terms may select
   * a pod with `labels`: every one whose terms can, maybe a few more (callers match the terms).
   */
  forEachAffinityPod(
    labels: Readonly<Record<string, string>>,
    fn: (pod: PodInfo, node: NodeInfo) => void,
  ): void
  /** Calls `fn` for each pod (on a known node) labelled `key`=`value`. */
  forEachPodWithLabel(key: string, value: string, fn: (pod: PodInfo, node: NodeInfo) => void): void
}

/** What plugins get from the framework. */
export interface Handle {
  readonly snapshot: Snapshot
  /** The API, for binders and preemption; absent in pure tests. */
  readonly client?: Client
  /**
   * Where plugins record Events (preemption): the profile's events.k8s.io recorder, reporting as
   * its scheduler name (upstream's EventRecorder()); absent in pure tests.
   */
  readonly recorder?: EventsV1Recorder
  /** The profile's scheduler name. */
  readonly schedulerName?: string
  /** Time for the timestamps plugins write (default the wall clock). */
  readonly clock?: Clock
  /** Runs the profile's filters against `node` (preemption asks "would it fit without them?"). */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status
  /** Runs the profile's pre-filters again (preemption on a changed node). */
  runPreFilters(state: CycleState, pod: PodInfo): Status
  /**
   * Runs the filters with the pods nominated to `node` of at least the pod's priority counted
   * there first, then without them (upstream's RunFilterPluginsWithNominatedPods).
   */
  runFiltersWithNominated(state: CycleState, pod: PodInfo, node: NodeInfo): Status
  /** Tells the pre-filters that `other` joins `node` (upstream's RunPreFilterExtensionAddPod). */
  runPreFilterAddPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): Status
  /** Tells the pre-filters that `other` leaves `node` (upstream's RunPreFilterExtensionRemovePod). */
  runPreFilterRemovePod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): Status
  /**
   * The label selector upstream's default spreading derives from the Services, ReplicaSets,
   * ReplicationControllers and StatefulSets that select the pod; undefined when none does.
   */
  defaultSpreadSelector?(
    pod: Pod,
  ): ((labels: Readonly<Record<string, string>> | undefined) => boolean) | undefined
  /**
   * The labels of a namespace (from the scheduler's Namespace cache) for affinity terms'
   * namespaceSelector; undefined when the namespace is not known.
   */
  namespaceLabels?(namespace: string): Readonly<Record<string, string>> | undefined
  /** The PodDisruptionBudgets of a namespace (preemption avoids breaking them). */
  disruptionBudgets?(namespace: string): readonly DisruptionBudget[]
  /** Pods nominated to a node by preemption (they count there for pods of lower priority). */
  nominatedPods?(nodeName: string): readonly PodInfo[]
  /** Forgets a pod's nomination (preemption clears lower-priority nominations on its node). */
  forgetNomination?(uid: string): void
  /** Claims, volumes and classes (VolumeBinding); absent in pure tests. */
  readonly volumes?: VolumeLister
}

/** Claims, volumes and StorageClasses as the scheduler's caches hold them (frozen: clone to edit). */
export interface VolumeLister {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined
  volume(name: string): PersistentVolume | undefined
  volumes(): readonly PersistentVolume[]
  storageClass(name: string): StorageClass | undefined
}

/** A PodDisruptionBudget as preemption reads it. */
export interface DisruptionBudget {
  readonly matches: (labels: Readonly<Record<string, string>> | undefined) => boolean
  /** status.disruptionsAllowed. */
  readonly disruptionsAllowed: number
  /** Names of pods already counted as disrupted (status.disruptedPods). */
  readonly disrupted: ReadonlySet<string>
}

/** Builds a plugin from its args (pluginConfig) and the handle. */
export type PluginFactory = (args: Readonly<Record<string, unknown>> | undefined, handle: Handle) => Plugin
