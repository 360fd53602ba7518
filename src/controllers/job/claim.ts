/**
 * Which pods a Job manages (upstream's ClaimPods): those it controls and its selector still
 * matches; it adopts matching orphans (controller reference and tracking finalizer added) and
 * releases controlled pods that stopped matching.
 */
import {
  Jobs,
  Pods,
  controllerOf,
  controllerRef,
  isNotFound,
  keyOf,
  selectorMatcher,
} from "../../api/index.ts"
import type { SyncDeps } from "./context.ts"
import { JOB_TRACKING_FINALIZER } from "./pods.ts"
import type { Job, Pod } from "./types.ts"

async function patchPod(deps: SyncDeps, pod: Pod, ops: unknown[]): Promise<boolean> {
  try {
    await deps.client
      .resource(Pods)
      .patch(
        { namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" },
        [
          { op: "test", path: "/metadata/resourceVersion", value: pod.metadata?.resourceVersion ?? "" },
          ...ops,
        ],
        { type: "json" },
      )
    return true
  } catch (err) {
    if (isNotFound(err)) return false
    throw err
  }
}

/** True when the Job, read afresh, is the same Job and not being deleted (adoption is safe). */
async function canAdopt(deps: SyncDeps, job: Job): Promise<boolean> {
  try {
    const fresh = (await deps.client.resource(Jobs).get({
      namespace: job.metadata?.namespace ?? "",
      name: job.metadata?.name ?? "",
    })) as Job
    return fresh.metadata?.uid === job.metadata?.uid && !fresh.metadata?.deletionTimestamp
  } catch (err) {
    if (isNotFound(err)) return false
    throw err
  }
}

/** Adopts an orphan: adds the controller reference and tracking finalizer; the pod, or undefined. */
async function adopt(deps: SyncDeps, job: Job, pod: Pod): Promise<Pod | undefined> {
  const finalizers = [...new Set([...(pod.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER])]
  const owners = [...(pod.metadata?.ownerReferences ?? []), controllerRef(job, Jobs)]
  const ops = [
    { op: "add", path: "/metadata/ownerReferences", value: owners },
    { op: "add", path: "/metadata/finalizers", value: finalizers },
  ]
  if (!(await patchPod(deps, pod, ops))) return undefined
  deps.log.info({ job: keyOf(job), pod: keyOf(pod) }, "Adopted pod")
  return { ...pod, metadata: { ...pod.metadata, ownerReferences: owners, finalizers } }
}

/**
 * The pods `job` manages, adopting and releasing as its selector says. Adopted pods are
 * returned with the tracking finalizer the patch gave them.
 * @throws the first failed patch (the sync retries)
 */
export async function claimPods(deps: SyncDeps, job: Job): Promise<Pod[]> {
  const uid = job.metadata?.uid
  const matches = selectorMatcher(job.spec?.selector)
  const deleting = !!job.metadata?.deletionTimestamp
  const out: Pod[] = []
  let adoptable: boolean | undefined
  for (const pod of deps.pods.list(job.metadata?.namespace)) {
    const ref = controllerOf(pod)
    const matched = matches(pod.metadata?.labels)
    if (ref) {
      // Another owner's pod is none of our business; ours stays unless it stopped matching.
      if (ref.uid === uid && (matched || deleting || !(await release(deps, pod, uid)))) out.push(pod)
      continue
    }
    if (deleting || !matched || pod.metadata?.deletionTimestamp) continue
    adoptable ??= await canAdopt(deps, job)
    const adopted = adoptable ? await adopt(deps, job, pod) : undefined
    if (adopted) out.push(adopted)
  }
  return out
}

/** Drops the Job's controller reference from a pod that no longer matches; true when released. */
async function release(deps: SyncDeps, pod: Pod, uid: string | undefined): Promise<boolean> {
  const owners = (pod.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid)
  return patchPod(deps, pod, [{ op: "add", path: "/metadata/ownerReferences", value: owners }])
}
