/**
 * The base CEL environment of CRD validation rules, as Kubernetes' base environment composes
 * it for v1.35: the CEL standard library with optional types and cross-type numeric
 * comparisons (homogeneous aggregate literals are checked in compile.ts), the strings, lists and sets
 * extensions, and Kubernetes' regex, URL, quantity, IP, CIDR and semver libraries. Built once;
 * each CRD version's schema types (or DRA's `device`) are registered on a clone.
 */
import { Environment } from "@marcbachmann/cel-js"
import type { Duration } from "@marcbachmann/cel-js/evaluator"
import { registerLists } from "./lib-lists.ts"
import { registerNet } from "./lib-net.ts"
import { registerQuantity } from "./lib-quantity.ts"
import { registerRegex } from "./lib-regex.ts"
import { registerSemver } from "./lib-semver.ts"
import { registerStrings } from "./lib-strings.ts"
import { registerUrls } from "./lib-url.ts"

/** Go's time.RFC3339Nano form of a timestamp, as CEL's string() writes it. */
export function timestampString(t: Date): string {
  return t.toISOString().replace(/\.?0*Z$/, "Z")
}

/** Seconds with their fraction (`90s`, `1.5s`), as CEL's string() writes a duration. */
export function durationString(d: Duration): string {
  const nanos = d.seconds * 1_000_000_000n + BigInt(d.nanos)
  const sign = nanos < 0n ? "-" : ""
  const abs = nanos < 0n ? -nanos : nanos
  const frac = (abs % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "")
  return `${sign}${abs / 1_000_000_000n}${frac ? `.${frac}` : ""}s`
}

let base: Environment | undefined

/** The shared base environment; clone it before registering anything. */
export function baseEnvironment(): Environment {
  if (base) return base
  // Mixed literals are refused by compile.ts, which lets format's arguments mix as cel-go does.
  const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false })
  registerStrings(env)
  registerLists(env)
  registerRegex(env)
  registerUrls(env)
  registerQuantity(env)
  registerNet(env)
  registerSemver(env)
  env
    .registerFunction("string(google.protobuf.Timestamp): string", timestampString)
    .registerFunction("string(google.protobuf.Duration): string", durationString)
  base = env
  return env
}
