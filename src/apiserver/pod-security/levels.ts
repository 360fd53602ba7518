/**
 * The Pod Security Standards' levels and versions, and the policy a namespace's
 * `pod-security.kubernetes.io/<mode>[-version]` labels set (upstream's pod-security-admission
 * api package: ParseLevel, ParseVersion, PolicyToEvaluate).
 */
import { type FieldError, fieldErrors } from "../../api/index.ts"
import { goParseInt } from "../../util/index.ts"

/** A Pod Security Standards level, least to most strict. */
export type Level = "privileged" | "baseline" | "restricted"

/** A policy version: `latest`, or the minor of v1.N. */
export type Version = "latest" | number

/** A level at a version, e.g. restricted:v1.30. */
export interface LevelVersion {
  readonly level: Level
  readonly version: Version
}

/** What a namespace enforces, audits and warns about. */
export interface Policy {
  readonly enforce: LevelVersion
  readonly audit: LevelVersion
  readonly warn: LevelVersion
}

/** The prefix of the namespace labels (and of PodSecurity's audit annotations). */
export const LABEL_PREFIX = "pod-security.kubernetes.io/"
export const ENFORCE_LABEL = `${LABEL_PREFIX}enforce`
export const ENFORCE_VERSION_LABEL = `${LABEL_PREFIX}enforce-version`
export const AUDIT_LABEL = `${LABEL_PREFIX}audit`
export const AUDIT_VERSION_LABEL = `${LABEL_PREFIX}audit-version`
export const WARN_LABEL = `${LABEL_PREFIX}warn`
export const WARN_VERSION_LABEL = `${LABEL_PREFIX}warn-version`

const PRIVILEGED_LATEST: LevelVersion = { level: "privileged", version: "latest" }

/** The policy of a namespace without labels (upstream's default configuration). */
export const DEFAULT_POLICY: Policy = {
  enforce: PRIVILEGED_LATEST,
  audit: PRIVILEGED_LATEST,
  warn: PRIVILEGED_LATEST,
}

const LEVELS: readonly Level[] = ["privileged", "baseline", "restricted"]
const VERSION_RE = /^v1\.([0-9]|[1-9][0-9]*)$/

/** `restricted:latest`, `baseline:v1.30`. */
export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${versionString(lv.version)}`
}

/** `latest` or `v1.N`. */
export function versionString(v: Version): string {
  return v === "latest" ? "latest" : `v1.${v}`
}

/** Whether two level-versions are the same. */
export function sameLevelVersion(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && a.version === b.version
}

/** Whether `a` is an older version than `b` (latest is newer than any). */
export function olderVersion(a: Version, b: Version): boolean {
  if (a === "latest") return false
  return b === "latest" || a < b
}

/** -1, 0 or 1 as `a` is less, as or more strict than `b`. */
export function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b))
}

/** Whether every mode of a policy is privileged (nothing to check). */
export function isFullyPrivileged(p: Policy): boolean {
  return p.enforce.level === "privileged" && p.audit.level === "privileged" && p.warn.level === "privileged"
}

function parseLevel(value: string): Level | undefined {
  return (LEVELS as readonly string[]).includes(value) ? (value as Level) : undefined
}

function parseVersion(value: string): Version | undefined {
  if (value === "latest") return "latest"
  const m = VERSION_RE.exec(value)
  if (!m) return undefined
  // strconv.Atoi: a minor past int64 is refused like any malformed version.
  const n = goParseInt(m[1] as string)
  return n.error === undefined ? Number(n.value) : undefined
}

function labelError(label: string, value: string, detail: string): FieldError {
  return fieldErrors.invalidValue(`metadata.labels[${label}]`, value, detail)
}

const LEVEL_DETAIL = `must be one of ${LEVELS.join(", ")}`
const VERSION_DETAIL = 'must be "latest" or "v1.x"'

/** The policy set by a namespace's labels, and the errors of the labels that do not parse. */
export interface LabelledPolicy {
  readonly policy: Policy
  readonly errors: readonly FieldError[]
}

/**
 * The policy a namespace's labels set, as upstream's PolicyToEvaluate: unset modes keep the
 * default; an enforce level that does not parse enforces restricted, an audit or warn level that
 * does not parse is privileged (fail open), a version that does not parse is latest; warn
 * follows a stricter enforce level (and its version) it was not given.
 */
export function policyFromLabels(labels: Readonly<Record<string, string>> | undefined): LabelledPolicy {
  if (!labels) return { policy: DEFAULT_POLICY, errors: [] }
  const errors: FieldError[] = []
  const level = (label: string, invalid: Level, fallback: Level): Level => {
    const value = labels[label]
    if (value === undefined) return fallback
    const parsed = parseLevel(value)
    if (!parsed) errors.push(labelError(label, value, LEVEL_DETAIL))
    return parsed ?? invalid
  }
  const version = (label: string, fallback: Version): Version => {
    const value = labels[label]
    if (value === undefined) return fallback
    const parsed = parseVersion(value)
    if (parsed === undefined) errors.push(labelError(label, value, VERSION_DETAIL))
    return parsed ?? "latest"
  }
  const d = DEFAULT_POLICY
  const enforceGiven = labels[ENFORCE_LABEL]
  const enforce: LevelVersion = {
    level: level(ENFORCE_LABEL, "restricted", d.enforce.level),
    version: version(ENFORCE_VERSION_LABEL, d.enforce.version),
  }
  const audit: LevelVersion = {
    level: level(AUDIT_LABEL, "privileged", d.audit.level),
    version: version(AUDIT_VERSION_LABEL, d.audit.version),
  }
  let warn: LevelVersion = {
    level: level(WARN_LABEL, "privileged", d.warn.level),
    version: version(WARN_VERSION_LABEL, d.warn.version),
  }
  const enforceParsed = enforceGiven !== undefined && parseLevel(enforceGiven) !== undefined
  if (labels[WARN_LABEL] === undefined && enforceParsed && compareLevels(enforce.level, warn.level) > 0) {
    warn = {
      level: enforce.level,
      version: labels[WARN_VERSION_LABEL] === undefined ? enforce.version : warn.version,
    }
  }
  return { policy: { enforce, audit, warn }, errors }
}
