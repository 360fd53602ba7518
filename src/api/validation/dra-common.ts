/**
 * What the resource.k8s.io validators share (upstream's pkg/apis/resource/validation helpers):
 * bounded lists and sets (too many items stops there; duplicates after the items' own errors),
 * bounded maps, pool, device and request names, qualified attribute names and UIDs; and the
 * context the API server supplies (the CEL selector compiler, namespaces' labels).
 */
import type { FieldError } from "../errors.ts"
import { DRA_ADMIN_NAMESPACE_LABEL } from "../dra.ts"
import { duplicate, forbidden, invalidValue, required, tooLong, tooMany } from "../field-errors.ts"
import { index, key, pushInvalid } from "./_field.ts"
import { validateDriverName } from "./csi.ts"
import { isDns1123Label, isDns1123Subdomain, regexError } from "./names.ts"

export { validateDriverName }

/** Why a CEL selector did not compile, as upstream's cel.Error types it. */
export interface CelSelectorError {
  readonly type: "Invalid" | "Required" | "Internal"
  readonly detail: string
}

/** Compiles a device selector expression: undefined when it compiles to a bool (or dyn). */
export type CelSelectorCompiler = (expression: string) => CelSelectorError | undefined

/** What the DRA validators need from outside the api package. */
export interface DraContext {
  /** Compiles CEL selectors; without it, expressions are only checked for length. */
  readonly compileSelector?: CelSelectorCompiler
  /**
   * The labels of a namespace (undefined when it does not exist), for claims that ask for admin
   * access; without it, admin access is not checked.
   */
  readonly namespaceLabels?: (name: string) => Readonly<Record<string, string>> | undefined
}

/**
 * Admin access to devices at `field`, of an object in `namespace`: allowed only when the
 * namespace is labelled `resource.kubernetes.io/admin-access: "true"` (upstream's
 * AuthorizedForAdmin); an internal error when the namespace cannot be read.
 */
export function adminAccessAllowed(
  namespaceLabels: NonNullable<DraContext["namespaceLabels"]>,
  namespace: string,
  field: string,
): FieldError[] {
  const labels = namespaceLabels(namespace)
  if (!labels)
    return [
      {
        type: "InternalError",
        field,
        message: `Internal error: could not retrieve namespace to verify admin access: namespaces "${namespace}" not found`,
      },
    ]
  if (labels[DRA_ADMIN_NAMESPACE_LABEL] === "true") return []
  return [
    forbidden(
      field,
      `admin access to devices requires the \`${DRA_ADMIN_NAMESPACE_LABEL}: true\` label on the containing namespace`,
    ),
  ]
}

export const MAX_REQUESTS = 32
export const MAX_SELECTORS = 32
export const MAX_CONFIGS = 32
const MAX_ID_LENGTH = 32
const MAX_POOL_NAME = 253

/**
 * Each item of a list checked, unless there are more than `max` (negative: no limit): then only
 * that, as upstream stops there to protect itself.
 */
export function validateList<T>(
  items: readonly T[] | undefined,
  max: number,
  field: string,
  each: (item: T, field: string) => FieldError[],
): FieldError[] {
  const all = items ?? []
  if (max >= 0 && all.length > max) return [tooMany(field, all.length, max)]
  return all.flatMap((item, i) => each(item, index(field, i)))
}

/**
 * validateList, then a Duplicate value for each item whose key an earlier item had (`shown`
 * prints a key as upstream's error does, when it is not the key itself).
 */
export function validateSet<T>(
  items: readonly T[] | undefined,
  max: number,
  field: string,
  each: (item: T, field: string) => FieldError[],
  keyOf: (item: T) => unknown,
  shown?: (field: string, item: T) => FieldError,
): FieldError[] {
  const all = items ?? []
  if (max >= 0 && all.length > max) return [tooMany(field, all.length, max)]
  const errs = all.flatMap((item, i) => each(item, index(field, i)))
  const seen = new Set<string>()
  all.forEach((item, i) => {
    const k = keyOf(item)
    const id = JSON.stringify(k ?? null)
    if (seen.has(id)) errs.push(shown ? shown(index(field, i), item) : duplicate(index(field, i), k))
    else seen.add(id)
  })
  return errs
}

/** A long map key cut in its middle for a field path, as upstream's truncateIfTooLong. */
function truncated(s: string, maxLen: number): string {
  const limit = Math.max(maxLen, 16)
  if (s.length <= limit) return s
  const remaining = limit - 3
  return `${s.slice(0, Math.floor((remaining + 1) / 2))}...${s.slice(s.length - Math.floor(remaining / 2))}`
}

/** Every key and value of a map, unless it has more than `max` entries (negative: no limit). */
export function validateMap<T>(
  m: Readonly<Record<string, T>> | undefined,
  opts: {
    readonly max: number
    readonly keyLength: number
    readonly key: (k: string, field: string) => FieldError[]
    readonly value: (v: T, field: string) => FieldError[]
  },
  field: string,
): FieldError[] {
  const entries = m && typeof m === "object" ? Object.entries(m) : []
  if (opts.max >= 0 && entries.length > opts.max) return [tooMany(field, entries.length, opts.max)]
  return entries.flatMap(([k, v]) => {
    const p = key(field, truncated(k, opts.keyLength))
    return [...opts.key(k, p), ...opts.value(v, p)]
  })
}

/** A DNS label (device, request and counter names): Invalid for each complaint. */
export function validateDnsLabel(value: string, field: string): FieldError[] {
  const errs: FieldError[] = []
  pushInvalid(errs, field, value, isDns1123Label(value))
  return errs
}

/** A DNS subdomain (node and device class names). */
export function validateDnsSubdomain(value: string, field: string): FieldError[] {
  const errs: FieldError[] = []
  pushInvalid(errs, field, value, isDns1123Subdomain(value))
  return errs
}

/** A pool name: at most 253 bytes of DNS subdomains separated by slashes. */
export function validatePoolName(name: string | undefined, field: string): FieldError[] {
  if (!name) return [required(field, "")]
  const errs: FieldError[] = []
  if (name.length > MAX_POOL_NAME) errs.push(tooLong(field, MAX_POOL_NAME))
  for (const part of name.split("/")) pushInvalid(errs, field, part, isDns1123Subdomain(part))
  return errs
}

/** A device class name a request refers to: required, a DNS subdomain. */
export function validateDeviceClassRef(name: string | undefined, field: string): FieldError[] {
  return name ? validateDnsSubdomain(name, field) : [required(field, "")]
}

const UUID_HEX = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/** google/uuid's Validate: its error, or undefined for a UUID in any of its accepted forms. */
function uuidError(s: string): string | undefined {
  let v = s
  if (v.length === 45) {
    if (!v.toLowerCase().startsWith("urn:uuid:")) return `invalid urn prefix: "${v.slice(0, 9)}"`
    v = v.slice(9)
  } else if (v.length === 38) {
    if (v[0] !== "{" || v[37] !== "}") return "invalid bracketed UUID format"
    v = v.slice(1, 37)
  } else if (v.length === 32) {
    return /^[0-9a-fA-F]{32}$/.test(v) ? undefined : "invalid UUID format"
  } else if (v.length !== 36) return `invalid UUID length: ${v.length}`
  return UUID_HEX.test(v) ? undefined : "invalid UUID format"
}

/** A share ID: a UUID in its normalized, lowercase form. */
export function validateUid(uid: string, field: string): FieldError[] {
  const err = uuidError(uid)
  if (err) return [invalidValue(field, uid, `error validating uid: ${err}`)]
  if (uid.length !== 36 || uid !== uid.toLowerCase())
    return [
      invalidValue(
        field,
        uid,
        "uid must be in RFC 4122 normalized form, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` with lowercase hexadecimal characters",
      ),
    ]
  return []
}

const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

function validateCIdentifier(id: string, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (id.length > MAX_ID_LENGTH) errs.push(tooLong(field, MAX_ID_LENGTH))
  if (!C_IDENTIFIER.test(id)) {
    const msg =
      "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'"
    errs.push(
      invalidValue(field, id, regexError(msg, "[A-Za-z_][A-Za-z0-9_]*", "my_name", "MY_NAME", "MyName")),
    )
  }
  return errs
}

/** An attribute or capacity name: a C identifier, optionally after a driver-like domain and a slash. */
export function validateQualifiedName(name: string, field: string): FieldError[] {
  const parts = name.split("/")
  if (parts.length === 1) return validateCIdentifier(name, field)
  // Names with more than one slash are let through, as upstream's check is (a known gap).
  if (parts.length !== 2) return []
  const [domain, id] = parts as [string, string]
  const errs: FieldError[] = []
  if (!domain) errs.push(invalidValue(field, "", "the domain must not be empty"))
  else errs.push(...validateDriverName(domain, field))
  if (!id) errs.push(invalidValue(field, "", "the name must not be empty"))
  else errs.push(...validateCIdentifier(id, field))
  return errs
}

/** A constraint's attribute name: a qualified name that has its domain. */
export function validateFullyQualifiedName(name: string, field: string): FieldError[] {
  const errs = validateQualifiedName(name, field)
  if (!name.includes("/"))
    errs.push(
      invalidValue(field, name, "a fully qualified name must be a domain and a name separated by a slash"),
    )
  return errs
}
