/**
 * The subnets of a cluster CIDR of one mask size, handed out one at a time (upstream's
 * cidrset): the next free one after the last handed out, wrapping, skipping those occupied.
 */
import { type Cidr, numberToIpv4, parseCidr } from "../../util/index.ts"

/** Allocates subnets of `maskSize` bits from `cluster`. */
export class CidrSet {
  readonly #cluster: Cidr
  readonly #maskSize: number
  readonly #count: number
  readonly #used = new Set<number>()
  #next = 0

  /** @throws RangeError when the mask size does not fit the cluster CIDR (as upstream, at most 16 bits more) */
  constructor(cluster: string, maskSize: number) {
    this.#cluster = parseCidr(cluster)
    if (!Number.isInteger(maskSize) || maskSize < this.#cluster.prefix || maskSize > 32) {
      throw new RangeError(
        `Cannot split "${cluster}" into /${maskSize} subnets: the mask size must be in ${this.#cluster.prefix}..32`,
      )
    }
    if (maskSize - this.#cluster.prefix > 16) {
      throw new RangeError(
        `Cannot split "${cluster}" into /${maskSize} subnets: at most 16 bits more than the cluster mask`,
      )
    }
    this.#maskSize = maskSize
    this.#count = 2 ** (maskSize - this.#cluster.prefix)
  }

  /** The index of `subnet` in the set, or undefined when it is not one of its subnets. */
  #indexOf(subnet: string): number | undefined {
    let cidr: Cidr
    try {
      cidr = parseCidr(subnet)
    } catch {
      return undefined
    }
    const size = 2 ** (32 - this.#maskSize)
    if (cidr.prefix !== this.#maskSize || cidr.base < this.#cluster.base) return undefined
    const index = (cidr.base - this.#cluster.base) / size
    return index < this.#count ? index : undefined
  }

  #text(index: number): string {
    return `${numberToIpv4(this.#cluster.base + index * 2 ** (32 - this.#maskSize))}/${this.#maskSize}`
  }

  /** Marks `subnet` used; false when it is not a subnet of this set. */
  occupy(subnet: string): boolean {
    const i = this.#indexOf(subnet)
    if (i === undefined) return false
    this.#used.add(i)
    return true
  }

  /** Marks `subnet` free again. */
  release(subnet: string): void {
    const i = this.#indexOf(subnet)
    if (i !== undefined) this.#used.delete(i)
  }

  /** Marks every subnet overlapping `range` used (the service range inside the cluster range). */
  occupyOverlapping(range: string): void {
    const r = parseCidr(range)
    const size = 2 ** (32 - this.#maskSize)
    for (let i = 0; i < this.#count; i++) {
      const base = this.#cluster.base + i * size
      if (base < r.base + r.size && r.base < base + size) this.#used.add(i)
    }
  }

  /** The next free subnet, now used; undefined when all are used. */
  allocateNext(): string | undefined {
    for (let k = 0; k < this.#count; k++) {
      const i = (this.#next + k) % this.#count
      if (this.#used.has(i)) continue
      this.#used.add(i)
      this.#next = (i + 1) % this.#count
      return this.#text(i)
    }
    return undefined
  }
}
