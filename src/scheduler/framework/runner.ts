/**
 * The framework of one profile: builds its plugins from the registry and runs them at each
 * extension point in order, turning stray exceptions into "Error" statuses.
 */
import type { ExtensionPoint, ResolvedProfile } from "../config.ts"
import type { CycleState } from "./cycle-state.ts"
import type { NodeInfo } from "./node-info.ts"
import type { PodInfo } from "./pod-info.ts"
import { errorStatus, isSuccess, success, type Status } from "./status.ts"
import type {
  BindPlugin,
  FilterPlugin,
  Handle,
  Plugin,
  PluginFactory,
  PostFilterPlugin,
  PostFilterResult,
  PreFilterPlugin,
  PreBindPlugin,
  PreFilterResult,
  PreScorePlugin,
  QueueSortPlugin,
  ReservePlugin,
  ScorePlugin,
} from "./types.ts"

/** Plugin factories by name (built in cmd/ or the scheduler, never by import side effects). */
export type Registry = Readonly<Record<string, PluginFactory>>

/** What a Framework needs besides its profile. */
export type FrameworkHandle = Omit<
  Handle,
  "runFilters" | "runFiltersWithNominated" | "runPreFilters" | "runPreFilterAddPod" | "runPreFilterRemovePod"
>

const METHOD: Record<ExtensionPoint, string> = {
  queueSort: "less",
  preFilter: "preFilter",
  filter: "filter",
  postFilter: "postFilter",
  preScore: "preScore",
  score: "score",
  reserve: "reserve",
  preBind: "preBind",
  bind: "bind",
}

/** How many pre-filters the bits of #filtersWithout's key can tell apart. */
const MAX_SKIP_BITS = 30

function fail(plugin: string, err: unknown): Status {
  const s = errorStatus(`running plugin "${plugin}": ${String(err)}`)
  return { ...s, plugin }
}

/** The plugins of one profile, ready to run. */
export class Framework {
  readonly profileName: string
  readonly percentageOfNodesToScore: number
  readonly handle: Handle
  readonly queueSort: QueueSortPlugin | undefined
  readonly preFilters: readonly PreFilterPlugin[]
  readonly filters: readonly FilterPlugin[]
  readonly postFilters: readonly PostFilterPlugin[]
  readonly preScores: readonly PreScorePlugin[]
  readonly scores: readonly { plugin: ScorePlugin; weight: number }[]
  readonly reserves: readonly ReservePlugin[]
  readonly preBinds: readonly PreBindPlugin[]
  readonly binds: readonly BindPlugin[]
  /** The filter lists #filtersWithout built, by the bits of the pre-filters that skipped. */
  readonly #filtersBySkip = new Map<number, readonly FilterPlugin[]>()
  readonly #total: number[] = []
  readonly #scores: number[] = []

  constructor(profile: ResolvedProfile, registry: Registry, handle: FrameworkHandle) {
    this.profileName = profile.schedulerName
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore
    this.handle = {
      ...handle,
      runFilters: (state, pod, node) => this.runFilter(state, pod, node),
      runFiltersWithNominated: (state, pod, node) =>
        this.runFilterWithNominated(state, pod, node, handle.nominatedPods?.(node.name)),
      runPreFilters: (state, pod) => this.runPreFilter(state, pod).status,
      runPreFilterAddPod: (state, pod, other, node) =>
        this.runPreFilterExtension("addPod", state, pod, other, node),
      runPreFilterRemovePod: (state, pod, other, node) =>
        this.runPreFilterExtension("removePod", state, pod, other, node),
    }
    const built = new Map<string, Plugin>()
    const weights = new Map<string, number>()
    const build = (name: string): Plugin => {
      const have = built.get(name)
      if (have) return have
      const factory = registry[name]
      if (!factory)
        throw new TypeError(`Cannot build profile "${profile.schedulerName}": no plugin "${name}"`)
      const p = factory(profile.args.get(name), this.handle)
      built.set(name, p)
      return p
    }
    for (const p of profile.plugins) {
      build(p.name)
      weights.set(p.name, p.weight)
    }
    // A point runs the multiPoint plugins it does not disable, then those enabled only there.
    const at = <T extends Plugin>(point: ExtensionPoint): T[] => {
      const { enabled, disabled } = profile.points[point]
      const kept = disabled.has("*") ? [] : profile.multiPoint.filter((n) => !disabled.has(n))
      const names = [...kept, ...enabled.filter((n) => !kept.includes(n))]
      return names
        .map((n) => build(n))
        .filter((p) => typeof (p as unknown as Record<string, unknown>)[METHOD[point]] === "function") as T[]
    }
    this.queueSort = at<QueueSortPlugin>("queueSort")[0]
    this.preFilters = at("preFilter")
    this.filters = at("filter")
    this.postFilters = at("postFilter")
    this.preScores = at("preScore")
    this.scores = at<ScorePlugin>("score").map((plugin) => ({
      plugin,
      weight: weights.get(plugin.name) ?? 1,
    }))
    this.reserves = at("reserve")
    this.preBinds = at("preBind")
    this.binds = at("bind")
  }

  /** Runs the pre-filters; the node names they allow are intersected. */
  runPreFilter(state: CycleState, pod: PodInfo): PreFilterResult {
    let nodeNames: Set<string> | undefined
    // Which pre-filters skipped, one bit each (when the state skipped nothing before and they fit).
    let skipped = state.skipFilter.size === 0 && this.preFilters.length <= MAX_SKIP_BITS ? 0 : -1
    for (let i = 0; i < this.preFilters.length; i++) {
      const p = this.preFilters[i] as PreFilterPlugin
      let r: PreFilterResult
      try {
        r = p.preFilter(state, pod)
      } catch (err) {
        return { status: fail(p.name, err) }
      }
      if (r.status.code === "Skip") {
        state.skipFilter.add(p.name)
        if (skipped >= 0) skipped |= 1 << i
        continue
      }
      if (!isSuccess(r.status)) return { status: { ...r.status, plugin: p.name } }
      if (r.nodeNames) nodeNames = new Set([...r.nodeNames].filter((n) => !nodeNames || nodeNames.has(n)))
    }
    state.filters = this.#filtersWithout(state, skipped)
    return nodeNames ? { status: success(), nodeNames } : { status: success() }
  }

  /**
   * The filters whose plugins' pre-filters did not skip. The same few combinations come up pod
   * after pod: each is built once, by the bits of the pre-filters that skipped (-1: build anew).
   */
  #filtersWithout(state: CycleState, skipped: number): readonly FilterPlugin[] {
    const have = skipped >= 0 ? this.#filtersBySkip.get(skipped) : undefined
    if (have) return have
    const filters = this.filters.filter((p) => !state.skipFilter.has(p.name))
    if (skipped >= 0) this.#filtersBySkip.set(skipped, filters)
    return filters
  }

  /** Runs one pre-filter extension of every pre-filter that did not skip. */
  runPreFilterExtension(
    which: "addPod" | "removePod",
    state: CycleState,
    pod: PodInfo,
    other: PodInfo,
    node: NodeInfo,
  ): Status {
    for (const p of this.preFilters) {
      const ext = p[which]
      if (!ext || state.skipFilter.has(p.name)) continue
      let s: Status
      try {
        s = ext.call(p, state, pod, other, node)
      } catch (err) {
        return fail(p.name, err)
      }
      if (!isSuccess(s)) return { ...s, plugin: p.name }
    }
    return success()
  }

  /** Runs the filters against one node; the first rejection wins. */
  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const filters = (state.filters as readonly FilterPlugin[] | undefined) ?? this.filters
    // Indexed: this runs for every node of every cycle, and must allocate nothing.
    for (let i = 0; i < filters.length; i++) {
      const p = filters[i] as FilterPlugin
      let s: Status
      try {
        s = p.filter(state, pod, node)
      } catch (err) {
        return fail(p.name, err)
      }
      if (!isSuccess(s)) return s.plugin ? s : { ...s, plugin: p.name }
    }
    return success()
  }

  /**
   * Runs the filters twice when pods of at least the pod's priority are nominated to the node:
   * with them counted there (node and pre-filter state copied), then as the node is; once
   * otherwise (upstream's RunFilterPluginsWithNominatedPods).
   */
  runFilterWithNominated(
    state: CycleState,
    pod: PodInfo,
    node: NodeInfo,
    nominated: readonly PodInfo[] | undefined,
  ): Status {
    // The hot path: no pod is nominated to the node, so nothing is built.
    if (!nominated || nominated.length === 0) return this.runFilter(state, pod, node)
    const others = nominated.filter((p) => p.uid !== pod.uid && p.priority >= pod.priority)
    if (others.length > 0) {
      const s = state.clone()
      const n = node.clone()
      for (const p of others) {
        n.addPod(p)
        const added = this.runPreFilterExtension("addPod", s, pod, p, n)
        if (!isSuccess(added)) return added
      }
      const withThem = this.runFilter(s, pod, n)
      if (!isSuccess(withThem)) return withThem
    }
    return this.runFilter(state, pod, node)
  }

  /** Runs the post-filters until one nominates a node. */
  async runPostFilter(
    state: CycleState,
    pod: PodInfo,
    statuses: ReadonlyMap<string, Status>,
    signal: AbortSignal,
  ): Promise<PostFilterResult> {
    let last: PostFilterResult = { status: { code: "Unschedulable", reasons: [] } }
    for (const p of this.postFilters) {
      try {
        const r = await p.postFilter(state, pod, statuses, signal)
        if (isSuccess(r.status)) return r
        last = { ...r, status: { ...r.status, plugin: p.name } }
        if (r.status.code !== "Unschedulable") return last
      } catch (err) {
        return { status: fail(p.name, err) }
      }
    }
    return last
  }

  /** Runs the pre-scores; a "Skip" leaves that plugin's score out. */
  runPreScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    for (const p of this.preScores) {
      let s: Status
      try {
        s = p.preScore(state, pod, nodes)
      } catch (err) {
        return fail(p.name, err)
      }
      if (s.code === "Skip") state.skipScore.add(p.name)
      else if (!isSuccess(s)) return { ...s, plugin: p.name }
    }
    return success()
  }

  /**
   * Scores every node with every plugin, normalizes, weights and sums (aligned with `nodes`).
   * The array is the framework's own, valid until the next call.
   */
  runScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
    // Two arrays reused from cycle to cycle (one cycle runs at a time): the sums, and each plugin's scores.
    const total = this.#total
    const scores = this.#scores
    total.length = nodes.length
    scores.length = nodes.length
    total.fill(0)
    for (const { plugin, weight } of this.scores) {
      if (state.skipScore.has(plugin.name)) continue
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i] as NodeInfo)
      plugin.normalizeScore?.(state, pod, scores, nodes)
      for (let i = 0; i < nodes.length; i++) total[i] = (total[i] as number) + (scores[i] as number) * weight
    }
    return total
  }

  /** Runs reserve plugins; on failure, the caller unreserves. */
  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status {
    for (const p of this.reserves) {
      try {
        const s = p.reserve(state, pod, nodeName)
        if (!isSuccess(s)) return { ...s, plugin: p.name }
      } catch (err) {
        return fail(p.name, err)
      }
    }
    return success()
  }

  /** Runs unreserve in reverse order. */
  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const p of [...this.reserves].reverse()) p.unreserve(state, pod, nodeName)
  }

  /** Runs the pre-binds (API writes the binding depends on); the first failure wins. */
  async runPreBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status> {
    for (const p of this.preBinds) {
      try {
        const s = await p.preBind(state, pod, nodeName, signal)
        if (!isSuccess(s) && s.code !== "Skip") return { ...s, plugin: p.name }
      } catch (err) {
        return fail(p.name, err)
      }
    }
    return success()
  }

  /** Runs binders until one does not skip. */
  async runBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status> {
    for (const p of this.binds) {
      try {
        const s = await p.bind(state, pod, nodeName, signal)
        if (s.code !== "Skip") return isSuccess(s) ? s : { ...s, plugin: p.name }
      } catch (err) {
        return fail(p.name, err)
      }
    }
    return errorStatus("no bind plugin bound the pod")
  }
}
