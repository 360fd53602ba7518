/** What one Job sync works with: the Job's working copy, its pods, counts and the outcome so far. */
import type { JobCondition } from "kubernetes-types/batch/v1.js"
import type { Job, Pod } from "./types.ts"
import type { Client, Cache, EventRecorder, WrittenObjects } from "../../client/index.ts"
import type { Logger } from "../../util/index.ts"
import type { BackoffRecord, BackoffStore } from "./backoff.ts"
import type { Expectations } from "./expectations.ts"
import type { Intervals } from "./intervals.ts"

/** What the Job syncer is built from. */
export interface SyncDeps {
  readonly client: Client
  readonly pods: Cache<Pod>
  readonly jobs: Cache<Job>
  readonly now: () => number
  readonly recorder: EventRecorder
  readonly expectations: Expectations
  readonly backoff: BackoffStore
  readonly log: Logger
  /** The last Job status each sync wrote, until the cache catches up (read your writes). */
  readonly written: WrittenObjects<Job>
}

/** The state of one sync of one Job. */
export interface SyncContext {
  readonly key: string
  /** A private copy; its status is what the sync writes. */
  job: Job
  readonly pods: readonly Pod[]
  readonly activePods: readonly Pod[]
  ready: number
  terminating: number
  readonly uncounted: { readonly succeeded: ReadonlySet<string>; readonly failed: ReadonlySet<string> }
  /** Pods whose finalizer removal is in flight: already counted. */
  readonly expectedRmFinalizers: ReadonlySet<string>
  succeeded: number
  failed: number
  /** The terminal (or interim) condition this sync reached, if any. */
  finishedCondition?: JobCondition
  prevSucceededIndexes: Intervals
  succeededIndexes: Intervals
  failedIndexes?: Intervals
  podsWithDelayedDeletion: Map<number, Pod>
  newBackoffRecord: BackoffRecord
  /** Sync again after this long (the shortest of every reason found). */
  requeueAfterMs?: number
}

/** Asks to sync the Job again after `ms` (keeps the shortest request). */
export function requeueAfter(ctx: SyncContext, ms: number): void {
  const d = Math.max(0, Math.ceil(ms))
  if (ctx.requeueAfterMs === undefined || d < ctx.requeueAfterMs) ctx.requeueAfterMs = d
}
