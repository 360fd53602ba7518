/**
 * The pod network a node's kubelet uses, by `--pod-network`: none for loopback (the process
 * runtime's unprivileged mode), or the direct bridge or CNI plugins (the network component's
 * createPodNetwork), made once the Node has its podCIDR.
 */
import { join } from "node:path"
import type { Client } from "../src/client/index.ts"
import { DeferredPodNetwork, waitForPodCIDR } from "../src/kubelet/index.ts"
import { createPodNetwork, type PodNetwork } from "../src/network/index.ts"
import type { Logger } from "../src/util/index.ts"
import type { PodNetworkMode } from "./server-config.ts"

/** What podNetworkFor needs. */
export interface PodNetworkSettings {
  readonly mode: PodNetworkMode
  readonly nodeName: string
  readonly dataDir: string
  readonly clusterCidr: string
  readonly serviceCidr: string
  readonly cniConfDir: string
  readonly cniBinDir: string
  /** What the bridge and nftables tables are named after (--host-name-prefix). */
  readonly hostNamePrefix?: string
}

/** The node's pod network (bridge, or CNI plugins), made once the Node has its podCIDR; undefined for loopback. */
export function podNetworkFor(
  s: PodNetworkSettings,
  deps: { readonly client: Client; readonly log: Logger; readonly signal: AbortSignal },
): PodNetwork | undefined {
  if (s.mode === "loopback") return undefined
  return new DeferredPodNetwork(s.mode, async () => {
    const podCIDR = await waitForPodCIDR(deps.client, s.nodeName, { signal: deps.signal, log: deps.log })
    deps.log.info({ podCIDR, podNetwork: s.mode }, "Pod network on the node's podCIDR")
    const cni = s.mode === "cni" ? { cniConfDir: s.cniConfDir, cniBinDir: s.cniBinDir } : {}
    return createPodNetwork({
      podCIDR,
      clusterCIDR: s.clusterCidr,
      serviceCIDR: s.serviceCidr,
      stateDir: join(s.dataDir, "network"),
      ...(s.hostNamePrefix ? { namePrefix: s.hostNamePrefix } : {}),
      ...cni,
    })
  })
}
