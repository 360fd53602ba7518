/**
 * The pod network a node's kubelet uses, by `--pod-network`: none for loopback (the process
 * runtime's unprivileged mode), or a bridge network made once the Node has its podCIDR.
 */
import { join } from "node:path"
import type { Client } from "../src/client/index.ts"
import { DeferredPodNetwork, waitForPodCIDR } from "../src/kubelet/index.ts"
import { BridgeNetwork, type PodNetwork } from "../src/network/index.ts"
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
}

/**
 * The node's pod network, or undefined for loopback mode.
 * @throws Error for cni, which this build does not provide yet
 */
export function podNetworkFor(
  s: PodNetworkSettings,
  deps: { readonly client: Client; readonly log: Logger; readonly signal: AbortSignal },
): PodNetwork | undefined {
  if (s.mode === "loopback") return undefined
  if (s.mode === "cni") {
    throw new Error(
      `--pod-network=cni (plugins in ${s.cniBinDir}, configurations in ${s.cniConfDir}) is not available in this build; use --pod-network=bridge`,
    )
  }
  return new DeferredPodNetwork("bridge", async () => {
    const podCIDR = await waitForPodCIDR(deps.client, s.nodeName, { signal: deps.signal, log: deps.log })
    deps.log.info({ podCIDR }, "Pod network: bridge on the node's podCIDR")
    return new BridgeNetwork({
      podCIDR,
      clusterCIDR: s.clusterCidr,
      serviceCIDR: s.serviceCidr,
      stateDir: join(s.dataDir, "network"),
    })
  })
}
