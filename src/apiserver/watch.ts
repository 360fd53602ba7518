/**
 * WATCH: a stream of newline-delimited events from the watch cache; a revision older than the
 * cache's window gets one ERROR event (410 Expired) as upstream's watch cache answers. Label- and field-filtered watches turn objects that
 * stop matching into DELETED and objects that start matching into ADDED. Watch-list
 * (sendInitialEvents) streams the current objects, then a BOOKMARK marking their end.
 */
import { ApiError, type ApiObject } from "../api/index.ts"
import type { Store } from "../storage/index.ts"
import { AsyncQueue } from "../util/index.ts"
import type { ObjectFilter } from "./filter.ts"
import { type PackedObject, matchingKept } from "./cache-objects.ts"
import type { ListOptions } from "./list-options.ts"
import { parseResourceVersion, waitFresh } from "./resource-version.ts"
import type { Served } from "./registry/context.ts"
import type { CacheEvent, WatchCache } from "./watch-cache.ts"

/** One outgoing event before encoding. */
export interface OutEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR"
  readonly object: ApiObject
}

/** Options of a watch, from its ListOptions. */
export interface WatchParams {
  /** As given: parsed when the watch starts (a malformed one is the storage's 500). */
  readonly resourceVersion: string
  /** undefined when not asked (only a watch from a revision other than "" and "0"). */
  readonly sendInitialEvents: boolean | undefined
  readonly bookmarks: boolean
  readonly timeoutMs: number
}

/** How often a bookmark goes to a watcher that allows them. */
export const BOOKMARK_INTERVAL_MS = 60_000
/** A watcher this many events behind is ended (the client re-watches). */
const MAX_BACKLOG = 20_000
/** The longest delay a Node timer keeps (a longer one would fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** The watch parameters of decoded list options. */
export function watchParams(o: ListOptions): WatchParams {
  // Without a timeout (or with 0) the server picks one between 30 and 60 minutes, as upstream
  // does; a negative one has already passed.
  const timeout = o.timeoutSeconds ?? 0
  const timeoutMs = timeout !== 0 ? Math.max(0, timeout * 1000) : (1800 + Math.random() * 1800) * 1000
  return {
    resourceVersion: o.resourceVersion,
    sendInitialEvents: o.sendInitialEvents,
    bookmarks: o.allowWatchBookmarks,
    timeoutMs: Math.min(timeoutMs, MAX_TIMER_MS),
  }
}

/** The last event an unfiltered watcher was given, shared with the others the cache fans it out to. */
let lastUnfiltered: { readonly ev: CacheEvent; readonly out: OutEvent } | undefined

/** Maps a cache event to what a filtered watcher sees, or undefined when it sees nothing. */
export function visibleEvent(ev: CacheEvent, filter: ObjectFilter): OutEvent | undefined {
  // Unfiltered watchers see the event as it is (its type already says whether a prev exists):
  // one OutEvent for all of them.
  if (!filter.selective) {
    if (lastUnfiltered?.ev !== ev) lastUnfiltered = { ev, out: { type: ev.type, object: ev.object } }
    return lastUnfiltered.out
  }
  // Read once each: an old event of the cache's window parses its objects on each read.
  const object = ev.object
  const nowMatches = filter.matches(object)
  if (ev.type === "DELETED") return nowMatches ? { type: "DELETED", object } : undefined
  const prev = ev.prev
  const before = prev ? filter.matches(prev) : false
  if (nowMatches && before) return { type: "MODIFIED", object }
  if (nowMatches) return { type: "ADDED", object }
  // As upstream's cache watcher: the object as it was when it matched, at this event's version.
  if (before && prev) return { type: "DELETED", object: atRevision(prev, ev.revision) }
  return undefined
}

/** A copy of `obj` (shared by the cache: never changed) stamped with `revision`. */
function atRevision(obj: ApiObject, revision: number): ApiObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } }
}

function inScope(key: string, scope: string): boolean {
  return key.startsWith(scope)
}

/**
 * Starts a watch and returns its event stream. The snapshot, the replay and the live subscription
 * are taken in one synchronous step, so no event is lost or repeated.
 */
export async function startWatch(
  deps: { store: Store; cache: WatchCache },
  s: Served,
  filter: ObjectFilter,
  p: WatchParams,
  signal: AbortSignal,
): Promise<AsyncIterable<OutEvent>> {
  const { cache } = deps
  const scope = s.info.namespaced && filter.namespace ? `${s.prefix}${filter.namespace}/` : s.prefix
  const rc = cache.resource(s.prefix)
  const rv = parseResourceVersion(p.resourceVersion)
  // As upstream's cacher: the current objects for a watch-list, or for a plain watch from "0";
  // a watch-list from "" first waits for the cache to reach the store's revision.
  const initial = p.sendInitialEvents ?? rv === 0n
  const fromLatest = p.resourceVersion === "" && p.sendInitialEvents !== undefined
  const required = fromLatest ? BigInt(await deps.store.revision()) : rv
  let stale: ApiError | undefined
  if (p.sendInitialEvents === true) await waitFresh(cache, required).catch((err: ApiError) => (stale = err))

  const queue = new AsyncQueue<OutEvent>()
  let last = 0
  const push = (ev: CacheEvent) => {
    if (ev.revision <= last || !inScope(ev.key, scope)) return
    last = ev.revision
    const out = visibleEvent(ev, filter)
    if (!out) return
    queue.push(out)
    if (queue.size > MAX_BACKLOG) stop()
  }
  let unsubscribe = () => {}
  const timers: NodeJS.Timeout[] = []
  const stop = () => {
    unsubscribe()
    for (const t of timers) clearTimeout(t)
    queue.close()
  }

  if (stale) {
    // Upstream's cacher answers 200 with a single ERROR event, then ends the stream.
    queue.push({ type: "ERROR", object: stale.toStatus() as unknown as ApiObject })
    queue.close()
  } else if (initial) {
    for (const k of rc.sortedKeys()) {
      if (!inScope(k, scope)) continue
      const obj = matchingKept(rc.objects.raw(k) as ApiObject | PackedObject, filter, false) as
        ApiObject | undefined
      if (obj) queue.push({ type: "ADDED", object: obj })
    }
    last = cache.revision
    if (p.sendInitialEvents && p.bookmarks) queue.push(bookmark(s, cache.revision, true))
    unsubscribe = rc.subscribe(push)
  } else {
    // A watch from "0" without initial events starts at the cache's revision.
    const from = required === 0n ? cache.revision : Number(required)
    if (from >= rc.windowStart) {
      for (const ev of rc.eventsAfter(from)) push(ev)
      last = Math.max(last, from, cache.revision)
      unsubscribe = rc.subscribe(push)
    } else {
      // Upstream's cacher answers 200 with a single ERROR event, then ends the stream.
      queue.push(tooOld(from, rc.windowStart))
      queue.close()
    }
  }
  const offReset = cache.onReset(stop)
  const innerUnsub = unsubscribe
  unsubscribe = () => {
    innerUnsub()
    offReset()
  }
  signal.addEventListener("abort", stop, { once: true })
  timers.push(setTimeout(stop, p.timeoutMs))
  if (p.bookmarks) {
    const deadline = Date.now() + p.timeoutMs
    const schedule = () => {
      const delay = nextBookmarkDelay(deadline - Date.now())
      if (delay !== undefined) timers.push(setTimeout(tick, delay, delay < BOOKMARK_INTERVAL_MS).unref())
    }
    const tick = (last2sBefore: boolean) => {
      if (queue.closed) return
      queue.push(bookmark(s, Math.max(last, cache.revision), false))
      // The one before the end is the last (a timer may fire a little early: not one more).
      if (!last2sBefore) schedule()
    }
    schedule()
  }
  // A caller that gave up before the watch was set up gets no abort event: end it now.
  if (signal.aborted) stop()
  return {
    [Symbol.asyncIterator]: () => {
      const ret = queue.return.bind(queue)
      queue.return = () => {
        stop()
        return ret()
      }
      return queue
    },
  }
}

/** How long before its end a watch gets a last bookmark, as upstream's cache watchers do. */
const PRE_TIMEOUT_BOOKMARK_MS = 2000

/**
 * When a watch with `leftMs` to go gets its next bookmark: in BOOKMARK_INTERVAL_MS, or 2 s before
 * it ends if that is sooner, so a client resumes from a recent revision; undefined once that
 * moment has passed.
 */
export function nextBookmarkDelay(leftMs: number): number | undefined {
  const delay = Math.min(BOOKMARK_INTERVAL_MS, leftMs - PRE_TIMEOUT_BOOKMARK_MS)
  return delay < 0 ? undefined : delay
}

/** A BOOKMARK object: the kind with only a resourceVersion (and the initial-events-end mark). */
export function bookmark(s: Served, revision: number, initialEnd: boolean): OutEvent {
  const gv = s.info.group ? `${s.info.group}/${s.info.version}` : s.info.version
  return {
    type: "BOOKMARK",
    object: {
      kind: s.info.kind,
      apiVersion: gv,
      metadata: {
        resourceVersion: String(revision),
        ...(initialEnd ? { annotations: { "k8s.io/initial-events-end": "true" } } : {}),
      },
    },
  }
}

/** The ERROR event for a watch from before the window (`windowStart`: the oldest servable). */
function tooOld(from: number, windowStart: number): OutEvent {
  const e = new ApiError("Expired", `too old resource version: ${from} (${windowStart})`)
  return { type: "ERROR", object: e.toStatus() as unknown as ApiObject }
}
