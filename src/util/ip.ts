/**
 * IPv4 and IPv6 addresses and prefixes of either family, as Go's net/netip reads and prints them:
 * parsing (strict, or lenient about leading zeros as upstream's ParseIPSloppy), RFC 5952 text,
 * and prefix containment (ServiceCIDRs and IPAddresses).
 */

/** An address: its family and its value as an unsigned 32- or 128-bit number. */
export interface IpAddr {
  readonly family: 4 | 6
  readonly value: bigint
}

/** A prefix: an address (host bits possibly set, as written) and its length. */
export interface IpPrefix {
  readonly addr: IpAddr
  readonly bits: number
}

/** Options of parseIp and parsePrefix. */
export interface ParseOptions {
  /** Accepts IPv4 parts with leading zeros (read as decimal), as upstream's sloppy parsers do. */
  readonly sloppy?: boolean
}

/** The number of bits of an address of `family`. */
export function familyBits(family: 4 | 6): number {
  return family === 4 ? 32 : 128
}

function parseIpv4(text: string, sloppy: boolean): bigint | undefined {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  let n = 0n
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined
    if (!sloppy && p.length > 1 && p.startsWith("0")) return undefined
    n = n * 256n + BigInt(Number(p))
  }
  return n
}

function parseGroups(text: string, sloppy: boolean, endsAddress: boolean): bigint[] | undefined {
  if (text === "") return []
  const out: bigint[] = []
  const groups = text.split(":")
  for (const [i, g] of groups.entries()) {
    // The address's last group may be an IPv4 address: two groups' worth
    if (endsAddress && i === groups.length - 1 && g.includes(".")) {
      const v4 = parseIpv4(g, sloppy)
      if (v4 === undefined) return undefined
      out.push(v4 >> 16n, v4 & 0xffffn)
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(BigInt(`0x${g}`))
    else return undefined
  }
  return out
}

function parseIpv6(text: string, sloppy: boolean): bigint | undefined {
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  const head = parseGroups(halves[0] ?? "", sloppy, halves.length === 1)
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "", sloppy, true) : []
  if (!head || !tail) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  let n = 0n
  for (const g of [...head, ...new Array<bigint>(missing).fill(0n), ...tail]) n = (n << 16n) | g
  return n
}

/** Parses an IPv4 or IPv6 address (no zone); undefined when `text` is not one. */
export function parseIp(text: string, opts: ParseOptions = {}): IpAddr | undefined {
  const sloppy = !!opts.sloppy
  if (text.includes(":")) {
    const v = parseIpv6(text, sloppy)
    return v === undefined ? undefined : { family: 6, value: v }
  }
  const v = parseIpv4(text, sloppy)
  return v === undefined ? undefined : { family: 4, value: v }
}

/** True when `a` is an IPv4 address written as IPv6 (`::ffff:a.b.c.d`). */
export function isIpv4Mapped(a: IpAddr): boolean {
  return a.family === 6 && a.value >> 32n === 0xffffn
}

function ipv4Text(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join(".")
}

/** The canonical text of an address: dotted IPv4, RFC 5952 IPv6 (`::ffff:a.b.c.d` for mapped ones). */
export function formatIp(a: IpAddr): string {
  if (a.family === 4) return ipv4Text(a.value)
  if (isIpv4Mapped(a)) return `::ffff:${ipv4Text(a.value & 0xffffffffn)}`
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => Number((a.value >> s) & 0xffffn))
  // The longest run of two or more zero groups (the first of equals) becomes "::"
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
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":")
  if (best < 0) return hex(groups)
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`
}

/** Parses `address/bits`; undefined when `text` is not a prefix. Host bits may be set. */
export function parsePrefix(text: string, opts: ParseOptions = {}): IpPrefix | undefined {
  const slash = text.indexOf("/")
  if (slash < 0) return undefined
  const addr = parseIp(text.slice(0, slash), opts)
  const len = text.slice(slash + 1)
  if (!addr || !/^\d{1,3}$/.test(len)) return undefined
  if (!opts.sloppy && len.length > 1 && len.startsWith("0")) return undefined
  const bits = Number(len)
  if (bits > familyBits(addr.family)) return undefined
  return { addr, bits }
}

function hostMask(family: 4 | 6, bits: number): bigint {
  return (1n << BigInt(familyBits(family) - bits)) - 1n
}

/** The prefix with its host bits cleared. */
export function maskPrefix(p: IpPrefix): IpPrefix {
  return {
    addr: { family: p.addr.family, value: p.addr.value & ~hostMask(p.addr.family, p.bits) },
    bits: p.bits,
  }
}

/** The canonical text of a prefix (host bits cleared), as Go's net.IPNet prints it. */
export function formatPrefix(p: IpPrefix): string {
  return `${formatIp(maskPrefix(p).addr)}/${p.bits}`
}

/** The first and last address of a prefix, as numbers. */
export function prefixBounds(p: IpPrefix): { readonly first: bigint; readonly last: bigint } {
  const first = maskPrefix(p).addr.value
  return { first, last: first + hostMask(p.addr.family, p.bits) }
}

/** True when `a` lies within `p` (same family). */
export function prefixContains(p: IpPrefix, a: IpAddr): boolean {
  if (p.addr.family !== a.family) return false
  const { first, last } = prefixBounds(p)
  return a.value >= first && a.value <= last
}

/** True when every address of `inner` lies within `outer`. */
export function prefixContainsPrefix(outer: IpPrefix, inner: IpPrefix): boolean {
  return inner.bits >= outer.bits && prefixContains(outer, inner.addr)
}

/** True when the prefixes share an address. */
export function prefixesOverlap(a: IpPrefix, b: IpPrefix): boolean {
  return prefixContainsPrefix(a, b) || prefixContainsPrefix(b, a)
}
