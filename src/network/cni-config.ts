/**
 * CNI network configuration: finding and reading the first *.conflist or *.conf of a
 * directory (lexically, as libcni does), and writing k8ts's default conflist (bridge with
 * host-local addresses from the node's podCIDR and a default route via the gateway, then portmap).
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { cidrAddress, parseCidr } from "../util/index.ts"

/** One plugin's configuration: `type` names its binary; the rest is the plugin's own. */
export interface CniPluginConf {
  readonly type: string
  readonly capabilities?: Readonly<Record<string, boolean>>
  readonly [key: string]: unknown
}

/** A network configuration list. */
export interface CniConfList {
  readonly cniVersion: string
  readonly name: string
  readonly plugins: readonly CniPluginConf[]
}

/** The file name k8ts writes its default conflist to. */
export const DEFAULT_CONFLIST_FILE = "10-k8ts.conflist"

/**
 * Reads the first configuration of `confDir` by file name: a .conflist as it is, a .conf
 * (a single plugin) as a list of one.
 * @throws Error when the directory holds none, or the first is not valid
 */
export async function loadConfList(confDir: string): Promise<CniConfList> {
  const names = (await readdir(confDir).catch(() => [] as string[]))
    .filter((n) => n.endsWith(".conflist") || n.endsWith(".conf") || n.endsWith(".json"))
    .sort()
  const first = names[0]
  if (!first) throw new Error(`Cannot find a CNI network configuration in "${confDir}"`)
  const path = join(confDir, first)
  const raw = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>
  const list = first.endsWith(".conflist")
    ? (raw as unknown as CniConfList)
    : {
        cniVersion: String(raw.cniVersion ?? ""),
        name: String(raw.name ?? ""),
        plugins: [raw as unknown as CniPluginConf],
      }
  if (!list.name || !list.cniVersion || !Array.isArray(list.plugins) || list.plugins.length === 0) {
    throw new Error(`Cannot use CNI configuration "${path}": it needs a name, a cniVersion and plugins`)
  }
  for (const p of list.plugins) {
    if (typeof p.type !== "string" || !/^[\w.-]+$/.test(p.type)) {
      throw new Error(
        `Cannot use CNI configuration "${path}": plugin type "${String(p.type)}" is not a file name`,
      )
    }
  }
  return list
}

/** Options of defaultConfList. */
export interface DefaultConfListOptions {
  /** The node's range; its first address is the gateway. */
  readonly podCIDR: string
  /** The bridge (default "k8ts-cni0"). */
  readonly bridge?: string
  /** Where host-local keeps its leases. */
  readonly dataDir: string
  /** The network's name (default "k8ts"). */
  readonly name?: string
}

/** k8ts's default network: bridge + host-local + portmap for the node's podCIDR. */
export function defaultConfList(opts: DefaultConfListOptions): CniConfList {
  const subnet = parseCidr(opts.podCIDR)
  return {
    cniVersion: "1.0.0",
    name: opts.name ?? "k8ts",
    plugins: [
      {
        type: "bridge",
        bridge: opts.bridge ?? "k8ts-cni0",
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          dataDir: opts.dataDir,
          ranges: [[{ subnet: subnet.text, gateway: cidrAddress(subnet, 1) }]],
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
    ],
  }
}

/** Writes the default conflist to `confDir` (as 10-k8ts.conflist) and returns its path. */
export async function writeDefaultConfList(confDir: string, opts: DefaultConfListOptions): Promise<string> {
  await mkdir(confDir, { recursive: true })
  const path = join(confDir, DEFAULT_CONFLIST_FILE)
  await writeFile(path, JSON.stringify(defaultConfList(opts), null, 2) + "\n")
  return path
}
