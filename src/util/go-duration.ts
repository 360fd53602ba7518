/** Go's time.Duration as its String method prints it. */

/** `value`, a fraction of a unit in `places` digits, after a point, its trailing zeros dropped ("" for none). */
function fraction(value: number, places: number): string {
  if (value === 0) return ""
  return `.${String(value).padStart(places, "0").replace(/0+$/, "")}`
}

/**
 * `ms` milliseconds (rounded to the nanosecond) as Go's Duration.String prints them: "0s";
 * under a second in the largest of ns, µs and ms that is at least 1 ("250ns", "1.5µs", "100ms");
 * else hours and minutes when non-zero, then seconds with their fraction ("1.5s", "1m0s",
 * "1h2m5.25s", "4h0m0s").
 */
export function goDuration(ms: number): string {
  let n = Math.round(ms * 1e6)
  if (n === 0) return "0s"
  const sign = n < 0 ? "-" : ""
  n = Math.abs(n)
  if (n < 1e3) return `${sign}${n}ns`
  if (n < 1e6) return `${sign}${Math.floor(n / 1e3)}${fraction(n % 1e3, 3)}µs`
  if (n < 1e9) return `${sign}${Math.floor(n / 1e6)}${fraction(n % 1e6, 6)}ms`
  const seconds = Math.floor(n / 1e9)
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = `${seconds % 60}${fraction(n % 1e9, 9)}s`
  if (h > 0) return `${sign}${h}h${m}m${s}`
  if (m > 0) return `${sign}${m}m${s}`
  return `${sign}${s}`
}
