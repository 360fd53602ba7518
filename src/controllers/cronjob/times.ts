/** Time formatting for CronJobs: RFC 3339 in UTC or in an IANA time zone, as Go prints it. */
import { rfc3339 } from "../../util/index.ts"

/** The offset of zone `tz` from UTC at `ms`, in minutes. */
function offsetMinutes(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" }).formatToParts(
    new Date(ms),
  )
  const name = parts.find((p) => p.type === "timeZoneName")?.value ?? "GMT"
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name)
  if (!m) return 0
  const sign = m[1] === "-" ? -1 : 1
  return sign * (Number(m[2]) * 60 + Number(m[3]))
}

/** `ms` as RFC 3339 in zone `tz` (UTC when undefined), e.g. 2026-01-01T09:00:00+09:00. */
export function rfc3339In(ms: number, tz: string | undefined): string {
  if (!tz || tz === "UTC") return rfc3339(ms)
  const off = offsetMinutes(ms, tz)
  if (off === 0) return rfc3339(ms)
  const local = new Date(ms + off * 60_000).toISOString().replace(/\.\d+Z$/, "")
  const abs = Math.abs(off)
  const hh = String(Math.floor(abs / 60)).padStart(2, "0")
  const mm = String(abs % 60).padStart(2, "0")
  return `${local}${off < 0 ? "-" : "+"}${hh}:${mm}`
}
