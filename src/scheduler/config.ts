/**
 * KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1), the parts k8ts reads: profiles
 * with plugins enabled, disabled and weighted per extension point or through multiPoint,
 * pluginConfig args, percentageOfNodesToScore and the pod backoff bounds. Loaded from YAML.
 */
import { readFileSync } from "node:fs"
import { parse } from "yaml"
import { GO_YAML } from "../util/index.ts"

/** The extension points a profile configures. */
export const EXTENSION_POINTS = [
  "queueSort",
  "preFilter",
  "filter",
  "postFilter",
  "preScore",
  "score",
  "reserve",
  "preBind",
  "bind",
] as const
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number]

/** A plugin named in a profile, with its score weight. */
export interface PluginRef {
  readonly name: string
  readonly weight?: number
}

/** Enabled and disabled plugins of one extension point ("*" disables every default). */
export interface PluginSet {
  readonly enabled?: readonly PluginRef[]
  readonly disabled?: readonly PluginRef[]
}

/** A profile's plugins: multiPoint, then per extension point. */
export type Plugins = { readonly multiPoint?: PluginSet } & { readonly [P in ExtensionPoint]?: PluginSet }

/** One scheduler profile. */
export interface KubeSchedulerProfile {
  readonly schedulerName?: string
  readonly percentageOfNodesToScore?: number
  readonly plugins?: Plugins
  readonly pluginConfig?: readonly { readonly name: string; readonly args?: Record<string, unknown> }[]
}

/** The configuration file. */
export interface KubeSchedulerConfiguration {
  readonly apiVersion?: string
  readonly kind?: string
  /** 0 (the default) means adaptive: 50% minus one per 125 nodes, at least 5%. */
  readonly percentageOfNodesToScore?: number
  readonly podInitialBackoffSeconds?: number
  readonly podMaxBackoffSeconds?: number
  readonly profiles?: readonly KubeSchedulerProfile[]
}

/** The scheduler name pods get by default. */
export const DEFAULT_SCHEDULER_NAME = "default-scheduler"

/** Upstream's default multiPoint plugins (the ones k8ts has), in order, with score weights. */
export const DEFAULT_PLUGINS: readonly PluginRef[] = [
  { name: "PrioritySort" },
  { name: "NodeUnschedulable" },
  { name: "NodeName" },
  { name: "TaintToleration", weight: 3 },
  { name: "NodeAffinity", weight: 2 },
  { name: "NodePorts" },
  { name: "NodeResourcesFit", weight: 1 },
  { name: "VolumeBinding" },
  { name: "PodTopologySpread", weight: 2 },
  { name: "InterPodAffinity", weight: 2 },
  { name: "DefaultPreemption" },
  { name: "NodeResourcesBalancedAllocation", weight: 1 },
  { name: "DefaultBinder" },
]

/** A profile with its plugin lists worked out. */
export interface ResolvedProfile {
  readonly schedulerName: string
  readonly percentageOfNodesToScore: number
  /** The plugins to build, each with its score weight. */
  readonly plugins: readonly Required<PluginRef>[]
  /** The plugins enabled at every extension point they implement (multiPoint). */
  readonly multiPoint: readonly string[]
  /** Per extension point: plugins only enabled there, and those disabled there. */
  readonly points: Readonly<
    Record<ExtensionPoint, { enabled: readonly string[]; disabled: ReadonlySet<string> }>
  >
  readonly args: ReadonlyMap<string, Record<string, unknown>>
}

function applySet(list: Required<PluginRef>[], set: PluginSet | undefined): Required<PluginRef>[] {
  if (!set) return list
  const disabled = new Set((set.disabled ?? []).map((p) => p.name))
  let out = disabled.has("*") ? [] : list.filter((p) => !disabled.has(p.name))
  for (const p of set.enabled ?? []) {
    out = out.filter((q) => q.name !== p.name)
    out.push({ name: p.name, weight: p.weight || 1 })
  }
  return out
}

/** Resolves one profile against the defaults. */
export function resolveProfile(
  profile: KubeSchedulerProfile,
  config: KubeSchedulerConfiguration = {},
): ResolvedProfile {
  const defaults = DEFAULT_PLUGINS.map((p) => ({ name: p.name, weight: p.weight ?? 1 }))
  let plugins = applySet(defaults, profile.plugins?.multiPoint)
  const multiPoint = plugins.map((p) => p.name)
  const points = {} as Record<ExtensionPoint, { enabled: string[]; disabled: Set<string> }>
  for (const point of EXTENSION_POINTS) {
    const set = profile.plugins?.[point]
    const enabled = (set?.enabled ?? []).map((p) => p.name)
    points[point] = { enabled, disabled: new Set((set?.disabled ?? []).map((p) => p.name)) }
    for (const p of set?.enabled ?? []) {
      const known = plugins.find((q) => q.name === p.name)
      // A weight given at the score point wins over the multiPoint one.
      if (!known) plugins = [...plugins, { name: p.name, weight: p.weight || 1 }]
      else if (point === "score" && p.weight)
        plugins = plugins.map((q) => (q === known ? { ...q, weight: p.weight ?? 1 } : q))
    }
  }
  return {
    schedulerName: profile.schedulerName ?? DEFAULT_SCHEDULER_NAME,
    percentageOfNodesToScore: profile.percentageOfNodesToScore ?? config.percentageOfNodesToScore ?? 0,
    plugins,
    multiPoint,
    points,
    args: new Map((profile.pluginConfig ?? []).map((c) => [c.name, c.args ?? {}])),
  }
}

/** The profiles of `config` (one default profile when it names none). */
export function resolveProfiles(config: KubeSchedulerConfiguration = {}): ResolvedProfile[] {
  const profiles = config.profiles?.length ? config.profiles : [{}]
  const resolved = profiles.map((p) => resolveProfile(p, config))
  const names = new Set<string>()
  for (const p of resolved) {
    if (names.has(p.schedulerName))
      throw new TypeError(`Cannot use scheduler config: profile "${p.schedulerName}" is defined twice`)
    names.add(p.schedulerName)
  }
  return resolved
}

/**
 * Reads a KubeSchedulerConfiguration from a YAML (or JSON) file and checks its profiles resolve.
 * @throws TypeError when the file cannot be read or is not a usable KubeSchedulerConfiguration
 */
export function loadSchedulerConfig(path: string): KubeSchedulerConfiguration {
  let doc: KubeSchedulerConfiguration | null
  try {
    doc = parse(readFileSync(path, "utf8"), GO_YAML) as KubeSchedulerConfiguration | null
  } catch (err) {
    throw new TypeError(`Cannot read scheduler config "${path}": ${(err as Error).message}`)
  }
  if (!doc || typeof doc !== "object" || (doc.kind && doc.kind !== "KubeSchedulerConfiguration")) {
    throw new TypeError(`Cannot read scheduler config "${path}": not a KubeSchedulerConfiguration`)
  }
  resolveProfiles(doc)
  return doc
}
