/**
 * The node IPAM controller (upstream's nodeipam with the RangeAllocator): gives every Node
 * without spec.podCIDR the next free subnet of the cluster CIDR in spec.podCIDR and
 * spec.podCIDRs, records CIDRNotAvailable on the Node when the range is full, and frees a
 * Node's subnet when it is deleted. Its map of used subnets is rebuilt from the Nodes on start.
 */
import type { Node } from "kubernetes-types/core/v1.js"
import { type ApiObject, isNotFound, Nodes } from "../../api/index.ts"
import {
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  type EventRecorder,
} from "../../client/index.ts"
import { CidrSet } from "./cidr-set.ts"

/** kube-controller-manager's default --node-cidr-mask-size for IPv4. */
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24

/** The event reason when no subnet is left (upstream's). */
export const CIDR_NOT_AVAILABLE = "CIDRNotAvailable"

/** Options of nodeIpamController. */
export interface NodeIpamOptions {
  /** --cluster-cidr: the pod network the node subnets come from. */
  readonly clusterCIDR: string
  /** --node-cidr-mask-size (default 24). */
  readonly nodeCIDRMaskSize?: number
  /** --service-cluster-ip-range: subnets overlapping it are never handed out. */
  readonly serviceCIDR?: string
}

type N = Node & ApiObject

/** The controller's memory: the used subnets and which node holds which. */
class RangeAllocator {
  readonly #deps: ControllerDeps
  readonly #opts: NodeIpamOptions
  readonly #recorder: EventRecorder
  #set: CidrSet | undefined
  /** Node name → the subnet it holds in the set. */
  readonly #held = new Map<string, string>()

  constructor(deps: ControllerDeps, opts: NodeIpamOptions) {
    this.#deps = deps
    this.#opts = opts
    this.#recorder = new ClientEventRecorder(deps.client, {
      component: "cidrAllocator",
      clock: deps.clock,
      log: deps.log,
    })
  }

  /** The set, built on first use from every Node that has a subnet already. */
  #cidrs(): CidrSet {
    if (this.#set) return this.#set
    const set = new CidrSet(
      this.#opts.clusterCIDR,
      this.#opts.nodeCIDRMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE,
    )
    if (this.#opts.serviceCIDR) set.occupyOverlapping(this.#opts.serviceCIDR)
    for (const node of this.#deps.informers.get(Nodes).cache.list() as N[]) this.#occupy(set, node)
    this.#set = set
    return set
  }

  /** Records the subnet `node` holds, if it is one of ours. */
  #occupy(set: CidrSet, node: N): void {
    const name = node.metadata?.name ?? ""
    const cidr = node.spec?.podCIDRs?.[0] ?? node.spec?.podCIDR
    if (!cidr || this.#held.get(name) === cidr) return
    const old = this.#held.get(name)
    if (old) set.release(old)
    if (set.occupy(cidr)) this.#held.set(name, cidr)
    else
      this.#deps.log.info(
        { node: name, podCIDR: cidr },
        "Node's podCIDR is outside the cluster CIDR; not tracked",
      )
  }

  async reconcile(name: string): Promise<void> {
    const set = this.#cidrs()
    const node = this.#deps.informers.get(Nodes).cache.get(name) as N | undefined
    if (!node) {
      // Deleted: its subnet is free again.
      const held = this.#held.get(name)
      if (held) set.release(held)
      this.#held.delete(name)
      return
    }
    if (node.spec?.podCIDR || node.spec?.podCIDRs?.length) return this.#occupy(set, node)
    if (node.metadata?.deletionTimestamp) return
    const held = this.#held.get(name)
    const cidr = held ?? set.allocateNext()
    if (!cidr) {
      this.#recorder.event(
        node,
        "Normal",
        CIDR_NOT_AVAILABLE,
        `Node ${name} status is now: ${CIDR_NOT_AVAILABLE}`,
        Nodes,
      )
      throw new Error(
        `Cannot allocate a podCIDR for node "${name}": the cluster CIDR "${this.#opts.clusterCIDR}" is full`,
      )
    }
    this.#held.set(name, cidr)
    await this.#write(node, cidr)
  }

  async #write(node: N, cidr: string): Promise<void> {
    const next: N = structuredClone(node)
    next.spec = { ...next.spec, podCIDR: cidr, podCIDRs: [cidr] }
    try {
      await this.#deps.client.resource(Nodes).update(next)
    } catch (err) {
      // Gone meanwhile: the delete event frees it. Otherwise keep the hold and retry with backoff.
      if (isNotFound(err)) return
      throw err
    }
    this.#deps.log.info({ node: node.metadata?.name, podCIDR: cidr }, "Set node PodCIDR")
  }
}

/** The nodeipam controller for `opts.clusterCIDR`. */
export function nodeIpamController(opts: NodeIpamOptions): ControllerSpec {
  // Fail at construction, not on the first reconcile, when the flags do not fit together.
  new CidrSet(opts.clusterCIDR, opts.nodeCIDRMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE)
  return {
    name: "nodeipam",
    for: Nodes,
    create: (deps) => {
      const allocator = new RangeAllocator(deps, opts)
      return { reconcile: (key) => allocator.reconcile(key) }
    },
  }
}
