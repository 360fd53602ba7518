/**
 * Host-local address management, as CNI's host-local plugin keeps it: one file per leased
 * address, named by the address and holding the owner's id, plus the last address handed out,
 * so leases survive a restart and addresses are not reused at once.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { type Cidr, ipv4ToNumber, numberToIpv4, parseCidr } from "../util/index.ts"

const LAST = "last_reserved_ip"

/** Options of HostLocalIpam. */
export interface HostLocalIpamOptions {
  /** The range to lease from, e.g. the node's podCIDR "10.244.1.0/24". */
  readonly range: string
  /** Where the lease files live. */
  readonly dir: string
  /** Addresses never leased besides the network and broadcast addresses (the gateway). */
  readonly reserved?: readonly string[]
}

/** Leases addresses of one range to ids, persisted in a directory of files. */
export class HostLocalIpam {
  readonly #range: Cidr
  readonly #dir: string
  readonly #reserved: ReadonlySet<string>

  constructor(opts: HostLocalIpamOptions) {
    this.#range = parseCidr(opts.range)
    if (this.#range.prefix > 30)
      throw new RangeError(`Cannot lease from "${opts.range}": it holds no host addresses`)
    this.#dir = opts.dir
    this.#reserved = new Set(opts.reserved ?? [])
  }

  /** The address leased to `id`, leasing the next free one when it has none. @throws Error when the range is full */
  async allocate(id: string): Promise<string> {
    await mkdir(this.#dir, { recursive: true })
    const leases = await this.leases()
    for (const [ip, owner] of leases) if (owner === id) return ip
    const first = this.#range.base + 1
    const count = this.#range.size - 2
    const last = ipv4ToNumber((await readFile(join(this.#dir, LAST), "utf8").catch(() => "")).trim())
    const start = last !== undefined && last >= first && last < first + count ? last - first + 1 : 0
    for (let i = 0; i < count; i++) {
      const ip = numberToIpv4(first + ((start + i) % count))
      if (leases.has(ip) || this.#reserved.has(ip)) continue
      // "wx" fails when another attach took the address meanwhile: then try the next one.
      const took = await writeFile(join(this.#dir, ip), id, { flag: "wx" }).then(
        () => true,
        () => false,
      )
      if (!took) continue
      await writeFile(join(this.#dir, LAST), ip)
      return ip
    }
    throw new Error(`Cannot allocate an address for "${id}": range "${this.#range.text}" is full`)
  }

  /** Frees every address leased to `id`. Idempotent. */
  async release(id: string): Promise<void> {
    for (const [ip, owner] of await this.leases())
      if (owner === id) await rm(join(this.#dir, ip), { force: true })
  }

  /** Every lease: address → owner id. */
  async leases(): Promise<Map<string, string>> {
    const names = await readdir(this.#dir).catch(() => [] as string[])
    const out = new Map<string, string>()
    for (const name of names) {
      if (ipv4ToNumber(name) === undefined) continue
      const owner = await readFile(join(this.#dir, name), "utf8").catch(() => undefined)
      if (owner !== undefined) out.set(name, owner.trim())
    }
    return out
  }

  /** Frees the leases of ids not in `keep`; returns the ids freed. */
  async gc(keep: ReadonlySet<string>): Promise<string[]> {
    const freed: string[] = []
    for (const [ip, owner] of await this.leases()) {
      if (keep.has(owner)) continue
      await rm(join(this.#dir, ip), { force: true })
      freed.push(owner)
    }
    return freed
  }

  /** Removes the lease directory (node stop, after every pod is detached). */
  async destroy(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true })
  }
}
