/**
 * POST pods/{name}/binding (and bindings): assigns a pod to a node, the scheduler's only write.
 * As upstream's BindingREST: the Binding's uid and resourceVersion are preconditions on the pod
 * (a decision made for a pod since deleted and made again under its name is refused), its
 * annotations are merged into the pod's, and PodScheduled turns True where it stands in the list.
 */
import { ApiError, type ApiObject, type Qualified, Pods, badRequest, conflict } from "../../api/index.ts"
import type { ApiResponse } from "../http.ts"
import { decodeBody } from "../negotiate.ts"
import { json } from "../output.ts"
import { timestamp } from "../registry/context.ts"
import { preconditionFailed } from "../registry/uid-precondition.ts"
import type { ResourceRequest } from "./context.ts"
import { isDryRun } from "./write.ts"
import { admitBoth } from "./admission-origin.ts"
import { withWarnings } from "./validated-body.ts"

interface Binding {
  metadata?: { name?: string; uid?: string; resourceVersion?: string; annotations?: Record<string, string> }
  target?: { name?: string; kind?: string }
}

interface Condition {
  type: string
  status?: string
  lastTransitionTime?: string | null
  [k: string]: unknown
}

type Obj = ApiObject & {
  spec?: { nodeName?: string; schedulingGates?: unknown[] }
  status?: { conditions?: Condition[]; nominatedNodeName?: string }
}

/** What a refusal found inside the update is reported on (upstream's assignPod wraps it so). */
const BINDING: Qualified = { resource: "pods/binding" }

/** Checks a Binding's fields as upstream's ValidatePodBinding (422 with the field's cause). */
function validate(b: Binding, podName: string): string {
  const invalid = (field: string, reason: string, message: string) =>
    new ApiError("Invalid", `Binding "${podName}" is invalid: ${field}: ${message}`, {
      name: podName,
      kind: "Binding",
      causes: [{ reason, message, field }],
    })
  const kind = b.target?.kind
  if (kind && kind !== "Node") {
    throw invalid(
      "target.kind",
      "FieldValueNotSupported",
      `Unsupported value: ${JSON.stringify(kind)}: supported values: "Node", "<empty>"`,
    )
  }
  const node = b.target?.name
  if (!node) throw invalid("target.name", "FieldValueRequired", "Required value")
  return node
}

/**
 * PodScheduled=True, replacing the condition where it is (its lastTransitionTime kept when it was
 * True already) or appended, as upstream's UpdatePodCondition.
 */
function scheduled(conditions: readonly Condition[], now: string): Condition[] {
  const i = conditions.findIndex((c) => c.type === "PodScheduled")
  const was = i >= 0 ? conditions[i] : undefined
  const next: Condition = {
    type: "PodScheduled",
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: was?.status === "True" ? (was.lastTransitionTime ?? now) : now,
  }
  if (i < 0) return [...conditions, next]
  const out = [...conditions]
  out[i] = next
  return out
}

/**
 * Refuses a binding of `pod` as upstream's update does: the Binding's preconditions first (a
 * conflict on pods), then a pod being deleted, bound already or still gated (on pods/binding).
 */
function checkBindable(
  pod: Obj,
  meta: NonNullable<Binding["metadata"]>,
  at: { pods: { info: Qualified }; key: string; podName: string },
): void {
  const { pods, key, podName } = at
  const found = pod.metadata ?? {}
  if (meta.uid && meta.uid !== found.uid)
    throw conflict(pods.info, podName, preconditionFailed(key, "UID", meta.uid, found.uid ?? ""))
  if (meta.resourceVersion && meta.resourceVersion !== found.resourceVersion) {
    const why = preconditionFailed(key, "ResourceVersion", meta.resourceVersion, found.resourceVersion ?? "")
    throw conflict(pods.info, podName, why)
  }
  if (found.deletionTimestamp)
    throw conflict(BINDING, podName, `pod ${podName} is being deleted, cannot be assigned to a host`)
  if (pod.spec?.nodeName)
    throw conflict(BINDING, podName, `pod ${podName} is already assigned to node "${pod.spec.nodeName}"`)
  if (pod.spec?.schedulingGates?.length)
    throw conflict(BINDING, podName, `pod ${podName} has non-empty .spec.schedulingGates`)
}

/** POST pods/{name}/binding: binds pod `podName` to the Binding's target node. */
export async function bind(r: ResourceRequest, podName: string): Promise<ApiResponse> {
  const b = decodeBody(r.req.header("content-type"), await r.req.body()) as Binding | null
  const meta = b?.metadata ?? {}
  if (meta.name && meta.name !== podName)
    throw badRequest("name in URL does not match name in Binding object")
  const dryRun = isDryRun(r)
  // The Binding is admitted as a create, checked between the phases as upstream's BindingREST
  // checks it; the pod's update is not admitted.
  const binding = {
    ...b,
    apiVersion: "v1",
    kind: "Binding",
    metadata: { ...meta, name: podName, namespace: r.namespace },
  } as ApiObject & Binding
  let node = ""
  const notes = await admitBoth(
    r,
    {
      operation: "CREATE",
      info: r.served.info,
      namespace: r.namespace,
      name: podName,
      subresource: r.ri.subresource,
      object: binding,
      dryRun,
    },
    () => void (node = validate(binding, podName)),
  )
  const pods = r.parts.served(Pods)
  const key = `/registry/pods/${r.namespace}/${podName}`
  await r.parts.registry.update(
    pods,
    { namespace: r.namespace, name: podName },
    (cur) => {
      const pod = cur as Obj
      const admitted = binding.metadata ?? {}
      checkBindable(pod, admitted, { pods, key, podName })
      const found = pod.metadata ?? {}
      pod.spec = { ...(pod.spec ?? {}), nodeName: node }
      if (admitted.annotations && Object.keys(admitted.annotations).length > 0)
        pod.metadata = { ...found, annotations: { ...(found.annotations ?? {}), ...admitted.annotations } }
      const conditions = scheduled(pod.status?.conditions ?? [], timestamp(r.parts.clock.now()))
      // Bound: the nomination is spent (upstream's ClearingNominatedNodeNameAfterBinding, on since 1.35).
      const { nominatedNodeName: _spent, ...status } = pod.status ?? {}
      pod.status = { ...status, conditions }
      return pod
    },
    { subresource: "binding", user: r.req.user, shallowCurrent: true, dryRun, admitted: true },
  )
  const done = json(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 })
  return withWarnings(done, [], notes)
}
