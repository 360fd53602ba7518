import assert from "node:assert/strict"
import { test } from "node:test"
import { Registry } from "prom-client"
import { FakeClock, prometheusText } from "../util/index.ts"
import { InflightRequests } from "./inflight.ts"
import { requestInfo } from "./request-info.ts"

const GET = requestInfo("GET", "/api/v1/namespaces/default/pods", new URLSearchParams())
const WATCH = requestInfo("GET", "/api/v1/pods", new URLSearchParams("watch=true"))
const POST = requestInfo("POST", "/api/v1/namespaces/default/pods", new URLSearchParams())
const EXEC = requestInfo("POST", "/api/v1/namespaces/default/pods/p/exec", new URLSearchParams())
const LOG = requestInfo("GET", "/api/v1/namespaces/default/pods/p/log", new URLSearchParams())
const HEALTHZ = requestInfo("GET", "/healthz", new URLSearchParams())

/** The gauge's two series, or undefined when the family is not exposed. */
async function published(registry: Registry): Promise<{ readOnly: number; mutating: number } | undefined> {
  const text = await prometheusText(registry)
  const value = (kind: string) =>
    new RegExp(`^apiserver_current_inflight_requests\\{request_kind="${kind}"\\} (\\S+)$`, "m").exec(
      text,
    )?.[1]
  const readOnly = value("readOnly")
  const mutating = value("mutating")
  return readOnly === undefined || mutating === undefined
    ? undefined
    : { readOnly: Number(readOnly), mutating: Number(mutating) }
}

test("InflightRequests publishes each second's most executing requests by kind, as upstream's watermark", async () => {
  const clock = new FakeClock()
  const registry = new Registry()
  const inflight = new InflightRequests(registry, clock)
  // GIVEN a read, a watch starting and two writes executing at once, one write then done
  const get = inflight.begin(GET)
  const watch = inflight.begin(WATCH)
  const post1 = inflight.begin(POST)
  const post2 = inflight.begin(POST)
  inflight.end(post1)
  inflight.end(watch)
  // THEN nothing is published before the first second ends (upstream sets the gauge then)
  assert.equal(await published(registry), undefined)
  // WHEN it ends
  await clock.advance(1000)
  // THEN its watermarks: 2 reads (the get and the starting watch) and 2 writes
  assert.deepEqual(await published(registry), { readOnly: 2, mutating: 2 })
  assert.match(
    await prometheusText(registry),
    /^# HELP apiserver_current_inflight_requests \[STABLE\] Maximal number of currently used inflight request limit of this apiserver per request kind in last second\.$/m,
  )
  // A second in which nothing started or ended publishes zero, as upstream's reset watermark.
  await clock.advance(1000)
  assert.deepEqual(await published(registry), { readOnly: 0, mutating: 0 })
  // Only a kind that changed rises from zero: the write still executing is not seen again.
  inflight.end(get)
  inflight.end(inflight.begin(GET))
  await clock.advance(1000)
  assert.deepEqual(await published(registry), { readOnly: 1, mutating: 0 })
  // A busy second then a quiet one: the quiet one is published.
  inflight.end(post2)
  await clock.advance(2500)
  assert.deepEqual(await published(registry), { readOnly: 0, mutating: 0 })
})

test("InflightRequests counts what upstream counts", async () => {
  const cases: { name: string; ri: typeof GET; want: { readOnly: number; mutating: number } }[] = [
    { name: "a list is read-only", ri: GET, want: { readOnly: 1, mutating: 0 } },
    { name: "a create is mutating", ri: POST, want: { readOnly: 0, mutating: 1 } },
    { name: "a non-resource GET is read-only", ri: HEALTHZ, want: { readOnly: 1, mutating: 0 } },
    { name: "exec is long-running: not counted", ri: EXEC, want: { readOnly: 0, mutating: 0 } },
    { name: "log is long-running: not counted", ri: LOG, want: { readOnly: 0, mutating: 0 } },
  ]
  for (const c of cases) {
    const clock = new FakeClock()
    const registry = new Registry()
    const inflight = new InflightRequests(registry, clock)
    inflight.begin(c.ri)
    await clock.advance(1000)
    assert.deepEqual(await published(registry), c.want, c.name)
  }
})
