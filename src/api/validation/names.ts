/**
 * Format checks for names, label keys and values, ports and keys, returning upstream's
 * message texts (apimachinery `util/validation`). Each check returns the list of problems,
 * empty when the value is valid.
 */

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`
const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
const LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`
const CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
const PERCENT_FMT = "[0-9]+%"
const HTTP_HEADER_NAME_FMT = "[-A-Za-z0-9]+"
const WILDCARD_SUBDOMAIN_FMT = `\\*\\.${DNS1123_SUBDOMAIN_FMT}`

const DNS1123_LABEL_RE = whole(DNS1123_LABEL_FMT)
const DNS1123_SUBDOMAIN_RE = whole(DNS1123_SUBDOMAIN_FMT)
const DNS1035_LABEL_RE = whole(DNS1035_LABEL_FMT)
const LABEL_KEY_RE = whole(LABEL_KEY_FMT)
const LABEL_VALUE_RE = whole(LABEL_VALUE_FMT)
const CONFIG_MAP_KEY_RE = whole(CONFIG_MAP_KEY_FMT)
const PERCENT_RE = whole(PERCENT_FMT)
const HTTP_HEADER_NAME_RE = whole(HTTP_HEADER_NAME_FMT)
const WILDCARD_SUBDOMAIN_RE = whole(WILDCARD_SUBDOMAIN_FMT)

/** The longest DNS-1123 label (and DNS-1035 label, and label name or value). */
export const DNS1123_LABEL_MAX_LENGTH = 63
/** The longest DNS-1123 subdomain. */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253

function whole(fmt: string): RegExp {
  return new RegExp(`^${fmt}$`)
}

/** Upstream's byte length: names are checked in UTF-8 bytes, not UTF-16 units. */
function byteLength(s: string): number {
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
  const shown = examples.map((e) => `'${e}', `).join("or ")
  return `${msg} (e.g. ${shown}regex used for validation is '${fmt}')`
}

/** `must be between LO and HI, inclusive`. */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`
}

/** A lowercase RFC 1123 label: `my-name`, at most 63 characters. */
export function isDns1123Label(value: string): string[] {
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
  else if (byteLength(name) > DNS1123_LABEL_MAX_LENGTH) errs.push(`name part ${maxBytesError(DNS1123_LABEL_MAX_LENGTH)}`)
  if (!LABEL_KEY_RE.test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")}`)
  return errs
}

/** A label value: empty, or up to 63 alphanumerics with '-', '_' or '.' inside. */
export function isLabelValue(value: string): string[] {
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

/** A port number from 1 to 65535. */
export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)]
}

/** An IANA service name: up to 15 of `[-a-z0-9]`, at least one letter, no leading, trailing or double hyphen. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = []
  if (port.length > 15) errs.push(maxLenError(15))
  if (!/^[-a-z0-9]+$/.test(port)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
  if (!/[a-z]/.test(port)) errs.push("must contain at least one letter (a-z)")
  if (port.includes("--")) errs.push("must not contain consecutive hyphens")
  if (port.length > 0 && (port.startsWith("-") || port.endsWith("-"))) errs.push("must not begin or end with a hyphen")
  return errs
}

/** A Unix user or group id: 0 to 2^32-1. */
export function isValidId(id: number): string[] {
  return Number.isInteger(id) && id >= 0 && id <= 0xffffffff ? [] : [inclusiveRangeError(0, 0xffffffff)]
}

/** A percentage such as `25%`. */
export function isValidPercent(value: string): string[] {
  return PERCENT_RE.test(value)
    ? []
    : [regexError("a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT, "1%", "93%")]
}

/** An HTTP header name. */
export function isHttpHeaderName(value: string): string[] {
  return HTTP_HEADER_NAME_RE.test(value)
    ? []
    : [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", HTTP_HEADER_NAME_FMT, "X-Header-Name")]
}

/**
 * An environment variable name under the relaxed rules upstream uses since 1.34
 * (RelaxedEnvironmentVariableValidation): printable ASCII except '='.
 */
export function isEnvVarName(value: string): string[] {
  if (value.length === 0) return ["environment variable name must be non-empty"]
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0
    if (c < 0x20 || c > 0x7e || ch === "=") {
      return ["a valid environment variable name must consist only of printable ASCII characters other than '='"]
    }
  }
  return []
}

function chDirPrefix(value: string): string[] {
  if (value === ".") return ["must not be '.'"]
  if (value === "..") return ["must not be '..'"]
  if (value.startsWith("..")) return ["must not start with '..'"]
  return []
}

/** A key of a ConfigMap or Secret: `[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or `..`. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH))
  if (!CONFIG_MAP_KEY_RE.test(value)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        CONFIG_MAP_KEY_FMT,
        "key.name",
        "KEY_NAME",
        "key-name",
      ),
    )
  }
  errs.push(...chDirPrefix(value))
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
