/**
 * Format checks for names, label keys and label values with upstream's message texts
 * (apimachinery `util/validation`), and the name rule of each kind. Each check returns the
 * list of problems, empty when the value is valid.
 */

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`
const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
const LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`
const WILDCARD_SUBDOMAIN_FMT = `\\*\\.${DNS1123_SUBDOMAIN_FMT}`

const DNS1123_LABEL_RE = whole(DNS1123_LABEL_FMT)
const DNS1123_SUBDOMAIN_RE = whole(DNS1123_SUBDOMAIN_FMT)
const DNS1035_LABEL_RE = whole(DNS1035_LABEL_FMT)
const LABEL_KEY_RE = whole(LABEL_KEY_FMT)
const LABEL_VALUE_RE = whole(LABEL_VALUE_FMT)
const WILDCARD_SUBDOMAIN_RE = whole(WILDCARD_SUBDOMAIN_FMT)

/** The longest DNS-1123 label (and DNS-1035 label, and label name or value). */
export const DNS1123_LABEL_MAX_LENGTH = 63
/** The longest DNS-1123 subdomain. */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253

/** A regex matching the whole of a string. */
export function whole(fmt: string): RegExp {
  return new RegExp(`^${fmt}$`)
}

/** Upstream's byte length: names are checked in UTF-8 bytes, not UTF-16 units. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8")
}

/** `must be no more than N characters` (DNS names and keys). */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`
}

/** `must be no more than N bytes` (label keys and values). */
function maxBytesError(length: number): string {
  return `must be no more than ${length} bytes`
}

/** Upstream's regex explanation: the rule, examples, then the regex itself. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`
  // Upstream puts " or " after each example's "', ": two spaces before every "or".
  const shown = examples.map((e) => `'${e}', `).join(" or ")
  return `${msg} (e.g. ${shown}regex used for validation is '${fmt}')`
}

/** `must be between LO and HI, inclusive`. */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`
}

/** A lowercase RFC 1123 label: `my-name`, at most 63 characters. */
export function isDns1123Label(value: string): string[] {
  // Most values are valid: the regex admits ASCII only, so their length is their byte length.
  return value.length <= DNS1123_LABEL_MAX_LENGTH && DNS1123_LABEL_RE.test(value)
    ? []
    : dns1123LabelErrors(value)
}

/** isDns1123Label worked out in full (the errors of an invalid value). */
export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH))
  if (!DNS1123_LABEL_RE.test(value)) {
    // A valid subdomain that is not a label can only be failing on its dots
    if (DNS1123_SUBDOMAIN_RE.test(value)) errs.push("must not contain dots")
    else
      errs.push(
        regexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          DNS1123_LABEL_FMT,
          "my-name",
          "123-abc",
        ),
      )
  }
  return errs
}

/** A lowercase RFC 1123 subdomain: `example.com`, at most 253 characters. */
export function isDns1123Subdomain(value: string): string[] {
  return value.length <= DNS1123_SUBDOMAIN_MAX_LENGTH && DNS1123_SUBDOMAIN_RE.test(value)
    ? []
    : dns1123SubdomainErrors(value)
}

/** isDns1123Subdomain worked out in full (the errors of an invalid value). */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH))
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        "example.com",
      ),
    )
  }
  return errs
}

const DNS1123_LABEL_UNDERSCORE_FMT = "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
const DNS1123_SUBDOMAIN_UNDERSCORE_FMT = `${DNS1123_LABEL_UNDERSCORE_FMT}(\\.${DNS1123_LABEL_UNDERSCORE_FMT})*`
const DNS1123_SUBDOMAIN_UNDERSCORE_RE = whole(DNS1123_SUBDOMAIN_UNDERSCORE_FMT)

/** A subdomain that may also contain '_' (DNS search domains). */
export function isDns1123SubdomainWithUnderscore(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH))
  if (!DNS1123_SUBDOMAIN_UNDERSCORE_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_UNDERSCORE_FMT,
        "example.com",
      ),
    )
  }
  return errs
}

/** An RFC 1035 label (starts with a letter): the format of Service names. */
export function isDns1035Label(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH))
  if (!DNS1035_LABEL_RE.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        "my-name",
        "abc-123",
      ),
    )
  }
  return errs
}

/** A wildcard subdomain such as `*.example.com`. */
export function isWildcardDns1123Subdomain(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH))
  if (!WILDCARD_SUBDOMAIN_RE.test(value)) {
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        WILDCARD_SUBDOMAIN_FMT,
        "*.example.com",
      ),
    )
  }
  return errs
}

const LABEL_KEY_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

/** A qualified name (label key): an optional DNS subdomain prefix and '/', then a name. */
export function isQualifiedName(value: string): string[] {
  return isValidQualifiedName(value) ? [] : qualifiedNameErrors(value)
}

/** isQualifiedName worked out in full (the errors of an invalid value). */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = []
  const parts = value.split("/")
  let name: string
  if (parts.length === 1) {
    name = parts[0] ?? ""
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? ""
    name = parts[1] ?? ""
    if (prefix.length === 0) errs.push("prefix part must be non-empty")
    else errs.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`))
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]
  }
  if (name.length === 0) errs.push("name part must be non-empty")
  else if (byteLength(name) > DNS1123_LABEL_MAX_LENGTH)
    errs.push(`name part ${maxBytesError(DNS1123_LABEL_MAX_LENGTH)}`)
  if (!LABEL_KEY_RE.test(name))
    errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")}`)
  return errs
}

/**
 * isQualifiedName's answer for the valid (most): an optional subdomain prefix and '/', then a name
 * part; the regexes admit ASCII only, so lengths are byte lengths.
 */
function isValidQualifiedName(value: string): boolean {
  const slash = value.indexOf("/")
  if (slash < 0) return value.length <= DNS1123_LABEL_MAX_LENGTH && LABEL_KEY_RE.test(value)
  const nameLength = value.length - slash - 1
  return (
    slash <= DNS1123_SUBDOMAIN_MAX_LENGTH &&
    nameLength <= DNS1123_LABEL_MAX_LENGTH &&
    value.indexOf("/", slash + 1) < 0 &&
    DNS1123_SUBDOMAIN_RE.test(value.slice(0, slash)) &&
    LABEL_KEY_RE.test(value.slice(slash + 1))
  )
}

/** A label value: empty, or up to 63 alphanumerics with '-', '_' or '.' inside. */
export function isLabelValue(value: string): string[] {
  return value.length <= DNS1123_LABEL_MAX_LENGTH && LABEL_VALUE_RE.test(value) ? [] : labelValueErrors(value)
}

/** isLabelValue worked out in full (the errors of an invalid value). */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxBytesError(DNS1123_LABEL_MAX_LENGTH))
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        "MyValue",
        "my_value",
        "12345",
      ),
    )
  }
  return errs
}

/** A name safe as a URL path segment (RBAC names): not `.` or `..`, no `/` or `%`. */
export function isPathSegmentName(name: string): string[] {
  if (name === "." || name === "..") return [`may not be '${name}'`]
  return isPathSegmentPrefix(name)
}

/** A prefix of a path segment name (generateName): no `/` or `%`. */
export function isPathSegmentPrefix(name: string): string[] {
  const errs: string[] = []
  for (const bad of ["/", "%"]) if (name.includes(bad)) errs.push(`may not contain '${bad}'`)
  return errs
}

/** Checks a whole name, or a generateName prefix when `prefix` is true. */
export type NameValidator = (name: string, prefix: boolean) => string[]

/** generateName may end with '-': check it as if a character followed. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith("-") ? name.slice(0, -2) + "a" : name
}

/** Names that must be DNS subdomains (most kinds). */
export function nameIsDnsSubdomain(name: string, prefix: boolean): string[] {
  return isDns1123Subdomain(prefix ? maskTrailingDash(name) : name)
}

/** Names that must be DNS labels (Namespace, StatefulSet). */
export function nameIsDnsLabel(name: string, prefix: boolean): string[] {
  return isDns1123Label(prefix ? maskTrailingDash(name) : name)
}

/** Names that must be DNS-1035 labels (Service). */
export function nameIsDns1035Label(name: string, prefix: boolean): string[] {
  return isDns1035Label(prefix ? maskTrailingDash(name) : name)
}

/** Names only required to be path segments (RBAC kinds). */
export function nameIsPathSegment(name: string, prefix: boolean): string[] {
  return prefix ? isPathSegmentPrefix(name) : isPathSegmentName(name)
}
