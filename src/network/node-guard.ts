/**
 * The node-wide safety state a pod network adds and must take back: the `unreachable` routes
 * for the cluster and service CIDRs and net.ipv4.ip_forward (through forwarding.ts). What it
 * changed is written to a file first, so a restart after a crash still knows which routes are its own.
 */
import { existsSync } from "node:fs"
import { mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { dirname } from "node:path"
import { cidrContains, parseCidr } from "../util/index.ts"
import { failedWith, run } from "./exec.ts"
import { holdForwarding, releaseForwarding } from "./forwarding.ts"
import { RUN_DIR } from "./shared-setting.ts"

const BRIDGE_NF_CALL_IPTABLES = "/proc/sys/net/bridge/bridge-nf-call-iptables"
/** bridge-nf-call-iptables is held like ip_forward: restored by the last pod network to let go. */
const BRIDGE_NF = { dir: `${RUN_DIR}/bridge-nf-call-iptables`, sysctl: BRIDGE_NF_CALL_IPTABLES }

interface GuardState {
  /** Guard routes this node added (and so removes). */
  routes: string[]
}

/** The nameservers of a resolv.conf: no guard route may cover them. */
async function nameservers(resolvConf: string): Promise<string[]> {
  const text = await readFile(resolvConf, "utf8").catch(() => "")
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1] ?? "")
}

/** Guard routes and sysctls of one pod network, persisted in `file`. */
export class NodeGuard {
  readonly #file: string
  readonly #resolvConf: string

  /** Keeps its state in `file`; never guards a nameserver of `resolvConf` (default /etc/resolv.conf). */
  constructor(file: string, resolvConf = "/etc/resolv.conf") {
    this.#file = file
    this.#resolvConf = resolvConf
  }

  async #load(): Promise<GuardState> {
    const text = await readFile(this.#file, "utf8").catch(() => undefined)
    return text ? (JSON.parse(text) as GuardState) : { routes: [] }
  }

  async #save(state: GuardState): Promise<void> {
    await mkdir(dirname(this.#file), { recursive: true })
    await writeFile(this.#file, JSON.stringify(state))
  }

  /**
   * Installs an `unreachable` route for exactly each of `cidrs` unless one is there already.
   * @throws RangeError when a range would cover one of the machine's nameservers
   */
  async installRoutes(cidrs: readonly string[]): Promise<void> {
    const servers = await nameservers(this.#resolvConf)
    for (const text of cidrs) {
      const cidr = parseCidr(text)
      const hit = servers.find((s) => cidrContains(cidr, s))
      if (hit) throw new RangeError(`Cannot guard "${cidr.text}": it covers the nameserver "${hit}"`)
    }
    const state = await this.#load()
    for (const text of cidrs) {
      const cidr = parseCidr(text).text
      try {
        await run(["ip", "route", "add", "unreachable", cidr])
      } catch (err) {
        if (failedWith(err, "File exists")) continue // present already: ours from before a crash, or the host's
        throw err
      }
      if (!state.routes.includes(cidr)) state.routes.push(cidr)
      await this.#save(state)
    }
  }

  /** Sets net.ipv4.ip_forward to 1 until restore(); the value it had comes back when no pod network needs it. */
  async enableForwarding(): Promise<void> {
    await holdForwarding(this.#file)
  }

  /**
   * Sets net.bridge.bridge-nf-call-iptables to 1 until restore() (as kubenet does), so the
   * node's NAT sees traffic between pods on one bridge and un-NATs the replies of DNATed
   * connections; false when the kernel has no br_netfilter (then such traffic is masqueraded).
   */
  async enableBridgeNetfilter(): Promise<boolean> {
    if (!existsSync(BRIDGE_NF_CALL_IPTABLES)) return false
    await holdForwarding(this.#file, BRIDGE_NF)
    return true
  }

  /** Removes the routes this node added and restores ip_forward, then forgets. */
  async restore(): Promise<void> {
    const state = await this.#load()
    for (const cidr of state.routes) {
      await run(["ip", "route", "del", "unreachable", cidr]).catch((err: unknown) => {
        if (!failedWith(err, "No such process")) throw err
      })
    }
    await releaseForwarding(this.#file)
    if (existsSync(BRIDGE_NF_CALL_IPTABLES)) await releaseForwarding(this.#file, BRIDGE_NF)
    await rm(this.#file, { force: true })
  }
}
