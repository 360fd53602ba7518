/**
 * Format checks for ports, ids, percentages, header and environment variable names and
 * ConfigMap keys, with upstream's message texts (apimachinery `util/validation`).
 */
import {
  byteLength,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  inclusiveRangeError,
  maxLenError,
  regexError,
  whole,
} from "./names.ts"

const CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
const PERCENT_FMT = "[0-9]+%"
const HTTP_HEADER_NAME_FMT = "[-A-Za-z0-9]+"
const CONFIG_MAP_KEY_RE = whole(CONFIG_MAP_KEY_FMT)
const PERCENT_RE = whole(PERCENT_FMT)
const HTTP_HEADER_NAME_RE = whole(HTTP_HEADER_NAME_FMT)

/** A port number from 1 to 65535. */
export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)]
}

/** An IANA service name: up to 15 of `[-a-z0-9]`, at least one letter, no leading, trailing or double hyphen. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = []
  if (port.length > 15) errs.push(maxLenError(15))
  if (!/^[-a-z0-9]+$/.test(port))
    errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
  if (!/[a-z]/.test(port)) errs.push("must contain at least one letter (a-z)")
  if (port.includes("--")) errs.push("must not contain consecutive hyphens")
  if (port.length > 0 && (port.startsWith("-") || port.endsWith("-")))
    errs.push("must not begin or end with a hyphen")
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
    : [
        regexError(
          "a valid percent string must be a numeric string followed by an ending '%'",
          PERCENT_FMT,
          "1%",
          "93%",
        ),
      ]
}

/** An HTTP header name. */
export function isHttpHeaderName(value: string): string[] {
  return HTTP_HEADER_NAME_RE.test(value)
    ? []
    : [
        regexError(
          "a valid HTTP header must consist of alphanumeric characters or '-'",
          HTTP_HEADER_NAME_FMT,
          "X-Header-Name",
        ),
      ]
}

/** Printable ASCII but '=', at least one: a valid name, answered without walking it. */
const ENV_VAR_NAME_RE = /^[\x20-\x3c\x3e-\x7e]+$/

/**
 * An environment variable name under the relaxed rules upstream uses since 1.34
 * (RelaxedEnvironmentVariableValidation): printable ASCII except '='.
 */
export function isEnvVarName(value: string): string[] {
  if (ENV_VAR_NAME_RE.test(value)) return []
  if (value.length === 0) return ["environment variable name must be non-empty"]
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0
    if (c < 0x20 || c > 0x7e || ch === "=") {
      return [
        "a valid environment variable name must consist only of printable ASCII characters other than '='",
      ]
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
