/**
 * CniNetwork: the pod network through CNI plugins, per the CNI spec (as libcni calls them):
 * loopback first, then the conflist's plugins in order for ADD with each one's result as the
 * next one's prevResult and runtimeConfig.portMappings for those that ask; DEL in reverse with
 * the cached result. Results are cached per sandbox so detach and gc work after a restart. With
 * prepare(), whoever creates the namespace brings lo up as it does, in place of the loopback
 * plugin's ADD (one program less per pod).
 */
import { access, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { type CniConfList, type CniPluginConf, loadConfList } from "./cni-config.ts"
import { CommandError, failedWith, run } from "./exec.ts"
import { deleteTableScript, egressGuardScript } from "./nft-rules.ts"
import { NodeGuard } from "./node-guard.ts"
import { takeDown } from "./take-down.ts"
import { holdNatTables, releaseNatTables, removePortmapChains } from "./portmap-cleanup.ts"
import type { PodAttachment, PodAttachRequest, PodNetwork, PodNetworkSetup } from "./pod-network.ts"

/** Options of CniNetwork. */
export interface CniNetworkOptions {
  /** Where the network configuration is (the first *.conflist or *.conf by name). */
  readonly confDir: string
  /** Where the plugin binaries are (default /usr/lib/cni, Debian's containernetworking-plugins). */
  readonly binDir?: string
  /** Where ADD results are kept for DEL and gc (and what the node changed). */
  readonly cacheDir: string
  /** The whole pod network: guarded by an `unreachable` route. */
  readonly clusterCIDR: string
  /** The service network: guarded by an `unreachable` route. */
  readonly serviceCIDR: string
  /** The nftables table that keeps pods of a bridge network from opening connections off the node (default "k8ts-cni-guard"). */
  readonly nftTable?: string
  /** Let pods open connections beyond the node (default false). */
  readonly egress?: boolean
}

/** What the cache keeps of an attached sandbox. */
interface CacheEntry {
  readonly req: PodAttachRequest
  readonly confList: CniConfList
  readonly result: CniResult
}

/** The parts of a CNI result k8ts reads. */
interface CniResult {
  readonly ips?: readonly { readonly address: string; readonly gateway?: string }[]
  readonly [key: string]: unknown
}

const POD_IFNAME = "eth0"
const LOOPBACK: CniPluginConf = { type: "loopback" }

/** CNI_ARGS as the kubelet passes them. */
function cniArgs(req: PodAttachRequest): string {
  return [
    "IgnoreUnknown=1",
    `K8S_POD_NAMESPACE=${req.namespace}`,
    `K8S_POD_NAME=${req.name}`,
    `K8S_POD_INFRA_CONTAINER_ID=${req.id}`,
    `K8S_POD_UID=${req.podUid}`,
  ].join(";")
}

function hasPortmap(list: CniConfList): boolean {
  return list.plugins.some((p) => p.type === "portmap")
}

/** The file name of a sandbox's cache entry. */
function cacheFile(id: string): string {
  return `${encodeURIComponent(id)}.json`
}

/** The pod network of a CNI conflist. */
export class CniNetwork implements PodNetwork {
  readonly name = "cni"
  readonly #opts: CniNetworkOptions
  readonly #binDir: string
  readonly #guard: NodeGuard
  readonly #table: string
  readonly #results: string
  #confList: CniConfList | undefined
  /** Sandboxes whose lo prepare() brings up: attach() runs the conflist's plugins only. */
  readonly #prepared = new Set<string>()

  constructor(opts: CniNetworkOptions) {
    this.#opts = opts
    this.#binDir = opts.binDir ?? "/usr/lib/cni"
    this.#guard = new NodeGuard(join(opts.cacheDir, "node.json"))
    this.#table = opts.nftTable ?? "k8ts-cni-guard"
    this.#results = join(opts.cacheDir, "results")
  }

  async init(): Promise<void> {
    // Safety first: no pod address exists before the whole ranges are unreachable off the node.
    await this.#guard.installRoutes([this.#opts.clusterCIDR, this.#opts.serviceCIDR])
    // The bridge plugin (isGateway) turns forwarding on; remember the value it had.
    await this.#guard.enableForwarding()
    this.#confList = await loadConfList(this.#opts.confDir)
    // Before portmap's first rule: which nat tables the machine had, so close() leaves just those.
    if (hasPortmap(this.#confList)) await holdNatTables(this.#opts.cacheDir)
    await mkdir(this.#results, { recursive: true })
    const bridge = this.#bridgeOf(this.#confList)
    if (bridge && !this.#opts.egress) {
      await run(["nft", "-f", "-"], { input: egressGuardScript(this.#table, bridge) })
    }
  }

  /** The bridge a bridge-plugin network uses (the plugin's default is "cni0"). */
  #bridgeOf(list: CniConfList): string | undefined {
    const conf = list.plugins.find((p) => p.type === "bridge")
    return conf ? (typeof conf.bridge === "string" ? conf.bridge : "cni0") : undefined
  }

  /** The pod side k8ts can do without a plugin: lo up (the loopback plugin's ADD). */
  async prepare(req: PodAttachRequest): Promise<PodNetworkSetup> {
    this.#listOf(req)
    this.#prepared.add(req.id)
    return { ipBatch: ["link set lo up"], links: [{ up: "lo" }] }
  }

  #listOf(req: PodAttachRequest): CniConfList {
    const list = this.#confList
    if (!list) throw new Error(`Cannot attach "${req.id}": the pod network is not initialised (call init())`)
    return list
  }

  async attach(req: PodAttachRequest): Promise<PodAttachment> {
    const list = this.#listOf(req)
    const prepared = this.#prepared.delete(req.id)
    const cached = await this.#cached(req.id)
    if (cached && cached.req.netnsPath === req.netnsPath) return attachmentOf(req.id, cached.result)
    let result: CniResult | undefined
    try {
      if (!prepared) {
        const loopback = { ...LOOPBACK, cniVersion: list.cniVersion, name: "cni-loopback" }
        await this.#plugin("ADD", req, loopback, "lo")
      }
      for (const conf of list.plugins) {
        result = (await this.#plugin(
          "ADD",
          req,
          this.#pluginConf(list, conf, req, result),
          POD_IFNAME,
        )) as CniResult
      }
    } catch (err) {
      // The spec asks the runtime to DEL after a failed ADD, so nothing half-done stays.
      await this.#del(req, list, result).catch(() => undefined)
      throw err
    }
    if (!result) throw new Error(`Cannot attach "${req.id}": network "${list.name}" has no plugins`)
    const entry: CacheEntry = { req, confList: list, result }
    await writeFile(join(this.#results, cacheFile(req.id)), JSON.stringify(entry))
    return attachmentOf(req.id, result)
  }

  async detach(req: PodAttachRequest): Promise<void> {
    this.#prepared.delete(req.id)
    const cached = await this.#cached(req.id)
    const list = cached?.confList ?? this.#confList
    if (!list) return // never initialised and nothing cached: nothing was attached
    await this.#del(cached?.req ?? req, list, cached?.result)
    await rm(join(this.#results, cacheFile(req.id)), { force: true })
  }

  async gc(keepIds: ReadonlySet<string>): Promise<void> {
    const cachedIds = new Set<string>()
    for (const file of await readdir(this.#results).catch(() => [] as string[])) {
      const id = decodeURIComponent(file.replace(/\.json$/, ""))
      cachedIds.add(id)
      if (keepIds.has(id)) continue
      const entry = await this.#cached(id)
      if (entry) await this.detach(entry.req)
      else await rm(join(this.#results, file), { force: true })
    }
    // A crash between ADD and the cache write leaves only a host-local lease: DEL by id frees it.
    const list = this.#confList
    if (!list) return
    for (const id of await hostLocalLeaseIds(list)) {
      if (keepIds.has(id) || cachedIds.has(id)) continue
      await this.#del({ id, podUid: "", namespace: "", name: "", netnsPath: "", portMappings: [] }, list)
    }
  }

  async close(): Promise<void> {
    // Node stop: every pod still attached goes first, so no veth, lease or port rule outlives the bridge.
    const list = this.#confList ?? (await loadConfList(this.#opts.confDir).catch(() => undefined))
    const bridge = list && this.#bridgeOf(list)
    await takeDown("the CNI network", [
      async () => {
        if (this.#confList) await this.gc(new Set())
      },
      async () => {
        this.#confList = undefined
      },
      () => run(["nft", "-f", "-"], { input: deleteTableScript(this.#table) }),
      async () => {
        if (!bridge) return
        await run(["ip", "link", "del", bridge]).catch((err: unknown) => {
          if (!failedWith(err, "Cannot find device", "does not exist")) throw err
        })
      },
      async () => {
        if (list && hasPortmap(list)) await removePortmapChains()
      },
      async () => {
        if (list && hasPortmap(list)) await releaseNatTables(this.#opts.cacheDir)
      },
      () => this.#guard.restore(),
    ])
  }

  /** The configuration handed to one plugin: the list's name and version, prevResult, runtimeConfig. */
  #pluginConf(
    list: CniConfList,
    conf: CniPluginConf,
    req: PodAttachRequest,
    prev?: CniResult,
  ): CniPluginConf {
    const wantsPorts = conf.capabilities?.portMappings === true
    const portMappings = req.portMappings.map((m) => ({
      hostPort: m.hostPort,
      containerPort: m.containerPort,
      protocol: m.protocol.toLowerCase(),
      ...(m.hostIP ? { hostIP: m.hostIP } : {}),
    }))
    return {
      ...conf,
      cniVersion: list.cniVersion,
      name: list.name,
      ...(prev ? { prevResult: prev } : {}),
      ...(wantsPorts && portMappings.length > 0 ? { runtimeConfig: { portMappings } } : {}),
    }
  }

  /** DEL through the plugins in reverse, then loopback; every plugin runs, the first failure is thrown. */
  async #del(req: PodAttachRequest, list: CniConfList, result?: CniResult): Promise<void> {
    // A namespace that is gone is passed as "" so plugins still free addresses and rules.
    const alive = await access(req.netnsPath).then(
      () => true,
      () => false,
    )
    const target = alive ? req : { ...req, netnsPath: "" }
    let first: unknown
    for (const conf of [...list.plugins].reverse()) {
      await this.#plugin("DEL", target, this.#pluginConf(list, conf, req, result), POD_IFNAME).catch(
        (err: unknown) => {
          first ??= err
        },
      )
    }
    if (alive) {
      await this.#plugin(
        "DEL",
        target,
        { ...LOOPBACK, cniVersion: list.cniVersion, name: "cni-loopback" },
        "lo",
      )
    }
    if (first) throw first
  }

  async #cached(id: string): Promise<CacheEntry | undefined> {
    const text = await readFile(join(this.#results, cacheFile(id)), "utf8").catch(() => undefined)
    return text ? (JSON.parse(text) as CacheEntry) : undefined
  }

  /** Runs one plugin binary with the CNI environment; resolves with its parsed result (or undefined). */
  async #plugin(
    command: "ADD" | "DEL",
    req: PodAttachRequest,
    conf: CniPluginConf,
    ifname: string,
  ): Promise<unknown> {
    const env = {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      CNI_COMMAND: command,
      CNI_CONTAINERID: req.id,
      CNI_NETNS: req.netnsPath,
      CNI_IFNAME: ifname,
      CNI_ARGS: cniArgs(req),
      CNI_PATH: this.#binDir,
    }
    try {
      const out = await run([join(this.#binDir, conf.type)], { input: JSON.stringify(conf), env })
      return out.trim() ? (JSON.parse(out) as unknown) : undefined
    } catch (err) {
      throw pluginError(command, conf.type, req.id, err)
    }
  }
}

/** The container ids holding host-local leases in the network's data directory (host-local's file layout). */
async function hostLocalLeaseIds(list: CniConfList): Promise<string[]> {
  const ipam = list.plugins
    .map((p) => p.ipam as { type?: string; dataDir?: string } | undefined)
    .find((i) => i?.type === "host-local")
  if (!ipam) return []
  const dir = join(ipam.dataDir ?? "/var/lib/cni/networks", list.name)
  const ids = new Set<string>()
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(name)) continue
    const text = await readFile(join(dir, name), "utf8").catch(() => "")
    const id = text.split(/\r?\n/)[0]?.trim()
    if (id) ids.add(id)
  }
  return [...ids]
}

/** A plugin failure with the error the plugin printed (code, msg, details) in the message. */
function pluginError(command: string, type: string, id: string, err: unknown): Error {
  if (!(err instanceof CommandError)) return err instanceof Error ? err : new Error(String(err))
  let detail = err.stderr.trim()
  try {
    const e = JSON.parse(err.stdout) as { code?: number; msg?: string; details?: string }
    detail = `${e.msg ?? ""}${e.details ? `: ${e.details}` : ""} (code ${e.code ?? "?"})`
  } catch {
    // Not a CNI error object: keep stderr.
  }
  return new Error(`CNI plugin "${type}" failed ${command} for "${id}": ${detail}`)
}

/** The pod's address, gateway and interface from the last plugin's result. */
function attachmentOf(id: string, result: CniResult): PodAttachment {
  const first = result.ips?.[0]
  if (!first) throw new Error(`Cannot attach "${id}": the CNI result has no address`)
  return { ip: first.address.split("/")[0] ?? "", gateway: first.gateway ?? "", interface: POD_IFNAME }
}
