/**
 * CronJob schedules as upstream reads them (robfig/cron's standard parser): five fields with
 * names, ranges, steps and `?`, the @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly
 * descriptors and `@every <duration>`, evaluated in a time zone (IANA, or the process's own).
 * Also the arithmetic of missed start times (upstream's mostRecentScheduleTime).
 */
import { CronExpressionParser } from "cron-parser"

/** When a schedule fires. Times are milliseconds since the epoch. */
export interface Schedule {
  /** The first activation strictly after `t`, or undefined when there is none. */
  next(t: number): number | undefined
  /** The last activation in (`from`, `to`], given that `from`'s next is `first`. */
  latest(first: number, to: number): number
}

const DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
}

const GO_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

/** Go's time.ParseDuration in milliseconds. @throws RangeError for bad input */
export function parseGoDuration(text: string): number {
  if (text === "0") return 0
  const m = /^([-+]?)((?:[0-9]*(?:\.[0-9]*)?(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text)
  if (!m) throw new RangeError(`time: invalid duration ${JSON.stringify(text)}`)
  let total = 0
  for (const part of (m[2] ?? "").matchAll(/([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1] || "0") * (GO_UNITS[part[2] ?? ""] ?? 0)
  }
  return m[1] === "-" ? -total : total
}

/** `@every d`: every d (whole seconds, at least one) after the previous run, as robfig's. */
function everySchedule(d: number): Schedule {
  const delay = Math.max(1000, d - (d % 1000))
  return {
    next: (t) => t - (t % 1000) + delay,
    latest(first, to) {
      return first + Math.floor((to - first) / delay) * delay
    },
  }
}

function cronSchedule(expr: string, tz: string | undefined): Schedule {
  const opts = (t: number) => ({ currentDate: new Date(t), ...(tz ? { tz } : {}) })
  // Parse once up front so a bad expression fails here, not on first use.
  CronExpressionParser.parse(expr, opts(0))
  const step = (t: number, dir: "next" | "prev"): number | undefined => {
    try {
      const it = CronExpressionParser.parse(expr, opts(t))
      return (dir === "next" ? it.next() : it.prev()).getTime()
    } catch {
      return undefined // no activation within the parser's horizon
    }
  }
  return {
    next: (t) => step(t, "next"),
    latest(first, to) {
      const p = step(to + 1, "prev")
      return p === undefined || p < first ? first : p
    },
  }
}

/**
 * Parses `schedule` in time zone `tz` (the process's zone when undefined).
 * @throws Error with the parser's message when the schedule cannot be read
 */
export function parseSchedule(schedule: string, tz?: string): Schedule {
  let spec = schedule.trim()
  // The legacy `TZ=<zone> ` (or `CRON_TZ=`) prefix names the zone itself.
  const prefixed = /^(?:CRON_)?TZ=(\S*)\s+(.*)$/.exec(spec)
  if (prefixed) {
    tz = prefixed[1] ?? ""
    spec = (prefixed[2] ?? "").trim()
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz })
    } catch {
      throw new Error(`provided bad location ${tz}: unknown time zone ${tz}`)
    }
  }
  if (spec.startsWith("@every ")) return everySchedule(parseGoDuration(spec.slice("@every ".length).trim()))
  const expr = DESCRIPTORS[spec] ?? spec
  if (expr.startsWith("@")) throw new Error(`unrecognized descriptor: ${spec}`)
  const fields = expr.split(/\s+/).filter(Boolean)
  if (fields.length !== 5)
    throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`)
  return cronSchedule(fields.join(" "), tz)
}

/** How many missed start times count as too many to list. */
export const MANY_MISSED = 100

/** The most recent start time a CronJob missed, and how many it missed. */
export interface MostRecent {
  /** The time schedules are counted from: the last schedule, creation, or the deadline. */
  readonly earliest: number
  /** The latest activation in (earliest, now], if any. */
  readonly mostRecent?: number
  /** Roughly how many activations fell in (earliest, now] (upstream's approximation). */
  readonly missed: number
}

/**
 * The latest activation of `schedule` after `earliest` and no later than `now`.
 * @throws Error when two activations are less than a second apart
 */
export function mostRecentScheduleTime(schedule: Schedule, earliest: number, now: number): MostRecent {
  const t1 = schedule.next(earliest)
  if (t1 === undefined || now < t1) return { earliest, missed: 0 }
  const t2 = schedule.next(t1)
  if (t2 === undefined || now < t2) return { earliest, mostRecent: t1, missed: 1 }
  const between = Math.round((t2 - t1) / 1000)
  if (between < 1) throw new Error("time difference between two schedules is less than 1 second")
  const missed = Math.floor((now - t1) / 1000 / between) + 1
  return { earliest, mostRecent: schedule.latest(t1, now), missed }
}
