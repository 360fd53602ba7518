/**
 * IP address and CIDR checks with upstream's messages (apimachinery `util/validation/ip.go`
 * and core's ValidateNonSpecialIP). Legacy fields are lenient (non-canonical forms accepted);
 * newer ones (ServiceCIDR, IPAddress) take upstream's strict IsValidIP and IsValidCIDR.
 */
import { isIP } from "node:net"
import { formatIp, formatPrefix, isIpv4Mapped, parseIp, parsePrefix, prefixBounds } from "../../util/index.ts"
import type { FieldError } from "../errors.ts"
import { invalidValue } from "../field-errors.ts"

/**
 * What upstream's IsValidIP says of `value`: a valid address, without leading zeros, not
 * IPv4-mapped, in canonical form.
 */
export function strictIpErrors(value: string): string[] {
  const sloppy = parseIp(value, { sloppy: true })
  if (!sloppy) return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
  const strict = parseIp(value)
  if (!strict) return ["must not have leading 0s"]
  if (isIpv4Mapped(strict)) return ["must not be an IPv4-mapped IPv6 address"]
  const canonical = formatIp(strict)
  return value === canonical ? [] : [`must be in canonical form (${JSON.stringify(canonical)})`]
}

/**
 * Upstream's IsValidCIDR: a valid CIDR without leading zeros, not IPv4-mapped, without bits set
 * past the prefix length, in canonical form.
 */
export function isValidCidrStrict(value: string, field: string): FieldError[] {
  const sloppy = parsePrefix(value, { sloppy: true })
  if (!sloppy) {
    return [invalidValue(field, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")]
  }
  const strict = parsePrefix(value)
  let msg: string | undefined
  if (!strict) msg = "must not have leading 0s in IP or prefix length"
  else if (isIpv4Mapped(strict.addr)) msg = "must not have an IPv4-mapped IPv6 address"
  else if (prefixBounds(strict).first !== strict.addr.value)
    msg = "must not have bits set beyond the prefix length"
  if (msg) return [invalidValue(field, value, msg)]
  const canonical = formatPrefix(strict!)
  if (value === canonical) return []
  return [invalidValue(field, value, `must be in canonical form (${JSON.stringify(canonical)})`)]
}

/** An IPv4 or IPv6 address. */
export function isValidIp(value: string, field: string): FieldError[] {
  return isIP(value)
    ? []
    : [invalidValue(field, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
}

/** An IPv4 address. */
export function isValidIpv4(value: string, field: string): FieldError[] {
  return isIP(value) === 4 ? [] : [invalidValue(field, value, "must be a valid IPv4 address")]
}

/** An IPv6 address. */
export function isValidIpv6(value: string, field: string): FieldError[] {
  return isIP(value) === 6 ? [] : [invalidValue(field, value, "must be a valid IPv6 address")]
}

/** A CIDR such as `10.0.0.0/8`. */
export function isValidCidr(value: string, field: string): FieldError[] {
  const [ip = "", bits, ...rest] = value.split("/")
  const family = isIP(ip)
  const n = bits !== undefined && /^[0-9]+$/.test(bits) ? Number(bits) : -1
  const max = family === 6 ? 128 : 32
  if (!family || rest.length || n < 0 || n > max) {
    return [invalidValue(field, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")]
  }
  return []
}

function ipv4Octets(ip: string): number[] {
  return ip.split(".").map(Number)
}

/**
 * Endpoint and external IPs may not be unspecified, loopback or link-local. Endpoints pass
 * `allowLoopback`: unlike upstream, k8ts gives unprivileged pods (and a loopback-bound API
 * server) addresses in 127.0.0.0/8, and services must be able to point at them.
 */
export function validateNonSpecialIp(
  value: string,
  field: string,
  opts: { allowLoopback?: boolean } = {},
): FieldError[] {
  const family = isIP(value)
  if (!family) return [invalidValue(field, value, "must be a valid IP address")]
  const errs: FieldError[] = []
  const lower = value.toLowerCase()
  let unspecified: boolean, loopback: boolean, linkLocal: boolean, linkLocalMulticast: boolean
  if (family === 4) {
    const [a = 0, b = 0, c = 0] = ipv4Octets(value)
    unspecified = value === "0.0.0.0"
    loopback = a === 127
    linkLocal = a === 169 && b === 254
    linkLocalMulticast = a === 224 && b === 0 && c === 0
  } else {
    unspecified = /^(0*:)*:?0*$/.test(lower) && !/[1-9a-f]/.test(lower)
    loopback = /^(0*:)+0*1$/.test(lower) || lower === "::1"
    linkLocal = /^fe[89ab][0-9a-f]:/.test(lower)
    linkLocalMulticast = /^ff[0-9a-f]2:/.test(lower)
  }
  if (unspecified) errs.push(invalidValue(field, value, `may not be unspecified (${value})`))
  if (loopback && !opts.allowLoopback)
    errs.push(invalidValue(field, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
  if (linkLocal)
    errs.push(invalidValue(field, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
  if (linkLocalMulticast) {
    errs.push(
      invalidValue(field, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"),
    )
  }
  return errs
}
