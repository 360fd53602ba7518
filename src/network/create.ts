/**
 * Picks the node's pod network from its flags: CNI when a configuration directory is given
 * (`--cni-conf-dir`, `--cni-bin-dir`), writing k8ts's default conflist there when it has none,
 * otherwise the direct bridge.
 */
import { join } from "node:path"
import { BridgeNetwork } from "./bridge-network.ts"
import { loadConfList, writeDefaultConfList } from "./cni-config.ts"
import { CniNetwork } from "./cni-network.ts"
import { hostNames } from "./host-names.ts"
import type { PodNetwork } from "./pod-network.ts"

/** Options of createPodNetwork. */
export interface CreatePodNetworkOptions {
  /** The node's range (node.spec.podCIDR). */
  readonly podCIDR: string
  readonly clusterCIDR: string
  readonly serviceCIDR: string
  /** Where the network keeps its state (leases, cached results, what it changed on the node). */
  readonly stateDir: string
  /** --cni-conf-dir: use CNI plugins with the first configuration found here. */
  readonly cniConfDir?: string
  /** --cni-bin-dir (default /usr/lib/cni). */
  readonly cniBinDir?: string
  /** The prefix of the bridge's and the nftables tables' names (default "k8ts": "k8ts0", ...; host-names.ts). */
  readonly namePrefix?: string
  /** The bridge of the direct network, or of the default conflist (default: the prefix's, "k8ts0"). */
  readonly bridge?: string
}

/** The pod network the options describe; not yet initialised (call init()). */
export async function createPodNetwork(opts: CreatePodNetworkOptions): Promise<PodNetwork> {
  const names = hostNames(opts.namePrefix)
  const bridge = opts.bridge ?? names.bridge
  const ranges = { clusterCIDR: opts.clusterCIDR, serviceCIDR: opts.serviceCIDR }
  if (!opts.cniConfDir) {
    const nftTable = names.hostPortsTable
    return new BridgeNetwork({ ...ranges, podCIDR: opts.podCIDR, bridge, nftTable, stateDir: opts.stateDir })
  }
  const found = await loadConfList(opts.cniConfDir).then(
    () => true,
    () => false,
  )
  if (!found) {
    const dataDir = join(opts.stateDir, "cni", "networks")
    await writeDefaultConfList(opts.cniConfDir, { podCIDR: opts.podCIDR, bridge, dataDir })
  }
  return new CniNetwork({
    ...ranges,
    confDir: opts.cniConfDir,
    cacheDir: join(opts.stateDir, "cni"),
    nftTable: names.cniGuardTable,
    ...(opts.cniBinDir ? { binDir: opts.cniBinDir } : {}),
  })
}
