import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import type { Event } from "kubernetes-types/events/v1.js"
import { type ApiObject, ApiError, Events, EventsV1, Pods } from "../api/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { FakeClock, microTime, silentLogger } from "../util/index.ts"
import type { Client, RequestOptions } from "./client.ts"
import { EventsV1Broadcaster, FINISH_MS, REFRESH_MS, referenceTo } from "./event-broadcaster.ts"

const T0 = Date.parse("2026-03-04T05:06:07.250Z")
const MIN = 60_000
let env: ClientEnv
const clock = new FakeClock(T0)
before(async () => {
  env = await startClientEnv({ clock })
})
after(() => env.stop())

/** What a case does, one step at a time. */
type Step =
  /** An occurrence: Warning FailedScheduling "Scheduling" about the case's pod unless changed. */
  | { readonly record: { readonly note?: string; readonly action?: string; readonly related?: boolean } }
  /** Moves the clock (the refresh and finish loops run as they fall due). */
  | { readonly advance: number }
  /** Deletes the case's Events behind the recorder's back. */
  | { readonly deleteEvents: true }

/** An Event as the case expects it: its note and, for a series, count and last observation (ms after the start). */
interface Want {
  readonly note: string
  readonly action?: string
  /** The related object's name. */
  readonly related?: string
  readonly series?: { readonly count: number; readonly at: number }
}

const cases: { name: string; steps: Step[]; want: Want[] }[] = [
  {
    name: "the first occurrence is created without a series",
    steps: [{ record: {} }],
    want: [{ note: "0/1 nodes are available" }],
  },
  {
    name: "the second turns it into a series of 2, patched with the second's time",
    steps: [{ record: {} }, { advance: 5000 }, { record: {} }],
    want: [{ note: "0/1 nodes are available", series: { count: 2, at: 5000 } }],
  },
  {
    name: "the third counts in memory only: the API still shows 2",
    steps: [{ record: {} }, { advance: 1000 }, { record: {} }, { advance: 1000 }, { record: {} }],
    want: [{ note: "0/1 nodes are available", series: { count: 2, at: 1000 } }],
  },
  {
    name: "a different note with the same key folds into the series; the first note stays",
    steps: [{ record: { note: "first" } }, { advance: 1000 }, { record: { note: "second" } }],
    want: [{ note: "first", series: { count: 2, at: 1000 } }],
  },
  {
    name: "another action or a related object makes another Event",
    steps: [{ record: {} }, { record: { action: "Binding" } }, { record: { related: true } }],
    want: [
      { note: "0/1 nodes are available" },
      { note: "0/1 nodes are available", action: "Binding" },
      { note: "0/1 nodes are available", related: "preemptor-4" },
    ],
  },
  {
    name: "a series whose Event is gone is created again with its series (NotFound falls back to create)",
    steps: [{ record: {} }, { deleteEvents: true }, { advance: 2000 }, { record: {} }],
    want: [{ note: "0/1 nodes are available", series: { count: 2, at: 2000 } }],
  },
  {
    name: "a series unseen for 6 minutes is written a last time with its count, then forgotten",
    steps: [
      { record: {} },
      { advance: 1000 },
      { record: {} },
      { advance: 1000 },
      { record: {} },
      { advance: 12 * MIN },
      // Forgotten: the next occurrence starts a new Event.
      { record: { note: "later" } },
    ],
    want: [{ note: "0/1 nodes are available", series: { count: 3, at: 2000 } }, { note: "later" }],
  },
  {
    name: "a single Event older than 6 minutes is forgotten unwritten: a repeat starts a new one",
    // The finish loop runs at once and every 6 minutes: at 6 the Event is not older than 6 yet.
    steps: [{ record: {} }, { advance: 12 * MIN + 1000 }, { record: { note: "again" } }],
    want: [{ note: "0/1 nodes are available" }, { note: "again" }],
  },
  {
    name: "a series kept alive is written again every 30 minutes with its count",
    steps: [
      { record: {} },
      ...Array.from({ length: 11 }, (): Step[] => [{ advance: 3 * MIN }, { record: {} }]).flat(),
    ],
    // Written at 3 minutes (count 2), then by the refresh at 30, before that minute's repeat:
    // 10 occurrences, the last at 27; those at 30 and 33 are in memory only.
    want: [{ note: "0/1 nodes are available", series: { count: 10, at: 27 * MIN } }],
  },
]

/**
 * Lets the broadcaster's loops and writes run: a few rounds of waiting for its writes, each
 * bounded (a write pausing before a retry waits for the clock).
 */
async function settle(b: EventsV1Broadcaster): Promise<void> {
  for (let round = 0; round < 5; round++) {
    let done = false
    void b.flush().then(() => (done = true))
    for (let i = 0; i < 200 && !done; i++) await new Promise((r) => setImmediate(r))
  }
}

/** The Events about `name`, oldest first, through events.k8s.io. */
async function eventsAbout(name: string): Promise<Event[]> {
  const list = await env.inProcess.resource(EventsV1).list({ namespace: "default" })
  return list.items
    .filter((e) => e.regarding?.name === name)
    .sort((a, b) => Date.parse(a.eventTime ?? "") - Date.parse(b.eventTime ?? ""))
}

describe("EventsV1Broadcaster", () => {
  for (const [i, c] of cases.entries()) {
    test(c.name, async () => {
      const pods = env.inProcess.resource(Pods)
      const pod = await pods.create({
        metadata: { name: `case-${i}`, namespace: "default" },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      } as Pod & ApiObject)
      const preemptor = await pods.create({
        metadata: { name: `preemptor-${i}`, namespace: "default" },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      } as Pod & ApiObject)
      const b = new EventsV1Broadcaster(env.inProcess, {
        clock,
        log: silentLogger(),
        hostname: "host-1",
        qps: 0,
      })
      const rec = b.newRecorder("default-scheduler")
      const stop = new AbortController()
      const running = b.run(stop.signal)
      const start = clock.now()
      try {
        for (const s of c.steps) {
          if ("record" in s)
            rec.event(pod, {
              type: "Warning",
              reason: "FailedScheduling",
              action: s.record.action ?? "Scheduling",
              note: s.record.note ?? "0/1 nodes are available",
              ...(s.record.related ? { related: preemptor } : {}),
            })
          else if ("advance" in s) await clock.advance(s.advance)
          else
            for (const e of await eventsAbout(pod.metadata?.name ?? "")) {
              await env.inProcess
                .resource(EventsV1)
                .delete({ namespace: "default", name: e.metadata?.name ?? "" })
            }
          await settle(b)
        }
        const got = (await eventsAbout(pod.metadata?.name ?? "")).map((e) => ({
          note: e.note,
          ...(e.action !== "Scheduling" ? { action: e.action } : {}),
          ...(e.related ? { related: e.related.name } : {}),
          ...(e.series
            ? { series: { count: e.series.count, at: Date.parse(e.series.lastObservedTime) - start } }
            : {}),
        }))
        assert.deepEqual(got, c.want)
      } finally {
        stop.abort()
        await running
      }
    })
  }

  test("an Event carries what upstream's makeEvent puts in it", async () => {
    const pods = env.inProcess.resource(Pods)
    const victim = await pods.create({
      metadata: { name: "victim", namespace: "default" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    } as Pod & ApiObject)
    const vip = await pods.create({
      metadata: { name: "vip", namespace: "default" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    } as Pod & ApiObject)
    const b = new EventsV1Broadcaster(env.inProcess, { clock, log: silentLogger(), hostname: "host-1" })
    // Objects without kind and apiVersion (as informers may hand them out) take them from `ref`.
    const bare = (p: ApiObject) => ({ metadata: p.metadata }) as ApiObject
    b.newRecorder("default-scheduler").event(bare(victim), {
      type: "Normal",
      reason: "Preempted",
      action: "Preempting",
      note: `Preempted by pod ${vip.metadata?.uid} on node n1`,
      related: bare(vip),
      ref: Pods,
    })
    await b.flush()
    const [e] = await eventsAbout("victim")
    assert.ok(e)
    assert.match(e.metadata?.name ?? "", /^victim\.[0-9a-f]+$/)
    assert.equal(e.metadata?.namespace, "default")
    assert.equal(e.eventTime, microTime(clock.now()))
    assert.equal(e.reportingController, "default-scheduler")
    assert.equal(e.reportingInstance, "default-scheduler-host-1")
    assert.equal(e.action, "Preempting")
    assert.deepEqual(e.regarding, {
      kind: "Pod",
      namespace: "default",
      name: "victim",
      uid: victim.metadata?.uid,
      apiVersion: "v1",
      resourceVersion: victim.metadata?.resourceVersion,
    })
    assert.deepEqual(e.related, referenceTo(vip))
    assert.equal(e.series, undefined)
    // The core/v1 view of the same Event.
    const core: any = await env.inProcess
      .resource(Events)
      .get({ namespace: "default", name: e.metadata?.name ?? "" })
    assert.equal(core.reportingComponent, "default-scheduler")
    assert.equal(core.message, e.note)
    assert.deepEqual(core.related, e.related)
    assert.equal(core.action, "Preempting")
  })
})

/** `client` whose requests fail as `fault` says (undefined: as they would). */
function faulty(
  client: Client,
  fault: (req: RequestOptions) => Error | undefined,
): Client & { calls: string[] } {
  const calls: string[] = []
  const request = (req: RequestOptions) => {
    calls.push(req.method)
    const err = fault(req)
    return err ? Promise.reject(err) : client.request(req)
  }
  return new Proxy(client, {
    get(target, p) {
      if (p === "request") return request
      if (p === "calls") return calls
      const v = Reflect.get(target, p) as unknown
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  }) as Client & { calls: string[] }
}

describe("EventsV1Broadcaster retries as attemptRecording", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "flaky", namespace: "default", uid: "u1" } }
  const details = { type: "Normal", reason: "Scheduled", action: "Binding", note: "n" } as const
  const cases: {
    name: string
    fail: (req: RequestOptions, n: number) => Error | undefined
    repeats: number
    want: string[]
  }[] = [
    {
      name: "a failure without a Status is tried again after a pause",
      fail: (_r, n) => (n === 1 ? new Error("connection refused") : undefined),
      repeats: 1,
      want: ["POST", "POST"],
    },
    {
      name: "a Status other than AlreadyExists is not tried again",
      fail: () => new ApiError("InternalError", "etcd is down"),
      repeats: 1,
      want: ["POST"],
    },
    {
      name: "AlreadyExists on a single Event is not tried again",
      fail: () => new ApiError("AlreadyExists", "exists"),
      repeats: 1,
      want: ["POST"],
    },
    {
      name: "AlreadyExists on a series' create is tried again (its patch raced the first create)",
      // The patch is told NotFound; the create that follows finds the first one there.
      fail: (r, n) => (r.method === "PATCH" && n === 2 ? new ApiError("NotFound", "not yet") : undefined),
      repeats: 2,
      want: ["POST", "PATCH", "POST", "PATCH"],
    },
  ]
  for (const c of cases) {
    test(c.name, async () => {
      let n = 0
      const client = faulty(env.inProcess, (r) => c.fail(r, ++n))
      const b = new EventsV1Broadcaster(client, { clock, log: silentLogger(), hostname: "h", qps: 0 })
      const stop = new AbortController()
      const running = b.run(stop.signal)
      const rec = b.newRecorder("default-scheduler")
      for (let i = 0; i < c.repeats; i++) {
        rec.event(pod, details)
        await settle(b)
      }
      await clock.advance(13_000) // past the longest pause (10 s and a quarter more)
      await settle(b)
      stop.abort()
      await running
      assert.deepEqual(client.calls, c.want)
    })
  }

  test(`a write is given up after 12 tries (${REFRESH_MS / MIN} and ${FINISH_MS / MIN} minute loops aside)`, async () => {
    const client = faulty(env.inProcess, () => new Error("down"))
    const b = new EventsV1Broadcaster(client, { clock, log: silentLogger(), hostname: "h", qps: 0 })
    const stop = new AbortController()
    const running = b.run(stop.signal)
    b.newRecorder("x").event(pod, details)
    for (let i = 0; i < 15; i++) {
      await settle(b)
      await clock.advance(13_000)
    }
    stop.abort()
    await running
    assert.equal(client.calls.length, 12)
  })
})
