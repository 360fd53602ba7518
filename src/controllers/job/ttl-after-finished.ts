/**
 * The TTL-after-finished controller: deletes a finished Job (Complete or Failed) once
 * spec.ttlSecondsAfterFinished have passed since it finished, with its pods (foreground
 * propagation, as upstream's ttlafterfinished controller).
 */
import { Jobs, isNotFound, parseKey } from "../../api/index.ts"
import type { ControllerSpec } from "../../client/index.ts"
import type { Job } from "./types.ts"

/** When the Job finished (its Complete or Failed condition's transition), if it did. */
export function finishedAt(job: Job): number | undefined {
  const c = job.status?.conditions?.find(
    (x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True",
  )
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : undefined
}

/** How long until the finished Job expires (≤ 0: expired), or undefined when it never does. */
export function timeLeft(job: Job, now: number): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished
  if (ttl === undefined || ttl === null) return undefined
  const at = finishedAt(job)
  if (at === undefined) return undefined
  // A finish time in the future (clock skew) simply defers the cleanup.
  return at + ttl * 1000 - now
}

/** Deletes finished Jobs whose ttlSecondsAfterFinished ran out. */
export const ttlAfterFinishedController: ControllerSpec = {
  name: "ttl-after-finished",
  workers: 5,
  for: Jobs,
  create({ client, informers, clock, log }) {
    const cache = informers.get(Jobs).cache
    return {
      async reconcile(key) {
        const cached = cache.get(key) as Job | undefined
        if (!cached || cached.metadata?.deletionTimestamp) return
        const left = timeLeft(cached, clock.now())
        if (left === undefined) return
        if (left > 0) return { requeueAfterMs: left }
        // The cache may be stale: decide on a fresh read (the TTL may have been changed).
        let fresh: Job
        try {
          fresh = (await client.resource(Jobs).get(parseKey(key))) as Job
        } catch (err) {
          if (isNotFound(err)) return
          throw err
        }
        const freshLeft = timeLeft(fresh, clock.now())
        if (freshLeft === undefined) return
        if (freshLeft > 0) return { requeueAfterMs: freshLeft }
        log.info({ job: key }, "Cleaning up Job")
        try {
          await client.resource(Jobs).delete(parseKey(key), {
            propagationPolicy: "Foreground",
            preconditions: { uid: fresh.metadata?.uid ?? "" },
          })
        } catch (err) {
          if (!isNotFound(err)) throw err
        }
      },
    }
  },
}
