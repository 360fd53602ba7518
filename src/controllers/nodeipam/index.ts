/** The node IPAM controller: a podCIDR per Node from the cluster CIDR. */
export {
  nodeIpamController,
  type NodeIpamOptions,
  DEFAULT_NODE_CIDR_MASK_SIZE,
  CIDR_NOT_AVAILABLE,
} from "./nodeipam.ts"
