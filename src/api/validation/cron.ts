/**
 * A check of standard five-field cron schedules with the error texts of robfig/cron v3's
 * ParseStandard, which upstream uses: fields, ranges, steps, month and weekday names, and the
 * `@daily`-style descriptors. Returns the error text, or undefined for a valid schedule.
 */

interface Bounds {
  readonly min: number
  readonly max: number
  readonly names?: Readonly<Record<string, number>>
}

const MONTHS = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
}
const DAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 }
const FIELDS: readonly Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
]
const DESCRIPTORS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"])

class CronError extends Error {
  override name = "CronError"
}

/** Go's strconv.Atoi with robfig's wrapping. */
function parseInt(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr)) {
    throw new CronError(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`,
    )
  }
  const n = Number(expr)
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63 - 1) {
    throw new CronError(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`,
    )
  }
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`)
  return n
}

function parseIntOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase() as keyof typeof b.names]
  return named !== undefined ? named : parseInt(expr)
}

function checkRange(expr: string, b: Bounds): void {
  const rangeAndStep = expr.split("/")
  const lowAndHigh = (rangeAndStep[0] ?? "").split("-")
  let start: number
  let end: number
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = b.min
    end = b.max
  } else {
    start = parseIntOrName(lowAndHigh[0] ?? "", b)
    if (lowAndHigh.length === 1) end = start
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? "", b)
    else throw new CronError(`too many hyphens: ${expr}`)
  }
  let step = 1
  if (rangeAndStep.length === 2) {
    step = parseInt(rangeAndStep[1] ?? "")
    // "N/step" means "N-max/step"
    if (lowAndHigh.length === 1) end = b.max
  } else if (rangeAndStep.length > 2) throw new CronError(`too many slashes: ${expr}`)
  if (start < b.min) throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`)
  if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`)
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`)
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`)
}

/** Go's time.ParseDuration, enough to accept or refuse `@every` arguments. */
function isGoDuration(s: string): boolean {
  return s === "0" || /^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$/.test(s)
}

/** The reason `schedule` is not a valid standard cron schedule, or undefined when it is. */
export function cronScheduleError(schedule: string): string | undefined {
  let spec = schedule
  try {
    if (spec.length === 0) throw new CronError("empty spec string")
    if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
      const i = spec.indexOf(" ")
      const zone = spec.slice(spec.indexOf("=") + 1, i < 0 ? undefined : i)
      if (!isTimeZone(zone)) throw new CronError(`provided bad location ${zone}: unknown time zone ${zone}`)
      spec = i < 0 ? "" : spec.slice(i).trim()
    }
    if (spec.startsWith("@")) {
      if (DESCRIPTORS.has(spec)) return undefined
      if (spec.startsWith("@every ")) {
        const d = spec.slice("@every ".length)
        if (!isGoDuration(d))
          throw new CronError(`failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(d)}`)
        return undefined
      }
      throw new CronError(`unrecognized descriptor: ${spec}`)
    }
    const fields = spec.split(/\s+/).filter((f) => f)
    if (fields.length !== 5)
      throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`)
    fields.forEach((f, i) => {
      for (const part of f.split(",")) checkRange(part, FIELDS[i] as Bounds)
    })
    return undefined
  } catch (err) {
    if (err instanceof CronError) return err.message
    throw err
  }
}

/** True when the IANA time zone database knows `zone`. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone })
    return zone.length > 0
  } catch {
    return false
  }
}
