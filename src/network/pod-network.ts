/** The pod network seam: how a node gives each pod sandbox its interface, address and host ports. */

/** A hostPort of a pod: traffic to `hostIP` (all node addresses when unset) on `hostPort` goes to the pod's `containerPort`. */
export interface PodPortMapping {
  readonly containerPort: number
  readonly hostPort: number
  readonly protocol: "TCP" | "UDP" | "SCTP"
  readonly hostIP?: string
}

/** What a pod network needs to know to attach (or detach) one pod sandbox. */
export interface PodAttachRequest {
  /** The sandbox id: the key of the attachment, its IPAM lease and its rules. */
  readonly id: string
  readonly podUid: string
  readonly namespace: string
  readonly name: string
  /** The sandbox's persistent network namespace file, e.g. /run/netns/<id>. */
  readonly netnsPath: string
  readonly portMappings: readonly PodPortMapping[]
}

/** The pod's side of an attachment. */
export interface PodAttachment {
  /** The pod IP (no prefix length). */
  readonly ip: string
  readonly gateway: string
  /** The interface in the pod's namespace, "eth0". */
  readonly interface: string
}

/**
 * One step of the pod side of an attachment as data, for whoever runs it by netlink instead of
 * `ip` (no process per pod): a link set up; a veth pair made in the pod's namespace whose
 * `veth` end goes to the namespace of process `nodePid`, up, on the bridge with ifindex
 * `master` (when not 0) in hairpin mode, its `peer` end staying (down); an address; the
 * default route.
 */
export type PodLinkStep =
  | { readonly up: string }
  | { readonly veth: string; readonly nodePid: number; readonly master: number; readonly peer: string }
  | { readonly address: string; readonly prefix: number; readonly dev: string }
  | { readonly gateway: string; readonly dev: string }

/** The pod side of an attachment, run inside the new network namespace. */
export interface PodNetworkSetup {
  /** `ip -batch` lines: lo up, eth0 (a veth whose peer lands on the node), its address, the default route. */
  readonly ipBatch: readonly string[]
  /** The same as ipBatch, step by step as data. */
  readonly links: readonly PodLinkStep[]
}

/**
 * The node's pod network. `init()` runs once before any `attach()`: it installs `unreachable`
 * routes for the cluster and service CIDRs first, so no pod packet leaves the machine through the
 * default route, then the node-wide parts (bridge, tables). `attach()` brings lo up in the pod's
 * namespace, adds eth0 with an address from the node's podCIDR and a default route via the
 * gateway, and programs the hostPorts. `detach()` and `gc()` are idempotent and free addresses,
 * interfaces and rules; `close()` undoes `init()`, removing only what it added.
 */
export interface PodNetwork {
  readonly name: string
  /** Sets up the node-wide parts, guard routes first. Idempotent. */
  init(): Promise<void>
  /**
   * Optional: leases the sandbox's address and returns the pod side of its attachment as `ip`
   * commands, for whoever creates the network namespace at `req.netnsPath` to run inside it as
   * it does (one process per pod for both); `attach()` then only finishes the node side. A
   * failed set-up is undone with `detach()`.
   */
  prepare?(req: PodAttachRequest): Promise<PodNetworkSetup>
  /** Connects the sandbox's namespace to the pod network and programs its host ports. */
  attach(req: PodAttachRequest): Promise<PodAttachment>
  /** Disconnects the sandbox: frees its IP, removes its veth and port rules. Idempotent. */
  detach(req: PodAttachRequest): Promise<void>
  /** Removes what a crash left behind: leases, veths and rules of sandboxes not in `keepIds`. */
  gc(keepIds: ReadonlySet<string>): Promise<void>
  /** Node stop: removes the bridge, the rules and the guard routes `init()` added. */
  close(): Promise<void>
}
