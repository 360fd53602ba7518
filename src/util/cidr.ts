/** IPv4 CIDR ranges: parsing, membership, and the n-th address (for service and pod ranges). */

/** An IPv4 network. */
export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  readonly base: number
  readonly prefix: number
  /** How many addresses it holds. */
  readonly size: number
  /** The canonical text, e.g. "10.96.0.0/12". */
  readonly text: string
}

/** The number of a dotted-quad IPv4 address, or undefined when `ip` is not one. */
export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split(".")
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined
    n = n * 256 + Number(p)
  }
  return n
}

/** The dotted-quad text of an address number. */
export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".")
}

/**
 * Parses "a.b.c.d/n".
 * @throws Error when `text` is not an IPv4 CIDR or has host bits set
 */
export function parseCidr(text: string): Cidr {
  const [ip, bits, extra] = text.split("/")
  const base = ipv4ToNumber(ip ?? "")
  const prefix = Number(bits)
  if (base === undefined || extra !== undefined || !/^\d{1,2}$/.test(bits ?? "") || prefix > 32) {
    throw new Error(`invalid CIDR address: ${text}`)
  }
  const size = 2 ** (32 - prefix)
  if (base % size !== 0) throw new Error(`invalid CIDR address: ${text} (host bits set)`)
  return { base, prefix, size, text: `${numberToIpv4(base)}/${prefix}` }
}

/** The address at `offset` within the range (0 is the network address). */
export function cidrAddress(cidr: Cidr, offset: number): string {
  if (offset < 0 || offset >= cidr.size) throw new RangeError(`offset ${offset} is outside ${cidr.text}`)
  return numberToIpv4(cidr.base + offset)
}

/** True when `ip` lies within the range. */
export function cidrContains(cidr: Cidr, ip: string): boolean {
  const n = ipv4ToNumber(ip)
  return n !== undefined && n >= cidr.base && n < cidr.base + cidr.size
}

/**
 * The address of `ip` (within `from`) at the same offset in `to`: a Service's ClusterIP mapped to
 * the loopback address the unprivileged proxy serves it on. Undefined when `ip` is outside `from`
 * or the offset does not fit in `to`.
 */
export function mapAddress(ip: string, from: Cidr, to: Cidr): string | undefined {
  const n = ipv4ToNumber(ip)
  if (n === undefined || !cidrContains(from, ip)) return undefined
  const offset = n - from.base
  return offset < to.size ? numberToIpv4(to.base + offset) : undefined
}
