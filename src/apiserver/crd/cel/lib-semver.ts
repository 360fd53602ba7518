/**
 * Kubernetes' semver library (version 1, in the base environment since 1.33): `semver(s)` and
 * `isSemver(s)`, each also with a flag that normalizes first (a leading `v` dropped, leading
 * zeros trimmed, a missing minor or patch added as 0), and `major`, `minor`, `patch`,
 * `compareTo`, `isGreaterThan` and `isLessThan` of semver.org 2.0.0's precedence. DRA device
 * attributes of type version are Semver values too.
 */
import type { Environment } from "@marcbachmann/cel-js"
import type { CelComparable } from "./equality.ts"

const NUMERIC = /^(0|[1-9]\d*)$/
const IDENT = /^[0-9A-Za-z-]+$/

/** A parsed semantic version. */
export class CelSemver implements CelComparable {
  readonly celType = "kubernetes.Semver"
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly pre: readonly string[],
    readonly build: readonly string[],
  ) {}

  equals(other: unknown): boolean {
    return other instanceof CelSemver && compareSemver(this, other) === 0
  }
}

function number(part: string, what: string): bigint {
  if (!/^\d+$/.test(part)) throw new Error(`Invalid character(s) found in ${what} number "${part}"`)
  if (part.length > 1 && part.startsWith("0"))
    throw new Error(
      `${what[0]!.toUpperCase()}${what.slice(1)} number must not contain leading zeroes "${part}"`,
    )
  return BigInt(part)
}

/** blang/semver's strict Parse. @throws Error as it words its refusals */
export function parseSemver(s: string): CelSemver {
  if (!s) throw new Error("Version string empty")
  const parts = s.split(".")
  if (parts.length < 3 || s.split(".", 3).length !== 3) throw new Error("No Major.Minor.Patch elements found")
  const [major, minor] = parts as [string, string]
  const rest = parts.slice(2).join(".")
  const cut = rest.search(/[+-]/)
  const patch = cut < 0 ? rest : rest.slice(0, cut)
  let tail = cut < 0 ? "" : rest.slice(cut)
  let pre: string[] = []
  let build: string[] = []
  const plus = tail.indexOf("+")
  if (plus >= 0) {
    build = tail.slice(plus + 1).split(".")
    tail = tail.slice(0, plus)
  }
  if (tail.startsWith("-")) pre = tail.slice(1).split(".")
  for (const p of pre) {
    if (!p) throw new Error("Prerelease is empty")
    if (!IDENT.test(p)) throw new Error(`Invalid character(s) found in prerelease "${p}"`)
    if (/^\d+$/.test(p) && !NUMERIC.test(p))
      throw new Error(`Numeric PreRelease version must not contain leading zeroes "${p}"`)
  }
  for (const b of build) {
    if (!b) throw new Error("Build meta data is empty")
    if (!IDENT.test(b)) throw new Error(`Invalid character(s) found in build meta data "${b}"`)
  }
  return new CelSemver(number(major, "major"), number(minor, "minor"), number(patch, "patch"), pre, build)
}

/** Upstream's normalizeAndParse: lenient about `v`, leading zeros and short versions. */
function normalizeAndParse(input: string): CelSemver {
  const s = input.startsWith("v") ? input.slice(1) : input
  const first = s.split(".")
  const parts = first.length > 3 ? [first[0]!, first[1]!, first.slice(2).join(".")] : first
  const trimmed = parts.map((p) => {
    if (p.length <= 1) return p
    const t = p.replace(/^0+/, "")
    return !t || !/^\d/.test(t) ? `0${t}` : t
  })
  if (trimmed.length < 3) {
    if (/[+-]/.test(trimmed[trimmed.length - 1] ?? ""))
      throw new Error("short version cannot contain PreRelease/Build meta data")
    while (trimmed.length < 3) trimmed.push("0")
  }
  return parseSemver(trimmed.join("."))
}

function comparePre(a: string, b: string): number {
  const an = NUMERIC.test(a)
  const bn = NUMERIC.test(b)
  if (an && bn) return Math.sign(Number(BigInt(a) - BigInt(b)))
  if (an) return -1
  if (bn) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** semver.org's precedence: -1, 0 or 1 (build metadata does not count). */
export function compareSemver(a: CelSemver, b: CelSemver): number {
  for (const k of ["major", "minor", "patch"] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1
  if (!a.pre.length || !b.pre.length) return a.pre.length === b.pre.length ? 0 : a.pre.length ? -1 : 1
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const c = comparePre(a.pre[i]!, b.pre[i]!)
    if (c) return c
  }
  return Math.sign(a.pre.length - b.pre.length)
}

function valid(parse: () => unknown): boolean {
  try {
    parse()
    return true
  } catch {
    return false
  }
}

/** Adds the Semver type and functions to `env`. */
export function registerSemver(env: Environment): void {
  const S = "kubernetes.Semver"
  env
    .registerType(S, { ctor: CelSemver, fields: {} })
    .registerFunction(`semver(string): ${S}`, parseSemver)
    .registerFunction(`semver(string, bool): ${S}`, (s: string, n: boolean) =>
      n ? normalizeAndParse(s) : parseSemver(s),
    )
    .registerFunction("isSemver(string): bool", (s: string) => valid(() => parseSemver(s)))
    .registerFunction("isSemver(string, bool): bool", (s: string, n: boolean) =>
      valid(() => (n ? normalizeAndParse(s) : parseSemver(s))),
    )
    .registerFunction(`${S}.major(): int`, (v: CelSemver) => v.major)
    .registerFunction(`${S}.minor(): int`, (v: CelSemver) => v.minor)
    .registerFunction(`${S}.patch(): int`, (v: CelSemver) => v.patch)
    .registerFunction(
      `${S}.isGreaterThan(${S}): bool`,
      (a: CelSemver, b: CelSemver) => compareSemver(a, b) > 0,
    )
    .registerFunction(`${S}.isLessThan(${S}): bool`, (a: CelSemver, b: CelSemver) => compareSemver(a, b) < 0)
    .registerFunction(`${S}.compareTo(${S}): int`, (a: CelSemver, b: CelSemver) =>
      BigInt(compareSemver(a, b)),
    )
    .registerOperator(`${S} == ${S}`, (a: CelSemver, b: CelSemver) => a.equals(b))
}
