/**
 * The horizontal-pod-autoscaler controller ("horizontalpodautoscaling", upstream's
 * HorizontalController): every 15 s it reads each HPA's target through /scale (any kind that
 * has it, found through discovery), takes the target's pods from the shared Pod informer by the
 * Scale's status.selector, computes the replica count its metrics ask for, bounds it by behavior and min/max, writes it through
 * /scale with a SuccessfulRescale event, and reports currentReplicas, desiredReplicas,
 * currentMetrics, lastScaleTime and the AbleToScale, ScalingActive and ScalingLimited conditions.
 */
import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerCondition,
} from "kubernetes-types/autoscaling/v2.js"
import type { Scale } from "kubernetes-types/autoscaling/v1.js"
import type { Pod } from "kubernetes-types/core/v1.js"
import {
  ApiError,
  HorizontalPodAutoscalers,
  parseLabelSelector,
  Pods,
  type ApiObject,
  type ResourceRef,
  type StringSelectorMatcher,
} from "../../api/index.ts"
import {
  type Cache,
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  type EventRecorder,
} from "../../client/index.ts"
import { normalizeWithBehavior, normalizeWithoutBehavior, type Normalized } from "./behavior.ts"
import { computeReplicasForMetrics } from "./compute-metrics.ts"
import { setCondition } from "./conditions.ts"
import { HpaMemory } from "./memory.ts"
import { type MetricsClient, resourceMetricsClient } from "./metrics-client.ts"
import { getScale, ScaleTargets, updateScale } from "./scale-target.ts"
import { rfc3339 } from "../../util/index.ts"

type Hpa = HorizontalPodAutoscaler & ApiObject

/** --horizontal-pod-autoscaler-sync-period. */
export const DEFAULT_HPA_SYNC_PERIOD_MS = 15_000

/** Options of horizontalPodAutoscalerController. */
export interface HpaControllerOptions {
  /** Where pod usage comes from (default: metrics.k8s.io through the client). */
  readonly metrics?: (deps: ControllerDeps) => MetricsClient
  readonly syncPeriodMs?: number
  /** --horizontal-pod-autoscaler-tolerance (default 0.1). */
  readonly tolerance?: number
  /** --horizontal-pod-autoscaler-downscale-stabilization for HPAs without behavior (default 5 min). */
  readonly downscaleStabilizationMs?: number
}

interface Ctx {
  readonly deps: ControllerDeps
  readonly opts: HpaControllerOptions
  readonly metrics: MetricsClient
  readonly recorder: EventRecorder
  readonly memory: HpaMemory
  readonly targets: ScaleTargets
  /** Pods, from the shared informer (upstream's pod lister). */
  readonly pods: Cache<Pod & ApiObject>
  /** Each HPA's pod selector (its target's), by HPA key, as its last pass read it. */
  readonly selectors: Map<string, (labels: Record<string, string>) => boolean>
}

/** What one pass decided, for the status. */
interface Pass {
  readonly hpa: Hpa
  readonly conditions: HorizontalPodAutoscalerCondition[]
  readonly now: string
  currentReplicas: number
  desiredReplicas: number
  statuses: NonNullable<HorizontalPodAutoscaler["status"]>["currentMetrics"]
  rescaled: boolean
}

function condition(
  p: Pass,
  type: Parameters<typeof setCondition>[1],
  status: "True" | "False",
  reason: string,
  message: string,
) {
  setCondition(p.conditions, type, status, reason, message, p.now)
}

async function writeStatus(ctx: Ctx, p: Pass): Promise<void> {
  const old = p.hpa.status
  const status: HorizontalPodAutoscaler["status"] = {
    ...(p.hpa.metadata?.generation !== undefined ? { observedGeneration: p.hpa.metadata?.generation } : {}),
    ...(p.rescaled
      ? { lastScaleTime: p.now }
      : old?.lastScaleTime
        ? { lastScaleTime: old.lastScaleTime }
        : {}),
    // A zero is stored as nothing (upstream's omitempty int32): left out, the comparison holds.
    ...(p.currentReplicas ? { currentReplicas: p.currentReplicas } : {}),
    desiredReplicas: p.desiredReplicas,
    ...(p.statuses?.length ? { currentMetrics: p.statuses } : {}),
    conditions: p.conditions,
  }
  if (JSON.stringify(status) === JSON.stringify(old)) return
  await ctx.deps.client.resource(HorizontalPodAutoscalers).updateStatus({ ...p.hpa, status })
}

function fail(ctx: Ctx, p: Pass, reason: string, message: string): void {
  ctx.recorder.event(p.hpa, "Warning", reason, message, HorizontalPodAutoscalers)
}

/** The namespace's pods matching a selector string, or undefined when it does not parse. */
function podsMatching(
  ctx: Ctx,
  namespace: string,
  selector: string,
): { pods: Pod[]; matches: (labels: Record<string, string>) => boolean } | undefined {
  let parsed: StringSelectorMatcher | undefined
  try {
    parsed = parseLabelSelector(selector)
  } catch (err) {
    if (err instanceof ApiError && err.reason === "BadRequest") return undefined
    throw err
  }
  const matches = parsed ?? (() => true)
  return { pods: ctx.pods.list(namespace).filter((p) => matches(p.metadata?.labels ?? {})), matches }
}

/**
 * The HPAs (keys, sorted) whose selectors take some of `pods`, of `namespace`: more than one
 * would fight over them, as upstream's hpasControllingPodsUnderSelector finds.
 */
function hpasControlling(ctx: Ctx, namespace: string, pods: readonly Pod[]): string[] {
  const found: string[] = []
  for (const [key, matches] of ctx.selectors) {
    if (!key.startsWith(`${namespace}/`)) continue
    if (pods.some((pod) => matches(pod.metadata?.labels ?? {}))) found.push(key)
  }
  return found.sort()
}

/**
 * The target's pods by its Scale's selector, as upstream's validateAndParseSelector: the error
 * (the event and condition set) when the selector is missing or does not parse, or when another
 * HPA's selector takes some of the same pods.
 */
function selectedPods(ctx: Ctx, p: Pass, selector: string): { pods: Pod[] } | { error: string } {
  if (!selector) {
    const msg = "selector is required"
    condition(p, "ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector")
    fail(ctx, p, "SelectorRequired", msg)
    return { error: msg }
  }
  const namespace = p.hpa.metadata?.namespace ?? ""
  const matching = podsMatching(ctx, namespace, selector)
  if (!matching) {
    const msg = `couldn't convert selector into a corresponding internal selector object: ${selector}`
    condition(p, "ScalingActive", "False", "InvalidSelector", msg)
    fail(ctx, p, "InvalidSelector", msg)
    return { error: msg }
  }
  ctx.selectors.set(`${namespace}/${p.hpa.metadata?.name ?? ""}`, matching.matches)
  const controlling = hpasControlling(ctx, namespace, matching.pods)
  if (controlling.length > 1) {
    const msg = `pods by selector ${selector} are controlled by multiple HPAs: [${controlling.join(" ")}]`
    fail(ctx, p, "AmbiguousSelector", msg)
    condition(p, "ScalingActive", "False", "AmbiguousSelector", msg)
    return { error: msg }
  }
  return { pods: matching.pods }
}

/**
 * The metrics' replica count could not be had: the status keeps no metrics but those given (none
 * when the selector failed) and a FailedComputeMetricsReplicas event tells why, as upstream's
 * reconcileAutoscaler does when computeReplicasForMetrics fails.
 */
function failCompute(ctx: Ctx, p: Pass, statuses: Pass["statuses"], message: string): undefined {
  p.statuses = statuses
  fail(ctx, p, "FailedComputeMetricsReplicas", message)
  return undefined
}

/** The replicas the metrics ask for, or undefined when they cannot say (status already set). */
async function metricReplicas(
  ctx: Ctx,
  p: Pass,
  scale: Scale,
): Promise<{ replicas: number; metric: string } | undefined> {
  const selector = scale.status?.selector ?? ""
  const selected = selectedPods(ctx, p, selector)
  if ("error" in selected) return failCompute(ctx, p, [], selected.error)
  const { pods } = selected
  const namespace = p.hpa.metadata?.namespace ?? ""
  const ctxCalc = {
    currentReplicas: p.currentReplicas,
    now: ctx.deps.clock.now(),
    ...(ctx.opts.tolerance !== undefined ? { tolerance: ctx.opts.tolerance } : {}),
  }
  const r = await computeReplicasForMetrics(p.hpa.spec?.metrics ?? [], scale.spec?.replicas ?? 0, {
    namespace,
    selector,
    pods,
    metrics: ctx.metrics,
    ctx: ctxCalc,
  })
  p.statuses = r.statuses
  for (const e of r.errors) fail(ctx, p, e.reason, e.message)
  if (r.replicas === -1) {
    const first = r.errors[0]
    const message = `the HPA was unable to compute the replica count: ${first?.message ?? "no metrics"}`
    condition(p, "ScalingActive", "False", first?.reason ?? "FailedGetResourceMetric", message)
    return r.invalidMetrics ? failCompute(ctx, p, r.statuses, r.invalidMetrics) : undefined
  }
  condition(
    p,
    "ScalingActive",
    "True",
    "ValidMetricFound",
    `the HPA was able to successfully calculate a replica count from ${r.metric}`,
  )
  return { replicas: r.replicas, metric: r.metric }
}

function normalize(ctx: Ctx, p: Pass, key: string, desired: number): Normalized {
  const spec = p.hpa.spec
  const args = {
    current: p.currentReplicas,
    desired,
    min: spec?.minReplicas ?? 1,
    max: spec?.maxReplicas ?? desired,
    now: ctx.deps.clock.now(),
  }
  const recs = ctx.memory.recommendations(key, p.currentReplicas, args.now)
  if (!spec?.behavior) return normalizeWithoutBehavior(args, recs, ctx.opts.downscaleStabilizationMs)
  return normalizeWithBehavior(args, spec.behavior, recs, ctx.memory.events(key, spec.behavior, args.now))
}

/** Decides the desired count and why; undefined when scaling must wait. */
async function decide(
  ctx: Ctx,
  p: Pass,
  key: string,
  scale: Scale,
): Promise<{ replicas: number; reason: string } | undefined> {
  const min = p.hpa.spec?.minReplicas ?? 1
  const max = p.hpa.spec?.maxReplicas ?? 0
  const current = p.currentReplicas
  // Metrics are read only when the count is within bounds; otherwise none are reported, as
  // upstream's status then carries no currentMetrics.
  if (current === 0 || current > max || current < min) p.statuses = []
  if (current === 0 && min !== 0) {
    p.desiredReplicas = 0
    condition(
      p,
      "ScalingActive",
      "False",
      "ScalingDisabled",
      "scaling is disabled since the replica count of the target is zero",
    )
    return undefined
  }
  if (current > max) return { replicas: max, reason: "Current number of replicas above Spec.MaxReplicas" }
  if (current < min) return { replicas: min, reason: "Current number of replicas below Spec.MinReplicas" }
  const m = await metricReplicas(ctx, p, scale)
  if (!m) return undefined
  const reason = m.replicas > current ? `${m.metric} above target` : "All metrics below target"
  const n = normalize(ctx, p, key, m.replicas)
  condition(p, "AbleToScale", "True", n.ableToScale.reason, n.ableToScale.message)
  condition(p, "ScalingLimited", n.limited.status, n.limited.reason, n.limited.message)
  return { replicas: n.replicas, reason }
}

function newPass(hpa: Hpa, now: number): Pass {
  const st = hpa.status
  return {
    hpa,
    conditions: (st?.conditions ?? []).map((c) => ({ ...c })),
    now: rfc3339(now),
    currentReplicas: st?.currentReplicas ?? 0,
    desiredReplicas: st?.desiredReplicas ?? 0,
    statuses: st?.currentMetrics ?? [],
    rescaled: false,
  }
}

/** The target's resource and Scale, or undefined when it cannot be read (status set). */
async function readScale(ctx: Ctx, p: Pass): Promise<{ info: ResourceRef; scale: Scale } | undefined> {
  const ref = p.hpa.spec?.scaleTargetRef
  try {
    const info = await ctx.targets.resolve(ref ?? { kind: "", name: "" })
    const scale = await getScale(ctx.deps.client, info, p.hpa.metadata?.namespace ?? "", ref?.name ?? "")
    return { info, scale }
  } catch (err) {
    const msg = (err as Error).message
    condition(
      p,
      "AbleToScale",
      "False",
      "FailedGetScale",
      `the HPA controller was unable to get the target's current scale: ${msg}`,
    )
    fail(ctx, p, "FailedGetScale", msg)
    return undefined
  }
}

async function rescale(
  ctx: Ctx,
  p: Pass,
  key: string,
  target: { info: ResourceRef; scale: Scale },
  d: { replicas: number; reason: string },
) {
  try {
    await updateScale(ctx.deps.client, target.info, target.scale, d.replicas)
  } catch (err) {
    const msg = (err as Error).message
    fail(ctx, p, "FailedRescale", `New size: ${d.replicas}; reason: ${d.reason}; error: ${msg}`)
    condition(
      p,
      "AbleToScale",
      "False",
      "FailedUpdateScale",
      `the HPA controller was unable to update the target scale: ${msg}`,
    )
    await writeStatus(ctx, p)
    throw err
  }
  condition(
    p,
    "AbleToScale",
    "True",
    "SucceededRescale",
    `the HPA controller was able to update the target scale to ${d.replicas}`,
  )
  ctx.recorder.event(
    p.hpa,
    "Normal",
    "SuccessfulRescale",
    `New size: ${d.replicas}; reason: ${d.reason}`,
    HorizontalPodAutoscalers,
  )
  ctx.memory.scaled(key, p.hpa.spec?.behavior, p.currentReplicas, d.replicas, ctx.deps.clock.now())
  p.rescaled = true
}

async function reconcileHpa(ctx: Ctx, key: string, hpa: Hpa): Promise<void> {
  const p = newPass(hpa, ctx.deps.clock.now())
  const target = await readScale(ctx, p)
  if (!target) return writeStatus(ctx, p)
  condition(
    p,
    "AbleToScale",
    "True",
    "SucceededGetScale",
    "the HPA controller was able to get the target's current scale",
  )
  p.currentReplicas = target.scale.spec?.replicas ?? 0
  ctx.memory.recommendations(key, p.currentReplicas, ctx.deps.clock.now())
  const d = await decide(ctx, p, key, target.scale)
  if (d) p.desiredReplicas = d.replicas
  if (d && d.replicas !== p.currentReplicas) await rescale(ctx, p, key, target, d)
  await writeStatus(ctx, p)
}

/** The HPA controller. */
export function horizontalPodAutoscalerController(opts: HpaControllerOptions = {}): ControllerSpec {
  return {
    name: "horizontalpodautoscaling",
    for: HorizontalPodAutoscalers,
    workers: 5,
    // Pods are read from their cache; their changes do not wake an HPA (it syncs every period).
    watches: [{ ref: Pods, map: () => [] }],
    create(deps) {
      const ctx: Ctx = {
        deps,
        opts,
        metrics: opts.metrics ? opts.metrics(deps) : resourceMetricsClient(deps.client),
        recorder: new ClientEventRecorder(deps.client, {
          component: "horizontal-pod-autoscaler",
          clock: deps.clock,
          log: deps.log,
        }),
        memory: new HpaMemory(),
        targets: new ScaleTargets(deps.client),
        pods: deps.informers.get(Pods).cache,
        selectors: new Map(),
      }
      const cache = deps.informers.get(HorizontalPodAutoscalers).cache
      return {
        async reconcile(key) {
          const hpa = cache.get(key)
          if (!hpa) {
            ctx.selectors.delete(key)
            return ctx.memory.forget(key)
          }
          const period = opts.syncPeriodMs ?? DEFAULT_HPA_SYNC_PERIOD_MS
          // As upstream, an HPA is processed once per sync period, whatever wakes it (its own
          // status writes included); a new one at once.
          const since = ctx.memory.sinceLastSync(key, deps.clock.now(), period)
          if (since < period) return { requeueAfterMs: period - since }
          const every = { requeueAfterMs: period }
          try {
            await reconcileHpa(ctx, key, hpa)
          } catch (err) {
            if (err instanceof ApiError && err.reason === "Conflict") throw err
            deps.log.warn({ hpa: key, err: String(err) }, "Cannot reconcile the HorizontalPodAutoscaler")
          }
          return every
        },
      }
    },
  }
}
