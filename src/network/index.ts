/**
 * The node's pod network: namespaces on a bridge with addresses from the node's podCIDR, set up
 * directly with iproute2 and nftables or through CNI plugins, behind one `PodNetwork` interface.
 * Used by the kubelet's sandbox runtime; knows nothing of the cluster. Imports api and util.
 */
export type {
  PodNetwork,
  PodNetworkSetup,
  PodLinkStep,
  PodAttachRequest,
  PodAttachment,
  PodPortMapping,
} from "./pod-network.ts"
export { BridgeNetwork, type BridgeNetworkOptions } from "./bridge-network.ts"
export { HostLocalIpam, type HostLocalIpamOptions } from "./ipam.ts"
export { CniNetwork, type CniNetworkOptions } from "./cni-network.ts"
export {
  type CniConfList,
  type CniPluginConf,
  type DefaultConfListOptions,
  DEFAULT_CONFLIST_FILE,
  defaultConfList,
  loadConfList,
  writeDefaultConfList,
} from "./cni-config.ts"
export { createPodNetwork, type CreatePodNetworkOptions } from "./create.ts"
export { DEFAULT_HOST_NAME_PREFIX, hostNames, type HostNames } from "./host-names.ts"
export { CommandError, run, type RunOptions } from "./exec.ts"
export { deleteNftTable, listNftTables, readInterfaceSysctl, runNft, writeInterfaceSysctl } from "./nft.ts"
