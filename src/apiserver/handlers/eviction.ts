/**
 * POST pods/{name}/eviction: a delete that honours PodDisruptionBudgets (what `kubectl drain`
 * uses). The budget's status, kept by the disruption controller, says how many pods may go;
 * an eviction spends one (recorded in status.disruptedPods) before the pod is deleted, or is
 * refused with 429 so the caller retries later. Evictions racing for one budget (`kubectl drain`
 * evicts a node's pods at once) conflict on its update: as upstream, the loser reads pod and
 * budget again and retries, every half second for up to 20 tries, rather than answering 409.
 * The pod is then marked with the DisruptionTarget condition (so a Job's podFailurePolicy can
 * tell an eviction from a failure) and deleted.
 */
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import {
  ApiError,
  type ApiObject,
  badRequest,
  conflict,
  findResource,
  isPodReady,
  isPodTerminal,
  observedGenerationOf,
  type ResourceInfo,
} from "../../api/index.ts"
import { preconditionFailed } from "../registry/uid-precondition.ts"
import type { ApiResponse } from "../http.ts"
import { decodeBody } from "../negotiate.ts"
import { json } from "../output.ts"
import { timestamp } from "../registry/context.ts"
import type { DeleteOptions } from "../registry/delete.ts"
import { labelSelectorAsString, parseLabelSelector } from "../selectors.ts"
import type { ResourceRequest } from "./context.ts"
import { admitBoth } from "./admission-origin.ts"
import type { RequestNotes } from "../admission.ts"
import { withWarnings } from "./validated-body.ts"
import { entriesUnder } from "../cache-objects.ts"

type Obj = ApiObject & { spec?: any; status?: any }

const PDB_INFO = findResource("policy", "v1", "poddisruptionbudgets") as ResourceInfo
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."
/** Upstream's EvictionsRetry: tries, and the wait between them (±10%). */
const EVICTION_TRIES = 20
const EVICTION_RETRY_MS = 500

function tooMany(message: string): ApiError {
  return new ApiError("TooManyRequests", VIOLATION, {
    causes: [{ reason: "DisruptionBudget", message }],
  })
}

/** The budgets in the pod's namespace whose selector picks the pod. */
function budgetsOf(r: ResourceRequest, pod: Obj): Obj[] {
  const served = r.parts.served(PDB_INFO)
  const scope = `${served.prefix}${r.namespace}/`
  const labels = pod.metadata?.labels ?? {}
  const out: Obj[] = []
  for (const [, pdb] of entriesUnder(r.parts.cache.resource(served.prefix).objects, scope)) {
    const sel = (pdb as Obj).spec?.selector
    // policy/v1: a null selector picks nothing, an empty one every pod.
    if (!sel) continue
    const matcher = parseLabelSelector(labelSelectorAsString(sel))
    if (!matcher || matcher(labels)) out.push(pdb as Obj)
  }
  return out
}

/** Pods that are finished, not started, or already going need no budget. */
function ignoresBudget(pod: Obj): boolean {
  return !!pod.metadata?.deletionTimestamp || isPodTerminal(pod as Pod) || pod.status?.phase === "Pending"
}

/** Checks the budget allows the eviction; returns whether a disruption must be spent. */
function admits(pdb: Obj, pod: Obj): boolean {
  const name = pdb.metadata?.name ?? ""
  const st = {
    currentHealthy: 0,
    desiredHealthy: 0,
    disruptionsAllowed: 0,
    observedGeneration: 0,
    ...pdb.status,
  }
  if (st.observedGeneration < (pdb.metadata?.generation ?? 0)) {
    throw tooMany(`The disruption budget ${name} is still being processed by the server.`)
  }
  const healthyEnough = st.currentHealthy >= st.desiredHealthy && st.desiredHealthy > 0
  if (!isPodReady(pod as Pod)) {
    // An unready pod does not count as healthy: evicting it spends nothing when the budget allows.
    if (pdb.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow" || healthyEnough) return false
  }
  const allowed = st.disruptionsAllowed
  if (allowed < 0) throw new ApiError("Forbidden", "pdb disruptions allowed is negative")
  if (allowed === 0) {
    throw tooMany(
      `The disruption budget ${name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently`,
    )
  }
  return true
}

/** Spends one disruption of `pdb` on `pod` (a 409 when the budget changed meanwhile: retry). */
async function spend(r: ResourceRequest, pdb: Obj, podName: string, dryRun: boolean): Promise<void> {
  if (dryRun) return
  const served = r.parts.served(PDB_INFO)
  await r.parts.registry.update(
    served,
    { namespace: r.namespace, name: pdb.metadata?.name ?? "" },
    (cur) => {
      const next = cur as Obj
      const st = next.status ?? {}
      next.status = {
        ...st,
        disruptionsAllowed: (st.disruptionsAllowed ?? 0) - 1,
        disruptedPods: { ...st.disruptedPods, [podName]: timestamp(r.parts.clock.now()) },
      }
      return next
    },
    { subresource: "status", clientResourceVersion: pdb.metadata?.resourceVersion ?? "", user: r.req.user },
  )
}

function deleteOptionsOf(body: Obj, r: ResourceRequest): DeleteOptions {
  const d = (body.deleteOptions ?? {}) as Record<string, any>
  const dryRun =
    r.req.query.getAll("dryRun").includes("All") || (Array.isArray(d.dryRun) && d.dryRun.includes("All"))
  return {
    ...(typeof d.gracePeriodSeconds === "number" ? { gracePeriodSeconds: d.gracePeriodSeconds } : {}),
    ...(d.propagationPolicy ? { propagationPolicy: d.propagationPolicy } : {}),
    ...(d.preconditions ? { preconditions: d.preconditions } : {}),
    dryRun,
    ...(r.req.user ? { user: r.req.user } : {}),
  }
}

/** Reads the pod and its budget, and spends a disruption if the pod needs one (a 409 when the budget changed meanwhile). */
async function checkBudget(r: ResourceRequest, name: string, dryRun: boolean): Promise<void> {
  const pod = (await r.parts.registry.get(r.served, r.namespace, name)) as Obj
  if (ignoresBudget(pod)) return
  const budgets = budgetsOf(r, pod)
  if (budgets.length > 1) {
    throw new ApiError(
      "InternalError",
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    )
  }
  if (!budgets[0]) return
  // The budget as stored now (the cache found which one; a retry must see the write it lost to).
  const pdb = (await r.parts.registry
    .get(r.parts.served(PDB_INFO), r.namespace, budgets[0].metadata?.name ?? "")
    .catch((err: unknown) => {
      if (err instanceof ApiError && err.reason === "NotFound") return undefined // deleted meanwhile
      throw err
    })) as Obj | undefined
  if (pdb && admits(pdb, pod)) await spend(r, pdb, name, dryRun)
}

/**
 * Sets the DisruptionTarget condition on the pod about to be deleted (upstream's
 * addConditionAndDeletePod), through the status subresource and checking the delete's
 * preconditions against the pod as stored; the delete options to use then (a resourceVersion
 * precondition moves to the pod this write made). Nothing is written on a dry run.
 */
async function markEvicted(r: ResourceRequest, name: string, opts: DeleteOptions): Promise<DeleteOptions> {
  if (opts.dryRun) return opts
  const pre = opts.preconditions
  const key = `/registry/pods/${r.namespace}/${name}`
  const { object } = await r.parts.registry.update(
    r.served,
    { namespace: r.namespace, name },
    (cur) => {
      const pod = cur as Obj
      const meta = pod.metadata ?? {}
      if (pre?.uid && pre.uid !== meta.uid)
        throw conflict(r.served.info, name, preconditionFailed(key, "UID", pre.uid, meta.uid ?? ""))
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        const why = preconditionFailed(
          key,
          "ResourceVersion",
          pre.resourceVersion,
          meta.resourceVersion ?? "",
        )
        throw conflict(r.served.info, name, why)
      }
      const now = timestamp(r.parts.clock.now())
      const conditions: PodCondition[] = [...(pod.status?.conditions ?? [])]
      const i = conditions.findIndex((c) => c.type === "DisruptionTarget")
      const old = i < 0 ? undefined : conditions[i]
      const next: PodCondition = {
        type: "DisruptionTarget",
        ...observedGenerationOf(pod as Pod),
        status: "True",
        reason: "EvictionByEvictionAPI",
        message: "Eviction API: evicting",
        lastTransitionTime: old?.status === "True" && old.lastTransitionTime ? old.lastTransitionTime : now,
      }
      if (i < 0) conditions.push(next)
      else conditions[i] = next
      pod.status = { ...(pod.status ?? {}), conditions }
      return pod
    },
    { subresource: "status", user: r.req.user, admitted: true },
  )
  if (!pre?.resourceVersion) return opts
  return { ...opts, preconditions: { ...pre, resourceVersion: object.metadata?.resourceVersion ?? "" } }
}

/**
 * Admission of the eviction itself, as upstream's create handler runs it: a CREATE of
 * pods/eviction whose object is the Eviction, at policy/v1 whatever version the body was.
 */
async function admitEviction(r: ResourceRequest, body: Obj, dryRun: boolean): Promise<RequestNotes> {
  const eviction = {
    ...body,
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { ...body.metadata, name: r.ri.name, namespace: r.namespace },
  } as Obj
  return admitBoth(r, {
    operation: "CREATE",
    info: r.served.info,
    namespace: r.namespace,
    name: r.ri.name,
    subresource: "eviction",
    object: eviction,
    dryRun,
  })
}

/** POST pods/{name}/eviction. */
export async function evict(r: ResourceRequest): Promise<ApiResponse> {
  const body = decodeBody(r.req.header("content-type"), await r.req.body()) as Obj
  if (typeof body !== "object" || body === null)
    throw badRequest("the body of the request is not an Eviction")
  const name = r.ri.name
  if (body.metadata?.name && body.metadata.name !== name) {
    throw badRequest(`name in URL does not match name in Eviction object`)
  }
  const opts = deleteOptionsOf(body, r)
  const notes = await admitEviction(r, body, !!opts.dryRun)
  for (let attempt = 1; ; attempt++) {
    try {
      await checkBudget(r, name, !!opts.dryRun)
      break
    } catch (err) {
      if (!(err instanceof ApiError) || err.reason !== "Conflict" || attempt >= EVICTION_TRIES) throw err
      await r.parts.clock.sleep(EVICTION_RETRY_MS * (0.9 + Math.random() * 0.2))
    }
  }
  // Neither the pod's status write nor its delete is admitted again, as upstream's eviction does them.
  const deleting = await markEvicted(r, name, opts)
  await r.parts.registry.delete(r.served, { namespace: r.namespace, name }, { ...deleting, admitted: true })
  const done = json(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 })
  return withWarnings(done, [], notes)
}
