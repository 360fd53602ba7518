/**
 * Runs the checks of a level at a version against a pod (upstream's policy checkRegistry): the
 * baseline checks, and for restricted also the restricted ones, each in the version that applies,
 * baseline checks a restricted one overrides left out; baseline ids sorted first, then restricted
 * ones, so messages always list reasons in one order.
 */
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import type { PodSpec } from "kubernetes-types/core/v1.js"
import { type Check, type CheckPod, type CheckResults, aggregate } from "./check.ts"
import { HOST_CHECKS } from "./checks-host.ts"
import { PROFILE_CHECKS } from "./checks-profiles.ts"
import { RESTRICTED_CHECKS } from "./checks-restricted.ts"
import type { LevelVersion } from "./levels.ts"

/** Every check of the Pod Security Standards, as of policy version v1.35. */
export const CHECKS: readonly Check[] = [...HOST_CHECKS, ...PROFILE_CHECKS, ...RESTRICTED_CHECKS]

/** The newest policy version any check has: later versions and `latest` evaluate as it. */
export const MAX_POLICY_MINOR = Math.max(...CHECKS.map((c) => c.versions.at(-1)?.minimum ?? 0))

const ORDER = [
  ...CHECKS.filter((c) => c.level === "baseline")
    .map((c) => c.id)
    .sort(),
  ...CHECKS.filter((c) => c.level === "restricted")
    .map((c) => c.id)
    .sort(),
]
const BY_ID = new Map(CHECKS.map((c) => [c.id, c]))

/** The version of `c` in force at policy version v1.`minor`, if any. */
function versionAt(c: Check, minor: number) {
  let found
  for (const v of c.versions) if (v.minimum <= minor) found = v
  return found
}

/** The checks of `level` at v1.`minor`, in message order. */
function checksAt(level: "baseline" | "restricted", minor: number): CheckPod[] {
  const overridden = new Set<string>()
  if (level === "restricted") {
    for (const c of CHECKS) {
      if (c.level === "restricted") for (const id of versionAt(c, minor)?.overrides ?? []) overridden.add(id)
    }
  }
  const out: CheckPod[] = []
  for (const id of ORDER) {
    const c = BY_ID.get(id) as Check
    if (c.level === "restricted" && level === "baseline") continue
    if (overridden.has(id)) continue
    const v = versionAt(c, minor)
    if (v) out.push(v.check)
  }
  return out
}

const tables = new Map<string, readonly CheckPod[]>()
const ALLOWED: CheckResults = { allowed: true, forbidden: [] }

/** The checks a level-version runs (none for privileged). */
export function checksFor(lv: LevelVersion): readonly CheckPod[] {
  if (lv.level === "privileged") return []
  const minor = lv.version === "latest" || lv.version > MAX_POLICY_MINOR ? MAX_POLICY_MINOR : lv.version
  const key = `${lv.level}:${minor}`
  let checks = tables.get(key)
  if (!checks) {
    checks = checksAt(lv.level, minor)
    tables.set(key, checks)
  }
  return checks
}

/** Evaluates a pod's metadata and spec (or a template's) against a level at a version. */
export function evaluatePod(lv: LevelVersion, meta: ObjectMeta, spec: PodSpec): CheckResults {
  const checks = checksFor(lv)
  if (checks.length === 0) return ALLOWED
  return aggregate(checks.map((check) => check(meta, spec)))
}
