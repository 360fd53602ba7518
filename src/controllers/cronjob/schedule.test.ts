import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { mostRecentScheduleTime, parseGoDuration, parseSchedule } from "./schedule.ts"
import { rfc3339In } from "./times.ts"

const T0 = Date.UTC(2026, 0, 1) // a Thursday
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

describe("parseSchedule().next", () => {
  const cases = [
    { name: "every minute", schedule: "* * * * *", from: T0, want: "2026-01-01T00:01:00.000Z" },
    {
      name: "strictly after a whole minute",
      schedule: "*/15 * * * *",
      from: T0 + 15 * 60_000,
      want: "2026-01-01T00:30:00.000Z",
    },
    { name: "question mark as any", schedule: "0 0 ? * *", from: T0, want: "2026-01-02T00:00:00.000Z" },
    { name: "@hourly", schedule: "@hourly", from: T0, want: "2026-01-01T01:00:00.000Z" },
    { name: "@daily", schedule: "@daily", from: T0, want: "2026-01-02T00:00:00.000Z" },
    { name: "@midnight", schedule: "@midnight", from: T0, want: "2026-01-02T00:00:00.000Z" },
    { name: "@weekly is Sunday", schedule: "@weekly", from: T0, want: "2026-01-04T00:00:00.000Z" },
    { name: "@monthly", schedule: "@monthly", from: T0, want: "2026-02-01T00:00:00.000Z" },
    { name: "@yearly", schedule: "@yearly", from: T0, want: "2027-01-01T00:00:00.000Z" },
    { name: "@annually", schedule: "@annually", from: T0, want: "2027-01-01T00:00:00.000Z" },
    { name: "@every 90s", schedule: "@every 1m30s", from: T0 + 500, want: "2026-01-01T00:01:30.000Z" },
    {
      name: "names of days and months",
      schedule: "30 6 * jan mon-fri",
      from: T0,
      want: "2026-01-01T06:30:00.000Z",
    },
    { name: "day of month or of week", schedule: "0 0 1 * 1", from: T0, want: "2026-01-05T00:00:00.000Z" },
  ]
  for (const c of cases)
    test(c.name, () => assert.equal(iso(parseSchedule(c.schedule, "UTC").next(c.from)), c.want))

  test("a time zone moves the activations", () => {
    assert.equal(iso(parseSchedule("0 9 * * *", "Asia/Tokyo").next(T0 - 60_000)), "2026-01-01T00:00:00.000Z")
    assert.equal(iso(parseSchedule("0 9 * * *", "America/New_York").next(T0)), "2026-01-01T14:00:00.000Z")
  })

  test("a legacy TZ= prefix names the zone", () => {
    assert.equal(iso(parseSchedule("TZ=Asia/Tokyo 0 9 * * *").next(T0 - 60_000)), "2026-01-01T00:00:00.000Z")
    assert.equal(iso(parseSchedule("CRON_TZ=UTC 0 9 * * *").next(T0)), "2026-01-01T09:00:00.000Z")
    assert.throws(() => parseSchedule("TZ=Mars/Base 0 9 * * *"), /unknown time zone Mars\/Base/)
  })

  test("bad schedules throw", () => {
    assert.throws(() => parseSchedule("* * * *", "UTC"), /expected exactly 5 fields/)
    assert.throws(() => parseSchedule("@fortnightly", "UTC"), /unrecognized descriptor/)
    assert.throws(() => parseSchedule("@every soon", "UTC"), /invalid duration/)
  })
})

describe("mostRecentScheduleTime", () => {
  const minutely = parseSchedule("* * * * *", "UTC")
  const cases = [
    { name: "nothing due yet", earliest: T0, now: T0 + 59_000, want: { mostRecent: undefined, missed: 0 } },
    { name: "one due", earliest: T0, now: T0 + 61_000, want: { mostRecent: T0 + 60_000, missed: 1 } },
    {
      name: "the latest of several",
      earliest: T0,
      now: T0 + 5 * 60_000 + 1,
      want: { mostRecent: T0 + 5 * 60_000, missed: 5 },
    },
    {
      name: "many missed",
      earliest: T0,
      now: T0 + 200 * 60_000,
      want: { mostRecent: T0 + 200 * 60_000, missed: 200 },
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const r = mostRecentScheduleTime(minutely, c.earliest, c.now)
      assert.deepEqual({ mostRecent: r.mostRecent, missed: r.missed }, c.want)
    })
  }
})

describe("parseGoDuration and rfc3339In", () => {
  test("durations", () => {
    assert.equal(parseGoDuration("1h30m"), 5_400_000)
    assert.equal(parseGoDuration("1.5s"), 1500)
  })
  test("times in a zone", () => {
    assert.equal(rfc3339In(T0, undefined), "2026-01-01T00:00:00Z")
    assert.equal(rfc3339In(T0, "Asia/Tokyo"), "2026-01-01T09:00:00+09:00")
    assert.equal(rfc3339In(T0, "America/New_York"), "2025-12-31T19:00:00-05:00")
    assert.equal(rfc3339In(T0, "Asia/Kolkata"), "2026-01-01T05:30:00+05:30")
  })
})
