/**
 * Kubernetes' IP and CIDR libraries: `ip(<string>)`, `isIP`, `ip.isCanonical`, family and the
 * address class tests; `cidr(<string>)`, `isCIDR`, containsIP, containsCIDR, ip, masked,
 * prefixLength; `string()` of both. Addresses parse as Go's netip does: no zones, no
 * IPv4-mapped IPv6, no leading zeros in IPv4 parts.
 */
import type { Environment } from "@marcbachmann/cel-js"
import type { CelComparable } from "./equality.ts"

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address. */
export class CelIp implements CelComparable {
  readonly celType = "net.IP"
  constructor(readonly bytes: Uint8Array) {}

  equals(other: unknown): boolean {
    return other instanceof CelIp && Buffer.compare(this.bytes, other.bytes) === 0
  }

  toString(): string {
    return this.bytes.length === 4 ? this.bytes.join(".") : ipv6String(this.bytes)
  }
}

/** An address and a prefix length. */
export class CelCidr implements CelComparable {
  readonly celType = "net.CIDR"
  constructor(
    readonly ip: CelIp,
    readonly bits: number,
  ) {}

  equals(other: unknown): boolean {
    return other instanceof CelCidr && other.bits === this.bits && other.ip.equals(this.ip)
  }

  masked(): CelIp {
    const out = new Uint8Array(this.ip.bytes)
    for (let i = 0; i < out.length; i++) {
      const keep = Math.max(0, Math.min(8, this.bits - i * 8))
      out[i] = (out[i] ?? 0) & ((0xff << (8 - keep)) & 0xff)
    }
    return new CelIp(out)
  }

  toString(): string {
    return `${this.ip.toString()}/${this.bits}`
  }
}

function ipv6String(b: Uint8Array): string {
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0))
  // The longest run of two or more zero groups (the first of equals) becomes "::".
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j === i ? i + 1 : j
  }
  const hex = groups.map((g) => g.toString(16))
  if (best < 0) return hex.join(":")
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`
}

function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split(".")
  if (parts.length !== 4) return undefined
  const out = new Uint8Array(4)
  for (const [i, p] of parts.entries()) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined
    out[i] = Number(p)
  }
  return out
}

function parseIpv6(s: string): Uint8Array | undefined {
  const halves = s.split("::")
  if (halves.length > 2) return undefined
  const groups = (h: string): number[] | undefined => {
    if (h === "") return []
    const out: number[] = []
    const parts = h.split(":")
    for (const [i, p] of parts.entries()) {
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p)
        if (!v4) return undefined
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0))
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16))
      else return undefined
    }
    return out
  }
  const head = groups(halves[0] ?? "")
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : []
  if (!head || !tail) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail]
  const out = new Uint8Array(16)
  all.forEach((g, i) => {
    out[i * 2] = g >> 8
    out[i * 2 + 1] = g & 0xff
  })
  return out
}

function isMapped(b: Uint8Array): boolean {
  return b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff
}

/** Go's netip.ParseAddr with upstream's refusals, as its ip() reports them. */
export function parseIp(raw: string): CelIp {
  if (raw.includes("%")) throw new Error(`IP address ${JSON.stringify(raw)} with zone value is not allowed`)
  const bytes = raw.includes(":") ? parseIpv6(raw) : parseIpv4(raw)
  if (!bytes) {
    throw new Error(
      `IP Address ${JSON.stringify(raw)} parse error during conversion from string: ParseAddr(${JSON.stringify(raw)}): unable to parse IP`,
    )
  }
  if (isMapped(bytes)) throw new Error(`IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`)
  return new CelIp(bytes)
}

/** Go's netip.ParsePrefix with upstream's refusals, as its cidr() reports them. */
export function parseCidr(raw: string): CelCidr {
  const fail = (why: string): never => {
    throw new Error(
      `network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): ${why}`,
    )
  }
  const slash = raw.lastIndexOf("/")
  if (slash < 0) fail("no '/'")
  const addr = raw.slice(0, slash)
  const bits = raw.slice(slash + 1)
  if (addr.includes("%")) fail("IPv6 zones cannot be present in a prefix")
  const bytes = addr.includes(":") ? parseIpv6(addr) : parseIpv4(addr)
  if (!bytes) fail(`ParseAddr(${JSON.stringify(addr)}): unable to parse IP`)
  const ip = bytes as Uint8Array
  if (!/^(0|[1-9][0-9]*)$/.test(bits) || Number(bits) > ip.length * 8)
    fail(`bad bits after slash: ${JSON.stringify(bits)}`)
  if (isMapped(ip)) throw new Error(`IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`)
  return new CelCidr(new CelIp(ip), Number(bits))
}

function succeeds(parse: (s: string) => unknown): (s: string) => boolean {
  return (s) => {
    try {
      parse(s)
      return true
    } catch {
      return false
    }
  }
}

function inPrefix(ip: CelIp, prefix: CelCidr): boolean {
  if (ip.bytes.length !== prefix.ip.bytes.length) return false
  return new CelCidr(ip, prefix.bits).masked().equals(prefix.masked())
}

function containsCidr(a: CelCidr, b: CelCidr): boolean {
  return a.bits <= b.bits && inPrefix(b.ip, a)
}

const b = (ip: CelIp, i: number): number => ip.bytes[i] ?? 0
const isV4 = (ip: CelIp): boolean => ip.bytes.length === 4
const isZero = (ip: CelIp): boolean => ip.bytes.every((x) => x === 0)
const isLoopback = (ip: CelIp): boolean =>
  isV4(ip) ? b(ip, 0) === 127 : ip.bytes.slice(0, 15).every((x) => x === 0) && b(ip, 15) === 1
const isMulticast = (ip: CelIp): boolean => (isV4(ip) ? (b(ip, 0) & 0xf0) === 0xe0 : b(ip, 0) === 0xff)
const isLinkLocalUnicast = (ip: CelIp): boolean =>
  isV4(ip) ? b(ip, 0) === 169 && b(ip, 1) === 254 : b(ip, 0) === 0xfe && (b(ip, 1) & 0xc0) === 0x80
const isLinkLocalMulticast = (ip: CelIp): boolean =>
  isV4(ip)
    ? b(ip, 0) === 224 && b(ip, 1) === 0 && b(ip, 2) === 0
    : b(ip, 0) === 0xff && (b(ip, 1) & 0x0f) === 0x02
const isGlobalUnicast = (ip: CelIp): boolean =>
  !isZero(ip) &&
  !(isV4(ip) && ip.bytes.every((x) => x === 255)) &&
  !isLoopback(ip) &&
  !isMulticast(ip) &&
  !isLinkLocalUnicast(ip)

/** Namespace of ip.isCanonical. */
class IpNamespace {}

/** Adds the IP and CIDR types and functions to `env`. */
export function registerNet(env: Environment): void {
  const IP = "net.IP"
  const CIDR = "net.CIDR"
  env
    .registerType(IP, { ctor: CelIp, fields: {} })
    .registerType(CIDR, { ctor: CelCidr, fields: {} })
    .registerFunction(`ip(string): ${IP}`, parseIp)
    .registerFunction("isIP(string): bool", succeeds(parseIp))
    .registerType("IpNamespace", IpNamespace)
    .registerConstant("ip", "IpNamespace", new IpNamespace())
    .registerFunction(
      "IpNamespace.isCanonical(string): bool",
      (_ns: IpNamespace, s: string) => parseIp(s).toString() === s,
    )
    .registerFunction(`${IP}.family(): int`, (ip: CelIp) => (isV4(ip) ? 4n : 6n))
    .registerFunction(`${IP}.isUnspecified(): bool`, isZero)
    .registerFunction(`${IP}.isLoopback(): bool`, isLoopback)
    .registerFunction(`${IP}.isLinkLocalMulticast(): bool`, isLinkLocalMulticast)
    .registerFunction(`${IP}.isLinkLocalUnicast(): bool`, isLinkLocalUnicast)
    .registerFunction(`${IP}.isGlobalUnicast(): bool`, isGlobalUnicast)
    .registerFunction(`string(${IP}): string`, (ip: CelIp) => ip.toString())
    .registerOperator(`${IP} == ${IP}`, (x: CelIp, y: CelIp) => x.equals(y))
    .registerFunction(`cidr(string): ${CIDR}`, parseCidr)
    .registerFunction("isCIDR(string): bool", succeeds(parseCidr))
    .registerFunction(`${CIDR}.containsIP(string): bool`, (c: CelCidr, s: string) => inPrefix(parseIp(s), c))
    .registerFunction(`${CIDR}.containsIP(${IP}): bool`, (c: CelCidr, ip: CelIp) => inPrefix(ip, c))
    .registerFunction(`${CIDR}.containsCIDR(string): bool`, (c: CelCidr, s: string) =>
      containsCidr(c, parseCidr(s)),
    )
    .registerFunction(`${CIDR}.containsCIDR(${CIDR}): bool`, containsCidr)
    .registerFunction(`${CIDR}.ip(): ${IP}`, (c: CelCidr) => c.ip)
    .registerFunction(`${CIDR}.masked(): ${CIDR}`, (c: CelCidr) => new CelCidr(c.masked(), c.bits))
    .registerFunction(`${CIDR}.prefixLength(): int`, (c: CelCidr) => BigInt(c.bits))
    .registerFunction(`string(${CIDR}): string`, (c: CelCidr) => c.toString())
    .registerOperator(`${CIDR} == ${CIDR}`, (x: CelCidr, y: CelCidr) => x.equals(y))
}
