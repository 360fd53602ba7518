/**
 * The CronJob controller: creates a Job for each time a CronJob's schedule comes due (in its
 * time zone), honouring suspend, startingDeadlineSeconds and the concurrency policy, keeps
 * status.active, lastScheduleTime and lastSuccessfulTime, and deletes Jobs beyond the history
 * limits (upstream's cronjob controller v2). It wakes itself for the next schedule time.
 */
import { CronJobs, Jobs } from "../../api/index.ts"
import { ClientEventRecorder, WrittenObjects, type ControllerSpec } from "../../client/index.ts"
import { type CronSyncDeps, syncCronJob } from "./sync.ts"

/** Reconciles CronJobs and the Jobs they own. */
export const cronJobController: ControllerSpec = {
  name: "cronjob",
  workers: 5,
  for: CronJobs,
  owns: [Jobs],
  create({ client, informers, clock, log }) {
    const deps: CronSyncDeps = {
      client,
      cronJobs: informers.get(CronJobs).cache as unknown as CronSyncDeps["cronJobs"],
      jobs: informers.get(Jobs).cache as unknown as CronSyncDeps["jobs"],
      now: () => clock.now(),
      recorder: new ClientEventRecorder(client, { component: "cronjob-controller", clock, log }),
      log,
      written: new WrittenObjects(),
    }
    return {
      async reconcile(key) {
        const after = await syncCronJob(deps, key)
        return after === undefined ? undefined : { requeueAfterMs: after }
      },
    }
  },
}
