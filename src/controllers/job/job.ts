/**
 * The Job controller: runs a Job's pods to completion (NonIndexed or Indexed), replaces failed
 * ones after a growing delay up to the backoff limits, enforces activeDeadlineSeconds, suspend,
 * the pod failure and success policies, and tracks every pod's result through the
 * batch.kubernetes.io/job-tracking finalizer (upstream's job controller).
 */
import type { Pod } from "./types.ts"
import { Jobs, Pods } from "../../api/index.ts"
import { ClientEventRecorder, type ControllerSpec, ownerKeyOf } from "../../client/index.ts"
import { BackoffStore } from "./backoff.ts"
import type { SyncDeps } from "./context.ts"
import { Expectations } from "./expectations.ts"
import { syncJob } from "./sync.ts"

/** Reconciles Jobs and the pods they own. */
export const jobController: ControllerSpec = {
  name: "job",
  workers: 5,
  for: Jobs,
  owns: [Pods],
  create({ client, informers, clock, log }) {
    const podInformer = informers.get(Pods)
    const expectations = new Expectations(() => clock.now())
    const watch = (type: "add" | "update" | "delete") => (pod: Pod) => {
      const key = ownerKeyOf(Jobs, pod)
      if (key) expectations.onPodEvent(key, type, pod)
    }
    podInformer.addHandler({
      onAdd: watch("add"),
      onUpdate: (_old, pod) => watch("update")(pod),
      onDelete: watch("delete"),
    })
    const deps: SyncDeps = {
      client,
      pods: podInformer.cache as SyncDeps["pods"],
      jobs: informers.get(Jobs).cache as unknown as SyncDeps["jobs"],
      now: () => clock.now(),
      recorder: new ClientEventRecorder(client, { component: "job-controller", clock, log }),
      expectations,
      backoff: new BackoffStore(),
      written: new Map(),
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
