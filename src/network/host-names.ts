/**
 * The names of what a k8ts server makes on its machine: the pod bridge, the nftables tables and
 * the service route device, all from one prefix ("k8ts" by default), so two servers on one
 * machine, each with its own prefix, never share one.
 */

/** The names made from one prefix. */
export interface HostNames {
  /** The node's pod bridge: `<prefix>0` ("k8ts0"). */
  readonly bridge: string
  /** The bridge network's hostPort table: `<prefix>-hostports`. */
  readonly hostPortsTable: string
  /** The CNI network's egress guard table: `<prefix>-cni-guard`. */
  readonly cniGuardTable: string
  /** The service proxy's nftables table: `<prefix>-proxy`. */
  readonly proxyTable: string
  /** The device the service range is routed to: `<prefix>-svc0`. */
  readonly serviceDevice: string
}

/** The default prefix. */
export const DEFAULT_HOST_NAME_PREFIX = "k8ts"

/** The longest prefix: `<prefix>-svc0` must fit a Linux interface name (15 characters). */
const MAX_PREFIX = 10

/**
 * The host names of a prefix.
 * @throws RangeError when the prefix is not a lower-case letter then up to 9 letters, digits or dashes
 */
export function hostNames(prefix: string = DEFAULT_HOST_NAME_PREFIX): HostNames {
  if (!new RegExp(`^[a-z][a-z0-9-]{0,${MAX_PREFIX - 1}}$`).test(prefix)) {
    throw new RangeError(
      `Cannot name host devices after "${prefix}": use a lower-case letter then up to ${MAX_PREFIX - 1} letters, digits or dashes`,
    )
  }
  return {
    bridge: `${prefix}0`,
    hostPortsTable: `${prefix}-hostports`,
    cniGuardTable: `${prefix}-cni-guard`,
    proxyTable: `${prefix}-proxy`,
    serviceDevice: `${prefix}-svc0`,
  }
}
