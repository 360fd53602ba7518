/**
 * The Job controller: runs a Job's pods to completion (NonIndexed or Indexed), replaces failed
 * ones after a growing delay up to the backoff limits, enforces activeDeadlineSeconds, suspend,
 * the pod failure and success policies, and tracks every pod's result through the
 * batch.kubernetes.io/job-tracking finalizer (upstream's job controller).
 */
import type { Pod } from "./types.ts"
import { type ApiObject, Jobs, Pods, controllerOf } from "../../api/index.ts"
import {
  ClientEventRecorder,
  WrittenObjects,
  type ControllerSpec,
  type Informer,
  ownerKeyOf,
} from "../../client/index.ts"
import { BackoffStore } from "./backoff.ts"
import type { SyncDeps } from "./context.ts"
import { Expectations } from "./expectations.ts"
import { JOB_NAME_LABEL } from "./pods.ts"
import { syncJob } from "./sync.ts"

/** One Expectations per pod informer, fed by one handler, however often the controller restarts. */
const EXPECTATIONS = new WeakMap<Informer<Pod>, Expectations>()

function expectationsFor(podInformer: Informer<Pod>, now: () => number): Expectations {
  let expectations = EXPECTATIONS.get(podInformer)
  if (expectations) return expectations
  const fresh = new Expectations(now)
  const watch = (type: "add" | "update" | "delete") => (pod: Pod) => {
    const key = ownerKeyOf(Jobs, pod)
    if (key) fresh.onPodEvent(key, type, pod)
  }
  podInformer.addHandler({
    onAdd: watch("add"),
    onUpdate: (_old, pod) => watch("update")(pod),
    onDelete: watch("delete"),
  })
  EXPECTATIONS.set(podInformer, (expectations = fresh))
  return expectations
}

/** The Job an orphan pod names in its job-name label, if any. */
function orphanJobKeys(pod: ApiObject): string[] {
  const name = pod.metadata?.labels?.[JOB_NAME_LABEL]
  const ns = pod.metadata?.namespace
  return !controllerOf(pod) && name && ns ? [`${ns}/${name}`] : []
}

/** Reconciles Jobs and the pods they own. */
export const jobController: ControllerSpec = {
  name: "job",
  workers: 5,
  for: Jobs,
  owns: [Pods],
  // An orphan pod may be adopted: wake the Job its job-name label names (its selector decides).
  watches: [{ ref: Pods, map: orphanJobKeys }],
  create({ client, informers, clock, log }) {
    const podInformer = informers.get(Pods)
    const expectations = expectationsFor(podInformer, () => clock.now())
    const deps: SyncDeps = {
      client,
      pods: podInformer.cache as SyncDeps["pods"],
      jobs: informers.get(Jobs).cache as unknown as SyncDeps["jobs"],
      now: () => clock.now(),
      recorder: new ClientEventRecorder(client, { component: "job-controller", clock, log }),
      expectations,
      backoff: new BackoffStore(),
      written: new WrittenObjects(),
      log,
    }
    return {
      async reconcile(key) {
        const after = await syncJob(deps, key)
        return after === undefined ? undefined : { requeueAfterMs: after }
      },
    }
  },
}
