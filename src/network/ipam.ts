/**
 * Host-local address management, as CNI's host-local plugin keeps it: one file per leased
 * address, named by the address and holding the owner's id, plus the last address handed out,
 * so leases survive a restart and addresses are not reused at once.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { writeFile } from "node:fs/promises"
import { dirname, join, resolve } from "node:path"
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

/**
 * Leases addresses of one range to ids, persisted in a directory of files. The leases are read
 * once and then kept in memory, where an allocation takes its address at once; its files (the
 * lease, the last address) are written off the event loop: many pods attaching at once neither
 * wait on each other nor read the directory again, and "wx" still keeps an allocation off a
 * lease another writer made.
 */
export class HostLocalIpam {
  readonly #range: Cidr
  readonly #dir: string
  readonly #reserved: ReadonlySet<string>
  /** address → owner id, once read from the directory. */
  #leases?: Map<string, string>
  /** The last address handed out, as a number. */
  #last?: number

  constructor(opts: HostLocalIpamOptions) {
    this.#range = parseCidr(opts.range)
    if (this.#range.prefix > 30)
      throw new RangeError(`Cannot lease from "${opts.range}": it holds no host addresses`)
    this.#dir = opts.dir
    this.#reserved = new Set(opts.reserved ?? [])
  }

  /**
   * Makes the lease folder where it is missing, in a block group of its own on ext4 (its parent
   * marked a top of hierarchies, `chattr +T`, first): on an ext4 without a journal each new inode
   * is looked for past every inode of its group freed in the last 30 s, and a lease file a pod
   * (by the hundred when pods start at once) then costs that only for leases freed lately, not
   * for what came and went next to the folder. Elsewhere nothing changes; resolves either way.
   */
  async init(): Promise<void> {
    if (existsSync(this.#dir)) return
    const parent = dirname(resolve(this.#dir))
    try {
      mkdirSync(parent, { recursive: true })
    } catch {
      return // made, or failing, with the first lease
    }
    await new Promise<void>((done) => void execFile("chattr", ["-f", "+T", parent], () => done()))
    try {
      mkdirSync(this.#dir, { recursive: true })
    } catch {
      // made, or failing, with the first lease
    }
  }

  /** The leases in memory, read from the directory the first time. */
  #known(): Map<string, string> {
    if (this.#leases) return this.#leases
    mkdirSync(this.#dir, { recursive: true })
    this.#leases = this.#read()
    this.#last = ipv4ToNumber(readOr(join(this.#dir, LAST), "").trim())
    return this.#leases
  }

  /** The leases on disk. */
  #read(): Map<string, string> {
    const out = new Map<string, string>()
    const names = existsSync(this.#dir) ? readdirSync(this.#dir) : []
    for (const name of names) {
      if (ipv4ToNumber(name) === undefined) continue
      const owner = readOr(join(this.#dir, name), undefined)
      if (owner !== undefined) out.set(name, owner.trim())
    }
    return out
  }

  /** The address leased to `id`, if any. */
  async lookup(id: string): Promise<string | undefined> {
    for (const [ip, owner] of this.#known()) if (owner === id) return ip
    return undefined
  }

  /** The address leased to `id`, leasing the next free one when it has none. @throws Error when the range is full */
  async allocate(id: string): Promise<string> {
    for (;;) {
      const { ip, written } = this.reserve(id)
      // Another writer took the address on disk: it is theirs, try the next one.
      if (
        await written.then(
          () => true,
          () => false,
        )
      )
        return ip
    }
  }

  /**
   * Leases `id` an address at once, in memory: the one it has, or the next free one. `written`
   * settles once its files are on disk, and rejects when another writer holds the address there
   * (which then counts as taken, and `id` has no lease).
   * @throws Error when the range is full
   */
  reserve(id: string): { readonly ip: string; readonly written: Promise<void> } {
    const leases = this.#known()
    for (const [ip, owner] of leases) if (owner === id) return { ip, written: Promise.resolve() }
    const first = this.#range.base + 1
    const count = this.#range.size - 2
    const last = this.#last
    const start = last !== undefined && last >= first && last < first + count ? last - first + 1 : 0
    for (let i = 0; i < count; i++) {
      const ip = numberToIpv4(first + ((start + i) % count))
      if (leases.has(ip) || this.#reserved.has(ip)) continue
      leases.set(ip, id)
      this.#last = first + ((start + i) % count)
      const written = writeFile(join(this.#dir, ip), id, { flag: "wx" }).then(
        () => writeFile(join(this.#dir, LAST), ip),
        (err: unknown) => {
          leases.set(ip, "")
          throw err
        },
      )
      written.catch(() => {}) // the caller's to see
      return { ip, written }
    }
    throw new Error(`Cannot allocate an address for "${id}": range "${this.#range.text}" is full`)
  }

  /** Frees every address leased to `id`. Idempotent. */
  async release(id: string): Promise<void> {
    const leases = this.#known()
    for (const [ip, owner] of leases) {
      if (owner !== id) continue
      rmSync(join(this.#dir, ip), { force: true })
      leases.delete(ip)
    }
  }

  /** Every lease on disk: address → owner id. */
  async leases(): Promise<Map<string, string>> {
    return this.#read()
  }

  /** Frees the leases of ids not in `keep` (reading the directory afresh); returns the ids freed. */
  async gc(keep: ReadonlySet<string>): Promise<string[]> {
    const freed: string[] = []
    const leases = this.#read()
    for (const [ip, owner] of leases) {
      if (keep.has(owner)) continue
      rmSync(join(this.#dir, ip), { force: true })
      leases.delete(ip)
      freed.push(owner)
    }
    if (this.#leases) this.#leases = leases
    return freed
  }

  /** Removes the lease directory (node stop, after every pod is detached). */
  async destroy(): Promise<void> {
    rmSync(this.#dir, { recursive: true, force: true })
    this.#leases = undefined
    this.#last = undefined
  }
}

function readOr<T>(file: string, fallback: T): string | T {
  try {
    return readFileSync(file, "utf8")
  } catch {
    return fallback
  }
}
