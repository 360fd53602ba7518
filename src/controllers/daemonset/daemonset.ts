/**
 * The DaemonSet controller (upstream's DaemonSetsController): one pod per eligible node, each
 * pinned to its node by a required node affinity for the scheduler to bind, rolled to new
 * templates through ControllerRevisions within maxUnavailable and maxSurge. Watches
 * DaemonSets, their pods and revisions, and Nodes.
 */
import {
  type ApiObject,
  controllerRef,
  ControllerRevisions,
  DaemonSets,
  isNotFound,
  isPodTerminal,
  Nodes,
  Pods,
  selectorMatcher,
} from "../../api/index.ts"
import {
  type Cache,
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  type EventRecorder,
  type Reconciler,
  type Result,
} from "../../client/index.ts"
import type { Revision } from "../history/index.ts"
import { claimObjects, type PodObject } from "../set-pods/index.ts"
import { type NodeToPods, planManage } from "./manage.ts"
import type { DaemonSetObject, NodeObject } from "./placement.ts"
import { daemonPodTemplate, HASH_LABEL, newDaemonPod, targetNodeName } from "./pods.ts"
import { cleanupHistory, constructHistory } from "./revisions.ts"
import { computeStatus, type DsStatus, isStatusChanged } from "./status.ts"
import { FailedPodsBackoff } from "./backoff.ts"
import { Expectations } from "./expectations.ts"
import { planRollingUpdate } from "./update.ts"

/** Most pods one pass creates or deletes (upstream's BurstReplicas). */
const BURST = 250

interface Ctx {
  readonly deps: ControllerDeps
  readonly recorder: EventRecorder
  readonly expectations: Expectations
  readonly backoff: FailedPodsBackoff
}

/** The set's pods (orphans adopted) and revisions. */
async function controlled(
  ctx: Ctx,
  ds: DaemonSetObject,
): Promise<{ pods: PodObject[]; revisions: Revision[] }> {
  const { deps } = ctx
  const ns = ds.metadata?.namespace ?? ""
  const selects = selectorMatcher(ds.spec?.selector)
  const base = {
    client: deps.client,
    controllerRef: controllerRef(ds, DaemonSets),
    canAdopt: !ds.metadata?.deletionTimestamp,
    matches: (obj: ApiObject) => selects(obj.metadata?.labels),
  }
  const pods = await claimObjects(deps.informers.get(Pods).cache.list(ns) as PodObject[], {
    ...base,
    ref: Pods,
  })
  const revisions = await claimObjects(deps.informers.get(ControllerRevisions).cache.list(ns) as Revision[], {
    ...base,
    ref: ControllerRevisions,
  })
  return { pods, revisions }
}

/** Pods by the node they are for; finished pods already being deleted are left out. */
function byNode(pods: readonly PodObject[]): NodeToPods {
  const out: NodeToPods = new Map()
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp && isPodTerminal(pod)) continue
    const node = targetNodeName(pod)
    if (!node) continue
    const list = out.get(node)
    if (list) list.push(pod)
    else out.set(node, [pod])
  }
  return out
}

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<string[]> {
  const errors: string[] = []
  let i = 0
  for (let size = Math.min(1, items.length); size > 0; size = Math.min(2 * size, items.length - i)) {
    const results = await Promise.allSettled(items.slice(i, i + size).map(fn))
    i += size
    for (const r of results) if (r.status === "rejected") errors.push(String(r.reason))
    // Upstream's slow start: stop growing after a failure.
    if (errors.length) break
  }
  return errors
}

/** Creates pods on `nodes` and deletes `doomed`, recording expectations and events. */
async function syncNodes(
  ctx: Ctx,
  ds: DaemonSetObject,
  plan: { podsToDelete: readonly PodObject[]; nodesToCreate: readonly string[] },
  hash: string,
): Promise<void> {
  const { deps, recorder, expectations } = ctx
  const key = `${ds.metadata?.namespace ?? ""}/${ds.metadata?.name ?? ""}`
  const template = daemonPodTemplate(ds, hash)
  const create = async (node: string) => {
    try {
      const pod = await deps.client.resource(Pods).create(newDaemonPod(ds, template, node))
      expectations.created(
        key,
        `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`,
        deps.clock.now(),
      )
      recorder.event(ds, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata?.name ?? ""}`)
    } catch (err) {
      recorder.event(
        ds,
        "Warning",
        "FailedCreate",
        `Error creating: ${err instanceof Error ? err.message : String(err)}`,
      )
      throw err
    }
  }
  const remove = async (pod: PodObject) => {
    const name = pod.metadata?.name ?? ""
    try {
      await deps.client.resource(Pods).delete({ namespace: pod.metadata?.namespace ?? "", name })
      expectations.deleted(key, pod, deps.clock.now())
      recorder.event(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${name}`)
    } catch (err) {
      if (isNotFound(err)) return
      recorder.event(
        ds,
        "Warning",
        "FailedDelete",
        `Error deleting: ${err instanceof Error ? err.message : String(err)}`,
      )
      throw err
    }
  }
  const errors = [
    ...(await inBatches(plan.nodesToCreate.slice(0, BURST), create)),
    ...(await inBatches(plan.podsToDelete.slice(0, BURST), remove)),
  ]
  if (errors.length) throw new Error(`Cannot sync DaemonSet "${key}": ${errors.join("; ")}`)
}

async function writeStatus(
  ctx: Ctx,
  ds: DaemonSetObject,
  status: DsStatus,
  opts: { observe: boolean; collisionCount: number },
): Promise<void> {
  status.observedGeneration = opts.observe
    ? (ds.metadata?.generation ?? 0)
    : (ds.status?.observedGeneration ?? 0)
  if (opts.collisionCount) status.collisionCount = opts.collisionCount
  if (!isStatusChanged(ds, status)) return
  await ctx.deps.client
    .resource(DaemonSets)
    .patch(
      { namespace: ds.metadata?.namespace ?? "", name: ds.metadata?.name ?? "" },
      { status },
      { type: "merge", subresource: "status" },
    )
}

function soonest(...ms: (number | undefined)[]): Result | undefined {
  const set = ms.filter((m): m is number => m !== undefined)
  return set.length ? { requeueAfterMs: Math.min(...set) } : undefined
}

async function sync(ctx: Ctx, key: string): Promise<Result | undefined> {
  const { deps, expectations } = ctx
  const ds = deps.informers.get(DaemonSets).cache.get(key) as DaemonSetObject | undefined
  if (!ds) {
    expectations.forget(key)
    return undefined
  }
  const nodes = deps.informers.get(Nodes).cache.list() as NodeObject[]
  const podCache = deps.informers.get(Pods).cache as Cache<PodObject>
  const { pods, revisions } = await controlled(ctx, ds)
  const { cur, old, collisionCount } = await constructHistory(deps.client, ds, revisions, pods)
  const hash = cur.metadata?.labels?.[HASH_LABEL] ?? ""
  const now = deps.clock.now()
  const nodeToPods = byNode(pods)
  const status = () => computeStatus(ds, nodes, nodeToPods, { hash, now })
  if (ds.metadata?.deletionTimestamp || !expectations.satisfied(key, podCache, now)) {
    const s = status()
    await writeStatus(ctx, ds, s.status, { observe: false, collisionCount })
    return soonest(s.requeueAfterMs)
  }
  const plan = planManage({ ds, nodes, nodeToPods, hash, now, backoff: ctx.backoff })
  for (const w of plan.warnings) ctx.recorder.event(ds, "Warning", "FailedDaemonPod", w)
  await syncNodes(ctx, ds, { podsToDelete: plan.podsToDelete, nodesToCreate: plan.nodesNeedingPods }, hash)
  // Roll only once placement is settled: this pass wrote nothing and nothing is in flight.
  const placed = !plan.podsToDelete.length && !plan.nodesNeedingPods.length
  if (
    placed &&
    expectations.satisfied(key, podCache, now) &&
    (ds.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate"
  ) {
    await syncNodes(ctx, ds, planRollingUpdate({ ds, nodes, nodeToPods, hash, now }), hash)
  }
  await cleanupHistory(deps.client, ds, old, pods)
  const s = status()
  await writeStatus(ctx, ds, s.status, { observe: true, collisionCount })
  ctx.backoff.gc(now)
  return soonest(s.requeueAfterMs, plan.requeueAfterMs)
}

/** A node fingerprint: what placement depends on. */
function fingerprint(node: ApiObject): string {
  const n = node as NodeObject
  return JSON.stringify([n.metadata?.labels ?? {}, n.spec?.taints ?? []])
}

/**
 * A new DaemonSet controller spec. Node changes that can move daemon pods (new or deleted
 * nodes, other labels or taints) wake every DaemonSet; heartbeats do not.
 */
export function newDaemonSetController(): ControllerSpec {
  let deps: ControllerDeps | undefined
  const seen = new Map<string, string>()
  const allSets = () => (deps ? deps.informers.get(DaemonSets).cache.keys() : [])
  return {
    name: "daemonset",
    workers: 2,
    for: DaemonSets,
    owns: [Pods, ControllerRevisions],
    watches: [
      {
        ref: Nodes,
        map(node: ApiObject): string[] {
          const name = node.metadata?.name ?? ""
          if (!deps?.informers.get(Nodes).cache.get(name)) {
            seen.delete(name)
            return allSets()
          }
          const fp = fingerprint(node)
          if (seen.get(name) === fp) return []
          seen.set(name, fp)
          return allSets()
        },
      },
    ],
    create(d: ControllerDeps): Reconciler {
      deps = d
      seen.clear()
      const ctx: Ctx = {
        deps: d,
        recorder: new ClientEventRecorder(d.client, {
          component: "daemonset-controller",
          clock: d.clock,
          log: d.log,
        }),
        expectations: new Expectations(),
        backoff: new FailedPodsBackoff(),
      }
      return { reconcile: (key) => sync(ctx, key).then((r) => r ?? undefined) }
    },
  }
}

/** The DaemonSet controller, as the controller manager runs it ("daemonset"). */
export const daemonSetController: ControllerSpec = newDaemonSetController()
