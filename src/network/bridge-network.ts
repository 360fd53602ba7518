/**
 * BridgeNetwork: the pod network set up directly with iproute2 and nftables. Each pod gets a
 * veth pair, eth0 in its namespace and the host end on a node bridge whose address is the
 * podCIDR's gateway; addresses come from a host-local IPAM, hostPorts from an nftables table.
 */
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { cidrAddress, parseCidr } from "../util/index.ts"
import { failedWith, run } from "./exec.ts"
import { IpBatcher } from "./ip-batch.ts"
import { HostLocalIpam } from "./ipam.ts"
import { deleteTableScript, type PodPorts, podRulesScript } from "./nft-rules.ts"
import { NodeGuard } from "./node-guard.ts"
import { takeDown } from "./take-down.ts"
import type { PodAttachment, PodAttachRequest, PodNetwork, PodNetworkSetup } from "./pod-network.ts"

/** Options of BridgeNetwork. */
export interface BridgeNetworkOptions {
  /** The node bridge (default "k8ts0"). */
  readonly bridge?: string
  /** The node's range, e.g. "10.244.1.0/24"; its first address is the gateway. */
  readonly podCIDR: string
  /** The whole pod network: guarded by an `unreachable` route. */
  readonly clusterCIDR: string
  /** The service network: guarded by an `unreachable` route. */
  readonly serviceCIDR: string
  /** Where leases and what the node changed are kept (survives restarts). */
  readonly stateDir: string
  /** The nftables table of hostPorts and the forward guard (default "k8ts-hostports"). */
  readonly nftTable?: string
  /** Let pods open connections beyond the node, masqueraded (default false: dropped). */
  readonly egress?: boolean
}

/** The pod's interface name. */
const POD_IFNAME = "eth0"

/** The host end of a sandbox's veth pair: derived from its id, so gc can tell whose it is. */
export function hostVethName(id: string): string {
  return `vk${createHash("sha256").update(id).digest("hex").slice(0, 12)}`
}

/** A locally administered MAC address made of an IPv4 address (0a:58 then its four bytes, as OVN does). */
export function macOf(ip: string): string {
  return ["0a", "58", ...ip.split(".").map((b) => Number(b).toString(16).padStart(2, "0"))].join(":")
}

/** Runs `ip -batch -` in the namespace at `netnsPath`. */
function ipBatchIn(netnsPath: string, lines: readonly string[]): Promise<string> {
  return run(["nsenter", `--net=${netnsPath}`, "ip", "-batch", "-"], { input: lines.join("\n") + "\n" })
}

/** The pod network on a node bridge, programmed with `ip` and `nft`. */
export class BridgeNetwork implements PodNetwork {
  readonly name = "bridge"
  readonly #bridge: string
  readonly #podCIDR: string
  readonly #prefix: number
  readonly #gateway: string
  readonly #opts: BridgeNetworkOptions
  readonly #table: string
  readonly #ipam: HostLocalIpam
  readonly #guard: NodeGuard
  readonly #portsDir: string
  /** The node side's link edits of pods attached or detached at once, in shared `ip -batch` runs. */
  readonly #links = new IpBatcher()
  #ready = false
  /** The bridge's ifindex: pods' veths are made on it from inside their namespace. */
  #bridgeIndex = 0
  /** Sandboxes whose pod side prepare() handed out (with their lease's write): attach() finishes only the node side. */
  readonly #prepared = new Map<string, Promise<void>>()
  /** Bridged traffic passes netfilter: pods keep their source address through DNAT. */
  #bridgeNetfilter = false
  /** The rule rewrites, one after another: each reads the port files afresh. */
  #rulesChain: Promise<void> = Promise.resolve()

  constructor(opts: BridgeNetworkOptions) {
    const pod = parseCidr(opts.podCIDR)
    const cluster = parseCidr(opts.clusterCIDR)
    parseCidr(opts.serviceCIDR)
    if (pod.base < cluster.base || pod.base + pod.size > cluster.base + cluster.size) {
      throw new RangeError(
        `Cannot use podCIDR "${pod.text}": it lies outside the cluster CIDR "${cluster.text}"`,
      )
    }
    this.#opts = opts
    this.#bridge = opts.bridge ?? "k8ts0"
    this.#podCIDR = pod.text
    this.#prefix = pod.prefix
    this.#gateway = cidrAddress(pod, 1)
    this.#table = opts.nftTable ?? "k8ts-hostports"
    this.#ipam = new HostLocalIpam({
      range: pod.text,
      dir: join(opts.stateDir, "ipam", this.#bridge),
      reserved: [this.#gateway],
    })
    this.#guard = new NodeGuard(join(opts.stateDir, `node-${this.#bridge}.json`))
    this.#portsDir = join(opts.stateDir, "hostports", this.#bridge)
  }

  async init(): Promise<void> {
    // Safety first: no pod address exists before the whole ranges are unreachable off the node.
    await this.#guard.installRoutes([this.#opts.clusterCIDR, this.#opts.serviceCIDR])
    // Pods reach services and hostPorts through the gateway, and hostPorts are reached from off the node.
    await this.#guard.enableForwarding()
    this.#bridgeNetfilter = await this.#guard.enableBridgeNetfilter()
    await this.#ipam.init()
    await this.#ensureBridge()
    await this.#syncRules()
    this.#ready = true
  }

  async #ensureBridge(): Promise<void> {
    // A fixed address: otherwise the bridge takes its lowest port's, and pods' ARP entries go stale as pods come and go.
    const mac = macOf(this.#gateway)
    await run(["ip", "link", "add", this.#bridge, "address", mac, "type", "bridge"]).catch((err: unknown) => {
      if (!failedWith(err, "File exists")) throw err
    })
    await run(["ip", "addr", "replace", `${this.#gateway}/${this.#prefix}`, "dev", this.#bridge])
    await run(["ip", "link", "set", this.#bridge, "up"])
    this.#bridgeIndex = Number((await readFile(`/sys/class/net/${this.#bridge}/ifindex`, "utf8")).trim())
    // hostPorts reached on 127.0.0.1 leave through the bridge with a loopback source until masqueraded.
    await writeFile(`/proc/sys/net/ipv4/conf/${this.#bridge}/route_localnet`, "1")
  }

  #check(req: PodAttachRequest): void {
    if (!this.#ready)
      throw new Error(`Cannot attach "${req.id}": the pod network is not initialised (call init())`)
    if (!/^[\w./:-]+$/.test(req.netnsPath)) {
      throw new TypeError(`Cannot attach "${req.id}": netnsPath "${req.netnsPath}" is not a plain path`)
    }
  }

  /**
   * The pod side, run in the new namespace: the veth made there, its node end sent to the node's
   * namespace (this process's) up and on the bridge (named by ifindex: its name means nothing in
   * the pod's namespace), eth0 with its address and the default route.
   */
  async prepare(req: PodAttachRequest): Promise<PodNetworkSetup> {
    this.#check(req)
    // The lease is written while the pod side is set up; attach() waits for it.
    const { ip, written } = this.#ipam.reserve(req.id)
    this.#prepared.set(req.id, written)
    const veth = hostVethName(req.id)
    const [nodePid, master, prefix, gateway] = [process.pid, this.#bridgeIndex, this.#prefix, this.#gateway]
    return {
      ipBatch: [
        `link set lo up`,
        `link add ${veth} netns ${nodePid} up master if${master} type veth peer name ${POD_IFNAME}`,
        `addr add ${ip}/${prefix} dev ${POD_IFNAME}`,
        `link set ${POD_IFNAME} up`,
        `route add default via ${gateway} dev ${POD_IFNAME}`,
      ],
      links: [
        { up: "lo" },
        { veth, nodePid, master, peer: POD_IFNAME },
        { address: ip, prefix, dev: POD_IFNAME },
        { up: POD_IFNAME },
        { gateway, dev: POD_IFNAME },
      ],
    }
  }

  async attach(req: PodAttachRequest): Promise<PodAttachment> {
    this.#check(req)
    const written = this.#prepared.get(req.id)
    if (written) {
      this.#prepared.delete(req.id)
      return this.#finish(req, written)
    }
    const leased = await this.#ipam.lookup(req.id)
    const ip = leased ?? (await this.#ipam.allocate(req.id))
    const veth = hostVethName(req.id)
    try {
      // A fresh lease means no earlier attach of this sandbox: nothing to look for.
      const attached = leased !== undefined && (await this.#isAttached(req, veth, ip))
      if (!attached) await this.#connect(req, veth, ip)
      await this.#programPorts(req, veth, ip)
    } catch (err) {
      await this.detach(req)
      throw err
    }
    return { ip, gateway: this.#gateway, interface: POD_IFNAME }
  }

  /** attach() after prepare(): the lease written, hairpin on the node's end of the veth (sysfs, no process), and the hostPorts. */
  async #finish(req: PodAttachRequest, written: Promise<void>): Promise<PodAttachment> {
    const veth = hostVethName(req.id)
    let ip = ""
    try {
      await written
      ip = (await this.#ipam.lookup(req.id)) ?? ""
      if (!ip) throw new Error(`Cannot attach "${req.id}": its address lease is gone`)
      // A pod reaches itself through a service: its packets come back out of the port they came in by.
      // (sysfs: in memory, no disk to wait for in the thread pool.) Whoever ran the links set it
      // already; a write waits for the kernel's rtnl lock, which pods being set up hold.
      const hairpin = `/sys/class/net/${veth}/brport/hairpin_mode`
      if (readFileSync(hairpin, "utf8").trim() !== "1") writeFileSync(hairpin, "1")
      await this.#programPorts(req, veth, ip)
    } catch (err) {
      await this.detach(req)
      throw err
    }
    return { ip, gateway: this.#gateway, interface: POD_IFNAME }
  }

  /** The node's end of a pod's veth: on the bridge, hairpin (a pod reaches itself through a service), up. */
  #nodeSide(veth: string): string[] {
    return [
      `link set ${veth} master ${this.#bridge}`,
      `link set ${veth} type bridge_slave hairpin on`,
      `link set ${veth} up`,
    ]
  }

  /** Records the pod's hostPorts and rewrites the rules (nothing to do without any). */
  async #programPorts(req: PodAttachRequest, veth: string, ip: string): Promise<void> {
    if (req.portMappings.length === 0) return
    await mkdir(this.#portsDir, { recursive: true })
    const ports: PodPorts = { ip, portMappings: req.portMappings }
    await writeFile(join(this.#portsDir, `${veth}.json`), JSON.stringify({ id: req.id, ...ports }))
    await this.#syncRules()
  }

  /** Creates the veth pair and configures the pod's side: lo, eth0, its address, the default route. */
  async #connect(req: PodAttachRequest, veth: string, ip: string): Promise<void> {
    await this.#links.run([
      `link add ${veth} type veth peer name ${POD_IFNAME} netns ${req.netnsPath}`,
      ...this.#nodeSide(veth),
    ])
    await ipBatchIn(req.netnsPath, [
      `link set lo up`,
      `addr add ${ip}/${this.#prefix} dev ${POD_IFNAME}`,
      `link set ${POD_IFNAME} up`,
      `route add default via ${this.#gateway} dev ${POD_IFNAME}`,
    ])
  }

  /**
   * Whether an earlier attach of the sandbox completed: its veth exists and the pod has its
   * address. A veth left by a half-done attach is removed, so the caller starts over.
   */
  async #isAttached(req: PodAttachRequest, veth: string, ip: string): Promise<boolean> {
    const exists = await run(["ip", "link", "show", veth]).then(
      () => true,
      (err: unknown) =>
        failedWith(err, "does not exist", "Cannot find device") ? false : Promise.reject(err),
    )
    if (!exists) return false
    const addrs = await run([
      "nsenter",
      `--net=${req.netnsPath}`,
      "ip",
      "-j",
      "addr",
      "show",
      POD_IFNAME,
    ]).catch(() => "[]")
    const ok = (JSON.parse(addrs || "[]") as { addr_info?: { local?: string }[] }[]).some((l) =>
      l.addr_info?.some((a) => a.local === ip),
    )
    if (!ok) await this.#deleteLink(veth)
    return ok
  }

  async detach(req: PodAttachRequest): Promise<void> {
    this.#prepared.delete(req.id)
    const veth = hostVethName(req.id)
    await this.#links.run([`link del ${veth}`]).catch((err: unknown) => {
      if (!failedWith(err, "Cannot find device", "does not exist")) throw err
    })
    const portsFile = join(this.#portsDir, `${veth}.json`)
    const hadPorts = await readFile(portsFile).then(
      () => true,
      () => false,
    )
    if (hadPorts) {
      await rm(portsFile, { force: true })
      await this.#syncRules()
    }
    await this.#ipam.release(req.id)
  }

  async gc(keepIds: ReadonlySet<string>): Promise<void> {
    const keepVeths = new Set([...keepIds].map(hostVethName))
    for (const link of await this.#bridgePorts()) if (!keepVeths.has(link)) await this.#deleteLink(link)
    for (const file of await readdir(this.#portsDir).catch(() => [] as string[])) {
      if (!keepVeths.has(file.replace(/\.json$/, ""))) await rm(join(this.#portsDir, file), { force: true })
    }
    await this.#ipam.gc(keepIds)
    if (this.#ready) await this.#syncRules()
  }

  async close(): Promise<void> {
    this.#ready = false
    await takeDown(`the bridge network "${this.#bridge}"`, [
      () => run(["nft", "-f", "-"], { input: deleteTableScript(this.#table) }),
      async () => {
        for (const link of await this.#bridgePorts()) await this.#deleteLink(link)
      },
      () => this.#deleteLink(this.#bridge),
      () => rm(this.#portsDir, { recursive: true, force: true }),
      () => this.#ipam.destroy(),
      () => this.#guard.restore(),
    ])
  }

  /** The names of the links enslaved to the bridge. */
  async #bridgePorts(): Promise<string[]> {
    const out = await run(["ip", "-j", "link", "show", "master", this.#bridge]).catch((err: unknown) => {
      if (failedWith(err, "does not exist", "Cannot find device")) return "[]"
      throw err
    })
    return (JSON.parse(out || "[]") as { ifname: string }[]).map((l) => l.ifname)
  }

  async #deleteLink(name: string): Promise<void> {
    await run(["ip", "link", "del", name]).catch((err: unknown) => {
      if (!failedWith(err, "Cannot find device", "does not exist")) throw err
    })
  }

  /** Rewrites the nftables table from the hostPorts of the attached pods, after any rewrite under way. */
  #syncRules(): Promise<void> {
    const next = this.#rulesChain.then(() => this.#writeRules())
    this.#rulesChain = next.catch(() => undefined)
    return next
  }

  async #writeRules(): Promise<void> {
    const pods: PodPorts[] = []
    for (const file of await readdir(this.#portsDir).catch(() => [] as string[])) {
      const text = await readFile(join(this.#portsDir, file), "utf8").catch(() => undefined)
      if (text) pods.push(JSON.parse(text) as PodPorts)
    }
    const script = podRulesScript({
      table: this.#table,
      bridge: this.#bridge,
      podCIDR: this.#podCIDR,
      egress: this.#opts.egress ?? false,
      bridgeNetfilter: this.#bridgeNetfilter,
      pods,
    })
    await run(["nft", "-f", "-"], { input: script })
  }
}
