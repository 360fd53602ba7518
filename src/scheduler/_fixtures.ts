/** Builders for scheduler tests: pods, nodes, a cache-backed snapshot and a framework. */
import type { Node, Pod, PodSpec, Taint } from "kubernetes-types/core/v1.js"
import { resolveProfile, type KubeSchedulerProfile } from "./config.ts"
import { SchedulerCache } from "./cache.ts"
import { CycleState } from "./framework/cycle-state.ts"
import { newPodInfo, type PodInfo } from "./framework/pod-info.ts"
import { Framework, type FrameworkHandle } from "./framework/runner.ts"
import type { Handle } from "./framework/types.ts"
import { inTreePlugins } from "./plugins/registry.ts"

let serial = 0

/** A pod; `requests` go on one container. */
export function makePod(
  name: string,
  opts: {
    requests?: Record<string, string>
    labels?: Record<string, string>
    spec?: Partial<PodSpec>
    namespace?: string
    node?: string
    priority?: number
  } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: opts.namespace ?? "default",
      uid: `uid-${name}-${serial++}`,
      labels: opts.labels ?? {},
      creationTimestamp: new Date(1_700_000_000_000 + serial * 1000).toISOString(),
    },
    spec: {
      containers: [
        { name: "c", image: "busybox", resources: opts.requests ? { requests: opts.requests } : {} },
      ],
      ...(opts.node ? { nodeName: opts.node } : {}),
      ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
      ...opts.spec,
    },
  }
}

/** A node with allocatable `capacity` (default 4 cpu, 16Gi, 110 pods), labels and taints. */
export function makeNode(
  name: string,
  opts: {
    capacity?: Record<string, string>
    labels?: Record<string, string>
    taints?: Taint[]
    unschedulable?: boolean
  } = {},
): Node {
  const allocatable = opts.capacity ?? { cpu: "4", memory: "16Gi", pods: "110", "ephemeral-storage": "100Gi" }
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...opts.labels } },
    spec: {
      ...(opts.taints ? { taints: opts.taints } : {}),
      ...(opts.unschedulable ? { unschedulable: true } : {}),
    },
    status: { allocatable, capacity: allocatable },
  }
}

/** A cache holding the nodes and the bound pods. */
export function cacheOf(nodes: readonly Node[], pods: readonly Pod[] = []): SchedulerCache {
  const cache = new SchedulerCache()
  for (const n of nodes) cache.setNode(n)
  for (const p of pods) cache.setPod(p)
  return cache
}

/** A handle over a cache, with the profile's filters when `fwk` is given later. */
export function handleOf(cache: SchedulerCache, extra: Partial<FrameworkHandle> = {}): Handle {
  return {
    snapshot: cache,
    runFilters: () => ({ code: "Success", reasons: [] }),
    runFiltersWithNominated: () => ({ code: "Success", reasons: [] }),
    runPreFilters: () => ({ code: "Success", reasons: [] }),
    runPreFilterAddPod: () => ({ code: "Success", reasons: [] }),
    runPreFilterRemovePod: () => ({ code: "Success", reasons: [] }),
    ...extra,
  }
}

/** A framework with the default plugins (or `profile`) over a cache. */
export function frameworkOf(
  cache: SchedulerCache,
  profile: KubeSchedulerProfile = {},
  extra: Partial<FrameworkHandle> = {},
): Framework {
  return new Framework(resolveProfile(profile), inTreePlugins, { snapshot: cache, ...extra })
}

/** A fresh state and the PodInfo of `pod`. */
export function cycle(pod: Pod): { state: CycleState; pi: PodInfo } {
  return { state: new CycleState(), pi: newPodInfo(pod) }
}
